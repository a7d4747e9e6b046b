// Package basin owns the river-basin topology used by the watershed detector: the seven basins
// with their supervision bureaus (生态环境部 流域(海域)生态环境监督管理局), for each river or lake
// the prefecture-level units along it, ordered upstream → downstream with approximate river
// distances, the drinking-water sources known on a unit's reach, and how fast water travels
// down each class of river. It answers which basins and rivers a region lies on, which
// jurisdictions lie downstream and when water gets there (Within, Reach), and which units flow
// into one (Inflows).
//
// It must not touch anything with I/O beyond reading the io.Readers it is handed: no files,
// network, Kafka or ClickHouse. The embedded topology is parsed once (Default) and never
// changed. Region codes are checked against package region.
//
// # Data format (replaceable by an official dataset)
//
// Four tab-separated UTF-8 files; blank lines and text after '#' are ignored. Parse takes them
// as Files and rejects anything it cannot use, naming the file, line and value.
//
// data/basins.tsv, one basin per line:
//
//	id  name  river  bureau
//
// id is a stable lower-case identifier (changjiang, huanghe, huaihe, haihe, zhujiang,
// songliao, taihu), name the basin's Chinese name (长江流域), river its main river or water body
// (长江), bureau the full official name of its supervision bureau.
//
// data/classes.tsv, one flow-speed class per line:
//
//	class  min_km_per_day  max_km_per_day  description
//
// The range of speeds at which a pollutant front travels down a river of the class: the slow
// end (low water, ice, sluices, tides) and the fast end (high water). 0 < min ≤ max. The
// sample's classes are trunk (60–150 km a day), river (40–110), plain (15–60) and lake (5–20):
// planning values, documented in the file; a river authority's travel-time table replaces them.
//
// data/rivers.tsv, one line per river or lake of units.tsv:
//
//	basin  river  class
//
// Every (basin, river) of units.tsv must have exactly one line here.
//
// data/units.tsv, one line per unit and river:
//
//	unit_code  basin  river  downstream_code  distance_km  [drinking_water]
//
// unit_code is a GB/T 2260 code that exists in the region table (the sample uses prefecture
// level; a municipality is its 市辖区 entry such as 310100); basin an id from basins.tsv; river
// the river or lake the unit lies on; downstream_code the next unit downstream on that river, or
// '-' (or empty) where the river ends or leaves the basin; distance_km the approximate river
// distance to that next unit (> 0 when there is one); drinking_water, optional, the
// drinking-water sources known on the unit's reach ('-' or absent: none recorded).
//
// A unit may lie on several rivers (one line each) and in several basins. A river is an
// in-tree: several units may flow into one (a lake's inflows), each unit has at most one
// downstream per river. A tributary's last unit names a unit on the receiving river as its
// downstream; the walk continues there on the same river if that unit has it, else on the
// basin's main river, else on the unit's only river in the basin (Parse rejects any other case
// as ambiguous).
//
// Parse validates: field counts, known basin ids and classes, speeds, region codes that exist,
// duplicate lines, rivers without a class, downstream codes that are units of the same basin
// (no dangling links), distances, and cycles.
//
// # Travel times
//
// The water of a reach (from a unit to its downstream) travels at its river's class speeds, a
// tributary's last reach at the tributary's; along a path the times add up. A Reach carries
// the distance and the Earliest (every reach at its fast end) and Latest (slow end) arrival;
// Within lists the units whose Earliest arrival lies within a time, so that nobody the water
// may reach in that time is left out.
//
// # The embedded sample
//
// The embedded units.tsv is a sample at prefecture level: the main stems of 长江 (攀枝花 → 上海),
// 黄河 (兰州 → 东营), 淮河, 海河 (永定河, 大清河, 子牙河 to 天津), 珠江 (西江 to 珠海, 北江 and
// 东江 to 广州 and the estuary), 松花江 / 嫩江 and 辽河 / 浑河, a few major tributaries (岷江,
// 嘉陵江, 汉江, 清江, 湘江, 赣江, 渭河, 汾河, 沙颍河, 柳江, 桂江, 郁江) and the lakes 太湖, 巢湖 and
// 滇池. Its distances are approximate (±20%): river kilometres between the units' main
// riverside towns, assembled from commonly cited channel mileages, not surveyed values. Its
// drinking-water column names a few well-known sources (丹江口水库, 青草沙水库, 太湖 贡湖 …)
// and is empty elsewhere: the sample records some, not all.
package basin
