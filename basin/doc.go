// Package basin owns the river-basin topology used by the watershed detector: the seven basins
// with their supervision bureaus (生态环境部 流域(海域)生态环境监督管理局), and for each river or
// lake the prefecture-level units along it, ordered upstream → downstream with approximate river
// distances. It answers which basins and rivers a region lies on and which jurisdictions lie
// downstream within reach.
//
// It must not touch anything with I/O beyond reading the io.Readers it is handed: no files,
// network, Kafka or ClickHouse. The embedded topology is parsed once (Default) and never
// changed. Region codes are checked against package region.
//
// # Data format (replaceable by an official dataset)
//
// Two tab-separated UTF-8 files; blank lines and text after '#' are ignored.
//
// data/basins.tsv, one basin per line:
//
//	id  name  river  bureau
//
// id is a stable lower-case identifier (changjiang, huanghe, huaihe, haihe, zhujiang,
// songliao, taihu), name the basin's Chinese name (长江流域), river its main river or water body
// (长江), bureau the full official name of its supervision bureau.
//
// data/units.tsv, one line per unit and river:
//
//	unit_code  basin  river  downstream_code  distance_km
//
// unit_code is a GB/T 2260 code that exists in the region table (the sample uses prefecture
// level; a municipality is its 市辖区 entry such as 310100); basin an id from basins.tsv; river
// the river or lake the unit lies on; downstream_code the next unit downstream on that river, or
// '-' (or empty) where the river ends or leaves the basin; distance_km the approximate river
// distance to that next unit (> 0 when there is one).
//
// A unit may lie on several rivers (one line each) and in several basins. A river is an
// in-tree: several units may flow into one (a lake's inflows), each unit has at most one
// downstream per river. A tributary's last unit names a unit on the receiving river as its
// downstream; the walk continues there on the same river if that unit has it, else on the
// basin's main river, else on the unit's only river in the basin (Parse rejects any other case
// as ambiguous).
//
// Parse validates: field counts, known basin ids, region codes that exist, duplicate lines,
// downstream codes that are units of the same basin (no dangling links), distances, and cycles.
//
// # The embedded sample
//
// The embedded units.tsv is a sample at prefecture level: the main stems of 长江 (攀枝花 → 上海),
// 黄河 (兰州 → 东营), 淮河, 海河 (永定河, 大清河, 子牙河 to 天津), 珠江 (西江 to 珠海, 北江 and
// 东江 to 广州 and the estuary), 松花江 / 嫩江 and 辽河 / 浑河, a few major tributaries (岷江,
// 嘉陵江, 汉江, 湘江, 赣江, 渭河, 汾河, 沙颍河, 柳江, 桂江, 郁江) and the lakes 太湖, 巢湖 and
// 滇池. Its distances are approximate (±20%): river kilometres between the units' main
// riverside towns, assembled from commonly cited channel mileages, not surveyed values.
package basin
