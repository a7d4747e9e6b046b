// Package calendar owns the State Council holiday calendar (国务院办公厅关于部分节假日安排的通知,
// one per year) and working-day arithmetic on it: whether a date is a working day (工作日,
// including the weekend days made working days, 调休上班), whether it is a day off of a
// statutory holiday period, and the n-th working day after a date — the basis of every
// "within N working days" deadline (12369 Art. 10: assign within 3 working days).
//
// It must not touch anything with I/O beyond reading the io.Readers it is handed: no files,
// network, Kafka or ClickHouse. The calendar is data, not code: data/YYYY.tsv, one file per
// year, embedded and parsed once (Default); New builds one from an operator's files.
//
// All dates are calendar dates in Asia/Shanghai: a time.Time is first converted to Shanghai
// time and only its date is used.
//
// # File format
//
// One file per year, UTF-8, tab-separated; blank lines and lines starting with '#' are ignored
// (the first comment names the notice the file transcribes):
//
//	date  kind  name
//
// date is YYYY-MM-DD within the file's year; kind is "holiday" (a day off of a statutory
// holiday period — the statutory days and the days around them given off by the notice,
// weekends inside the period included) or "workday" (a Saturday or Sunday made a working day,
// 调休上班); name is the holiday's Chinese name (元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节).
// Every other Monday–Friday is a working day and every other Saturday and Sunday is not.
//
// # Years not covered
//
// For a year without a file the calendar falls back to Monday–Friday and says so: the known
// result of IsWorkingDay is false, and AddWorkingDays reports false when any day it stepped
// over fell back. Add next year's file when the State Council publishes its notice (usually in
// November).
package calendar
