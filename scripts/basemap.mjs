// Builds the base map of the South Caucasus that the site's SVG maps draw
// (assets/map/south-caucasus.txt) from Natural Earth's 1:50m countries (public domain), as
// the npm package `world-atlas` ships them in TopoJSON. Node's standard library only:
//
//   npm install --no-save world-atlas@2.0.2
//   node scripts/basemap.mjs node_modules/world-atlas/countries-50m.json > assets/map/south-caucasus.txt
//
// Every country is clipped to the map's box, projected (equirectangular, longitudes scaled
// by the cosine of 40° N so that shapes keep their proportions there), simplified
// (Douglas–Peucker, 0.5 map units, about half a kilometre) and written as one line:
// `name<TAB>SVG path data`. The projection's constants are repeated in src/web/pages/map.rs.
import { readFileSync } from "node:fs";

const [WEST, SOUTH, EAST, NORTH] = [43.0, 37.5, 51.0, 42.5];
const K = 100; // map units per degree of latitude
const COS = Math.cos((40 * Math.PI) / 180);
const TOLERANCE = 0.5;

const topo = JSON.parse(readFileSync(process.argv[2], "utf8"));
const { scale, translate } = topo.transform;
// Arcs are delta-encoded and quantised.
const arcs = topo.arcs.map((arc) => {
  let x = 0, y = 0;
  return arc.map(([dx, dy]) => {
    x += dx; y += dy;
    return [x * scale[0] + translate[0], y * scale[1] + translate[1]];
  });
});
function ring(indexes) {
  const out = [];
  for (const i of indexes) {
    const arc = i >= 0 ? arcs[i] : arcs[~i].slice().reverse();
    out.push(...(out.length ? arc.slice(1) : arc));
  }
  return out;
}
// Sutherland–Hodgman against each edge of the box.
function clip(points) {
  const edges = [
    [(p) => p[0] >= WEST, (a, b) => at(a, b, 0, WEST)],
    [(p) => p[0] <= EAST, (a, b) => at(a, b, 0, EAST)],
    [(p) => p[1] >= SOUTH, (a, b) => at(a, b, 1, SOUTH)],
    [(p) => p[1] <= NORTH, (a, b) => at(a, b, 1, NORTH)],
  ];
  let out = points;
  for (const [inside, cross] of edges) {
    const input = out;
    out = [];
    for (let i = 0; i < input.length; i++) {
      const cur = input[i], prev = input[(i + input.length - 1) % input.length];
      if (inside(cur)) {
        if (!inside(prev)) out.push(cross(prev, cur));
        out.push(cur);
      } else if (inside(prev)) {
        out.push(cross(prev, cur));
      }
    }
    if (!out.length) break;
  }
  return out;
}
function at(a, b, axis, value) {
  const t = (value - a[axis]) / (b[axis] - a[axis]);
  return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
}
const project = ([lon, lat]) => [(lon - WEST) * K * COS, (NORTH - lat) * K];
function simplify(points) {
  if (points.length < 3) return points;
  const keep = new Array(points.length).fill(false);
  keep[0] = keep[points.length - 1] = true;
  const stack = [[0, points.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop();
    let worst = -1, index = -1;
    for (let i = a + 1; i < b; i++) {
      const d = distance(points[i], points[a], points[b]);
      if (d > worst) { worst = d; index = i; }
    }
    if (worst > TOLERANCE) {
      keep[index] = true;
      stack.push([a, index], [index, b]);
    }
  }
  return points.filter((_, i) => keep[i]);
}
function distance(p, a, b) {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const len = Math.hypot(dx, dy);
  if (len === 0) return Math.hypot(p[0] - a[0], p[1] - a[1]);
  return Math.abs(dy * p[0] - dx * p[1] + b[0] * a[1] - b[1] * a[0]) / len;
}
const lines = [];
for (const geometry of topo.objects.countries.geometries) {
  const polygons = geometry.type === "Polygon" ? [geometry.arcs]
    : geometry.type === "MultiPolygon" ? geometry.arcs : [];
  let d = "";
  for (const polygon of polygons) {
    for (const indexes of polygon) {
      const points = simplify(clip(ring(indexes)).map(project));
      if (points.length < 3) continue;
      d += points.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`).join("") + "Z";
    }
  }
  if (d) lines.push(`${geometry.properties.name}\t${d}`);
}
lines.sort();
process.stdout.write(lines.join("\n") + "\n");
