// The stylesheet and script inlined into every `ferry check --html` page. The script reads the embedded JSON
// (#ferry-data), lays out the selected file's dependency graph in columns by depth and draws it as SVG. It
// writes input strings only through textContent and setAttribute, never as markup.
namespace ferry::report {

extern const char* const check_html_css;
extern const char* const check_html_js;

const char* const check_html_css = R"CSS(
:root { --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #cf222e; --fail-bg: #ffd7d5; --warn: #9a6700;
  --line: #d0d7de; --muted: #57606a; --sel: #fff8c5; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; background: #fff; }
header, main, footer { padding: 8px 20px; }
h1 { font-size: 20px; margin: 8px 0; }
h2 { font-size: 16px; margin: 16px 0 4px; }
#summary { font-weight: 600; padding: 6px 10px; border-radius: 6px; display: inline-block; }
#summary.ok { background: var(--pass-bg); color: var(--pass); }
#summary.bad { background: var(--fail-bg); color: var(--fail); }
#errors { color: var(--fail); font-family: ui-monospace, monospace; font-size: 12px; }
#matrix-section { overflow-x: auto; }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; position: sticky; top: 0; }
tr.input th { background: #eaeef2; font-weight: 600; }
tr.file { cursor: pointer; }
tr.file:hover th.path { background: #f6f8fa; }
tr.file.selected th.path { background: var(--sel); }
th.path { font-family: ui-monospace, monospace; font-weight: 400; font-size: 13px; overflow-wrap: anywhere;
  min-width: 16em; max-width: 420px; }
.meta { color: var(--muted); font-size: 12px; font-weight: 400; font-family: system-ui, sans-serif; }
.tagline { color: var(--fail); font-size: 12px; }
td.cell { min-width: 120px; max-width: 520px; }
td.pass { background: var(--pass-bg); color: var(--pass); }
td.fail { background: var(--fail-bg); color: var(--fail); }
td.none { color: var(--muted); text-align: center; }
.verdict { font-weight: 700; }
td.warn .verdict::after { content: " (warnings)"; font-weight: 400; color: var(--warn); }
.culprit { font-family: ui-monospace, monospace; font-size: 12px; }
.more { color: var(--muted); font-size: 12px; }
summary { cursor: pointer; }
ul.issues { margin: 4px 0; padding-left: 16px; color: #1f2328; }
ul.issues li { margin: 3px 0; }
ul.issues li.warning .msg { color: var(--warn); }
.hint { font-size: 12px; color: var(--muted); }
.hint.fix { color: #0550ae; }
.help { color: var(--muted); font-size: 12px; }
/* Pinned to the bottom of the window while a long matrix scrolls above it, so a click shows its graph. */
#graph-section { position: sticky; bottom: 0; background: #fff; max-height: 45vh; overflow: auto;
  border-top: 1px solid var(--line); }
#graph { overflow: auto; border: 1px solid var(--line); border-radius: 6px; padding: 6px; min-height: 60px; }
svg.graph text { font: 12px ui-monospace, monospace; fill: #1f2328; }
svg.graph .edge { fill: none; stroke: #8c959f; stroke-width: 1.2; }
svg.graph .edge.back { stroke-opacity: 0.35; }
svg.graph rect { stroke-width: 1.5; rx: 5; }
.kind-root rect { fill: #ddf4ff; stroke: #0969da; }
.kind-found rect { fill: #f6f8fa; stroke: #8c959f; }
.kind-shipped rect { fill: var(--pass-bg); stroke: var(--pass); }
.kind-system rect { fill: #fff; stroke: #8c959f; stroke-dasharray: 4 2; }
.kind-offending rect, .bad rect { fill: var(--fail-bg); stroke: var(--fail); }
.kind-missing rect { fill: #fff; stroke: var(--fail); stroke-dasharray: 4 2; }
ul.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 12px; font-size: 12px; }
ul.legend li::before { content: ""; display: inline-block; width: 14px; height: 10px; margin-right: 4px;
  border: 1.5px solid #8c959f; vertical-align: middle; }
ul.legend li.kind-root::before { background: #ddf4ff; border-color: #0969da; }
ul.legend li.kind-found::before { background: #f6f8fa; }
ul.legend li.kind-shipped::before { background: var(--pass-bg); border-color: var(--pass); }
ul.legend li.kind-system::before { border-style: dashed; }
ul.legend li.kind-offending::before { background: var(--fail-bg); border-color: var(--fail); }
ul.legend li.kind-missing::before { border-color: var(--fail); border-style: dashed; }
footer { color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); margin-top: 16px; }
)CSS";

const char* const check_html_js = R"JS(
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var data = JSON.parse(document.getElementById('ferry-data').textContent);
  var rows = Array.prototype.slice.call(document.querySelectorAll('tr[data-file]'));

  function el(name, attrs, parent) {
    var e = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(e);
    return e;
  }

  // Columns by breadth-first depth from the file itself (what it needs, what those need, ...).
  function columns(g) {
    var n = g.nodes.length, depth = [], out = [], cols = [[0]], queue = [0], i;
    for (i = 0; i < n; i++) { depth.push(-1); out.push([]); }
    g.edges.forEach(function (e) { out[e[0]].push(e[1]); });
    depth[0] = 0;
    while (queue.length) {
      var u = queue.shift();
      out[u].forEach(function (v) {
        if (depth[v] >= 0) return;
        depth[v] = depth[u] + 1;
        (cols[depth[v]] = cols[depth[v]] || []).push(v);
        queue.push(v);
      });
    }
    var stray = [];
    for (i = 0; i < n; i++) if (depth[i] < 0) stray.push(i);
    if (stray.length) cols.push(stray);
    return cols;
  }

  function shorten(s, max) { return s.length <= max ? s : '\u2026' + s.slice(s.length - max + 1); }

  function tooltip(node) {
    var lines = [node.l];
    if (node.p && node.p !== node.l) lines.push(node.p);
    if (node.w) lines.push(node.w);
    return lines.concat(node.i).join('\n');
  }

  function draw(g) {
    var CH = 7.3, NH = 24, VG = 10, HG = 56, PAD = 8, MAXC = 56;
    var cols = columns(g), pos = [], x = PAD, height = 0;
    cols.forEach(function (col) {
      var w = 60;
      col.forEach(function (v) { w = Math.max(w, shorten(g.nodes[v].l, MAXC).length * CH + 18); });
      col.forEach(function (v, k) { pos[v] = { x: x, y: PAD + k * (NH + VG), w: w }; });
      height = Math.max(height, 2 * PAD + col.length * (NH + VG) - VG);
      x += w + HG;
    });
    var svg = el('svg', { 'class': 'graph', width: x - HG + PAD, height: height, role: 'img',
                          'data-nodes': g.nodes.length, 'data-edges': g.edges.length });
    var defs = el('defs', {}, svg);
    var marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7,
                                markerHeight: 7, orient: 'auto-start-reverse' }, defs);
    el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#8c959f' }, marker);
    g.edges.forEach(function (e) {
      var a = pos[e[0]], b = pos[e[1]];
      var x1 = a.x + a.w, y1 = a.y + NH / 2, x2 = b.x, y2 = b.y + NH / 2;
      var bend = Math.max(30, Math.abs(x2 - x1) / 2);
      // An edge back to a library an earlier column holds (already loaded) is drawn faint.
      el('path', { 'class': b.x > a.x ? 'edge' : 'edge back', d: 'M' + x1 + ',' + y1 + ' C' + (x1 + bend) + ',' + y1 + ' ' + (x2 - bend) +
                   ',' + y2 + ' ' + x2 + ',' + y2, 'marker-end': 'url(#arrow)' }, svg);
    });
    g.nodes.forEach(function (node, v) {
      var p = pos[v];
      var grp = el('g', { 'class': 'node kind-' + node.k + (node.i.length ? ' bad' : ''), 'data-label': node.l,
                          transform: 'translate(' + p.x + ',' + p.y + ')' }, svg);
      el('title', {}, grp).textContent = tooltip(node);
      el('rect', { width: p.w, height: NH }, grp);
      el('text', { x: 9, y: NH / 2 + 4 }, grp).textContent = shorten(node.l, MAXC);
    });
    return svg;
  }

  function select(i, remember) {
    var f = data.files[i];
    if (!f) return;
    rows.forEach(function (r) { r.classList.toggle('selected', Number(r.getAttribute('data-file')) === i); });
    document.getElementById('sel-name').textContent = f.path;
    var g = f.graph, note = g.note;
    if (!note) note = g.source === 'archive'
      ? 'From DT_NEEDED: members of the same archive, and what the system must provide.'
      : 'As the loader resolves it on this machine (ferry deps).';
    document.getElementById('graph-note').textContent = note;
    document.getElementById('sel-needs').textContent =
      f.needs.length ? 'Highest versions required: ' + f.needs.join(', ') : 'No versioned symbols required.';
    var box = document.getElementById('graph');
    box.textContent = '';
    box.appendChild(draw(g));
    if (remember && history.replaceState) history.replaceState(null, '', '#file-' + i);
  }

  rows.forEach(function (r) {
    r.addEventListener('click', function () { select(Number(r.getAttribute('data-file')), true); });
  });
  var m = /^#file-(\d+)$/.exec(location.hash);
  if (data.files.length) select(m && Number(m[1]) < data.files.length ? Number(m[1]) : data.first, false);
})();
)JS";

}  // namespace ferry::report
