// The page of `lmharness report`: HTML, CSS and the script that draws the charts, tables and
// heat maps from the embedded data (report/site.cpp). Everything is inline and hand-written
// SVG: the page loads no library and makes no request, so it works from file:// and offline.
#include <string>

#include "report/site.h"

namespace lmh::report {
namespace {

constexpr const char* kHead = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lmharness report</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 24px 40px; color: #222; background: #fff; }
h1 { font-size: 22px; margin: 18px 0 4px; } h2 { font-size: 18px; margin: 28px 0 6px; border-bottom: 1px solid #ccc; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.sub { color: #666; font-size: 12px; }
nav a { margin-right: 14px; }
.charts { display: flex; flex-wrap: wrap; gap: 10px; }
.chart { border: 1px solid #ddd; background: #fcfcfc; }
.ci-band { fill: #9ecae1; fill-opacity: 0.45; stroke: none; }
.median-line { fill: none; stroke: #08519c; stroke-width: 1.6; }
.point { fill: #08519c; }
.step-marker { stroke: #d7301f; stroke-width: 1.4; stroke-dasharray: 4 3; }
.step-label { fill: #d7301f; font-size: 10px; }
.axis { stroke: #999; stroke-width: 1; } .tick { fill: #555; font-size: 10px; } .title { font-size: 12px; font-weight: 600; }
table { border-collapse: collapse; font-size: 12px; margin: 6px 0; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: right; } th { background: #f2f2f2; }
td.l, th.l { text-align: left; }
.v-faster { color: #1a9850; font-weight: 600; } .v-slower { color: #d7301f; font-weight: 700; }
.v-same { color: #555; } .v-cannot { color: #b8860b; }
.heat-cell { stroke: #fff; stroke-width: 1; } .heat-fail { stroke: #000; stroke-width: 1.5; }
.legend span { display: inline-block; width: 14px; height: 10px; margin: 0 3px 0 10px; vertical-align: middle; }
select { margin: 0 8px 0 2px; }
</style>
</head>
<body>
<h1 id="title">lmharness report</h1>
<div class="sub" id="generated"></div>
<nav><a href="#machines">benchmarks by machine</a><a href="#verify">verify heat map</a></nav>
<label>chart metric <select id="metric-select"><option value="main">main (decode, else prefill)</option></select></label>
<div id="machines"></div>
<h2 id="verify">verify: worst NMSE per layer and op (over the prompts)</h2>
<div id="verify-body"></div>
<script type="application/json" id="lmh-data">)html";

constexpr const char* kTail = R"html(</script>
<script>
"use strict";
const D = JSON.parse(document.getElementById('lmh-data').textContent);
const NS = 'http://www.w3.org/2000/svg';
function h(tag, attrs, parent, text) {
  const e = document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function s(tag, attrs, parent, text) {
  const e = document.createElementNS(NS, tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function fmt(v) {
  if (v === null || v === undefined || !isFinite(v)) return '-';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(2);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(3);
}
function pct(v) { return v === null || v === undefined ? '-' : (v >= 0 ? '+' : '') + v.toFixed(1) + '%'; }
function verdictClass(v) { return v === 'faster' ? 'v-faster' : v === 'slower' ? 'v-slower' : v === 'same' ? 'v-same' : 'v-cannot'; }

// One metric of one configuration over commits: median line, 95% CI band, step markers.
function drawChart(parent, key, metric, m) {
  const rows = m.rows, n = rows.length;
  const W = 430, H = 240, L = 60, R = 30, T = 38, B = 52, pw = W - L - R, ph = H - T - B;
  const svg = s('svg', {class: 'chart', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H,
                        'data-series': key, 'data-metric': metric, 'data-points': n}, parent);
  s('text', {x: 8, y: 14, class: 'title'}, svg, key);
  s('text', {x: 8, y: 28, class: 'tick'}, svg, metric + (m.unit ? ' (' + m.unit + ')' : '') +
    (m.higher_is_better ? ', higher is better' : ', lower is better'));
  let lo = Infinity, hi = -Infinity;
  for (const r of rows) for (const v of [r.ci_low, r.ci_high, r.median]) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!isFinite(lo)) return svg;
  if (hi === lo) { hi += Math.abs(hi) * 0.05 + 1e-9; lo -= Math.abs(lo) * 0.05 + 1e-9; }
  const pad = (hi - lo) * 0.08; lo -= pad; hi += pad;
  const x = i => L + (n === 1 ? pw / 2 : i * pw / (n - 1));
  const y = v => T + ph - (v - lo) / (hi - lo) * ph;
  s('line', {x1: L, y1: T, x2: L, y2: T + ph, class: 'axis'}, svg);
  s('line', {x1: L, y1: T + ph, x2: L + pw, y2: T + ph, class: 'axis'}, svg);
  for (let k = 0; k <= 3; ++k) {
    const v = lo + (hi - lo) * k / 3;
    s('text', {x: L - 4, y: y(v) + 3, 'text-anchor': 'end', class: 'tick'}, svg, fmt(v));
  }
  const up = rows.map((r, i) => x(i) + ',' + y(r.ci_high)), down = rows.map((r, i) => x(i) + ',' + y(r.ci_low)).reverse();
  s('polygon', {class: 'ci-band', points: up.concat(down).join(' ')}, svg);
  s('polyline', {class: 'median-line', points: rows.map((r, i) => x(i) + ',' + y(r.median)).join(' ')}, svg);
  const every = Math.max(1, Math.ceil(n / 10));
  rows.forEach((r, i) => {
    if (r.step) {
      s('line', {class: 'step-marker', x1: x(i), y1: T, x2: x(i), y2: T + ph, 'data-commit': r.commit}, svg);
      s('text', {class: 'step-label', x: x(i) + 3, y: T + 10}, svg, 'step ' + pct(r.shift_pct));
    }
    const c = s('circle', {class: 'point', cx: x(i), cy: y(r.median), r: 3.2, 'data-commit': r.commit}, svg);
    s('title', {}, c, r.commit + '  ' + r.date + '\nmedian ' + fmt(r.median) + '  95% CI [' + fmt(r.ci_low) + ', ' +
      fmt(r.ci_high) + ']  n=' + r.n + (r.shift_pct !== null ? '\nvs previous ' + pct(r.shift_pct) + ' p=' + fmt(r.p) : ''));
    if (i % every === 0)
      s('text', {class: 'tick', x: x(i), y: T + ph + 12, transform: 'rotate(35 ' + x(i) + ' ' + (T + ph + 12) + ')'}, svg,
        r.commit.slice(0, 7));
  });
  return svg;
}

function comparisonTable(parent, rows, withCommits) {
  const t = h('table', {class: 'comparison'}, parent);
  const head = ['configuration', 'metric'].concat(withCommits ? ['base', 'new'] : [])
    .concat(['base median', 'new median', 'change', '95% CI', 'p', 'verdict']);
  const tr = h('tr', {}, t);
  head.forEach((c, i) => h('th', {class: i < 2 ? 'l' : ''}, tr, c));
  for (const r of rows) {
    const row = h('tr', {class: 'cmp-row'}, t);
    h('td', {class: 'l'}, row, r.key); h('td', {class: 'l'}, row, r.metric);
    if (withCommits) { h('td', {class: 'l'}, row, r.base_commit); h('td', {class: 'l'}, row, r.new_commit); }
    h('td', {}, row, fmt(r.base_median) + ' ' + r.unit); h('td', {}, row, fmt(r.new_median) + ' ' + r.unit);
    h('td', {}, row, pct(r.shift_pct)); h('td', {}, row, pct(r.ci_low_pct) + ' .. ' + pct(r.ci_high_pct));
    h('td', {}, row, fmt(r.p)); h('td', {class: verdictClass(r.verdict)}, row, r.verdict);
  }
  if (!rows.length) h('p', {class: 'sub'}, parent, 'No configuration was measured at both commits.');
  return t;
}

function renderMachine(parent, m, idx) {
  const sec = h('section', {class: 'machine', 'data-machine': m.id}, parent);
  h('h2', {}, sec, 'machine ' + m.id);
  h('div', {class: 'sub'}, sec, m.describe + ' — ' + m.records + ' records, ' + m.commits.length + ' commits');
  h('h3', {}, sec, 'latest commit against the one before');
  comparisonTable(sec, m.latest, true).classList.add('latest');
  h('h3', {}, sec, 'over commits (band: 95% CI of the median; dashed: step change, Mann-Whitney p < 0.05 and beyond 5%)');
  const charts = h('div', {class: 'charts'}, sec);
  const pick = document.getElementById('metric-select').value;
  for (const se of m.series) {
    const metric = pick !== 'main' ? pick : se.metrics.decode_tokens_per_second ? 'decode_tokens_per_second'
                                                                                : 'prefill_tokens_per_second';
    if (se.metrics[metric]) drawChart(charts, se.key, metric, se.metrics[metric]);
  }
  h('h3', {}, sec, 'compare two commits');
  const bar = h('div', {}, sec);
  const recent = m.commits.slice(-10);
  const mk = (label, def) => {
    h('span', {}, bar, label);
    const sel = h('select', {class: 'cmp-' + label}, bar);
    recent.forEach(c => h('option', {value: c}, sel, c));
    sel.value = def;
    return sel;
  };
  const base = mk('base', recent[Math.max(0, recent.length - 2)]), neu = mk('new', recent[recent.length - 1]);
  const out = h('div', {class: 'compare-view'}, sec);
  const show = () => {
    out.textContent = '';
    let b = base.value, n = neu.value;
    if (b === n) { h('p', {class: 'sub'}, out, 'Pick two different commits.'); return; }
    if (recent.indexOf(b) > recent.indexOf(n)) [b, n] = [n, b];
    comparisonTable(out, m.compare[b + ' ' + n] || [], false);
  };
  base.onchange = neu.onchange = show;
  show();
}

function heatColor(v, budget, fail) {
  if (fail) return '#d7301f';
  if (v === null) return '#eeeeee';
  if (v === 0) return '#f7fcf5';
  // 10 decades below the budget (pale) up to the budget (orange).
  const t = Math.max(0, Math.min(1, (Math.log10(v) - Math.log10(budget) + 10) / 10));
  const a = [247, 252, 245], b = [253, 174, 97];
  return 'rgb(' + a.map((c, i) => Math.round(c + (b[i] - c) * t)).join(',') + ')';
}

function drawHeat(parent, run, which) {
  const vals = run[which], fails = run[which + '_fail'];
  const budget = which === 'local' ? run.budgets.local_nmse_reduction : run.budgets.accumulated_nmse;
  const cw = 46, ch = 16, L = 56, T = 64;
  const W = L + cw * run.ops.length + 8, H = T + ch * run.layers + 8;
  const svg = s('svg', {class: 'heatmap heat-' + which, width: W, height: H, 'data-layers': run.layers, 'data-ops': run.ops.length}, parent);
  s('text', {x: 4, y: 14, class: 'title'}, svg, which + ' NMSE (budget ' + budget.toExponential(0) + ')');
  run.ops.forEach((op, j) => s('text', {class: 'tick', x: L + j * cw + 4, y: T - 6, transform: 'rotate(-35 ' + (L + j * cw + 4) + ' ' + (T - 6) + ')'}, svg, op));
  for (let l = 0; l < run.layers; ++l) {
    s('text', {class: 'tick', x: L - 6, y: T + l * ch + 12, 'text-anchor': 'end'}, svg, 'layer ' + l);
    run.ops.forEach((op, j) => {
      const v = vals[l][j], f = fails[l][j];
      const r = s('rect', {class: 'heat-cell' + (f ? ' heat-fail' : ''), x: L + j * cw, y: T + l * ch, width: cw, height: ch,
                           fill: heatColor(v, budget, f), 'data-layer': l, 'data-op': op}, svg);
      s('title', {}, r, 'layer ' + l + ' ' + op + ': ' + which + ' NMSE ' + (v === null ? 'not checked' : v.toExponential(3)) + (f ? '  FAIL' : ''));
    });
  }
  return svg;
}

function renderVerify() {
  const body = document.getElementById('verify-body');
  if (!D.verify.length) { h('p', {class: 'sub'}, body, 'No verify results (run lmharness verify --json FILE, then report --verify FILE).'); return; }
  const sel = h('select', {id: 'verify-run'}, body);
  D.verify.forEach((r, i) => h('option', {value: i}, sel, r.label + (r.ok ? '  ok' : '  FAIL')));
  const leg = h('div', {class: 'legend sub'}, body);
  [['#f7fcf5', 'exact or far below budget'], ['rgb(250,213,171)', 'within 5 decades of it'], ['#fdae61', 'at the budget'],
   ['#d7301f', 'over budget'], ['#eeeeee', 'not checked']].forEach(([c, t]) => { h('span', {style: 'background:' + c}, leg); leg.appendChild(document.createTextNode(t)); });
  const maps = h('div', {class: 'charts'}, body);
  const show = () => {
    maps.textContent = '';
    const run = D.verify[+sel.value];
    drawHeat(maps, run, 'local');
    drawHeat(maps, run, 'accumulated');
    const t = h('table', {}, maps), tr = h('tr', {}, t);
    ['model-level tensor', 'local NMSE', 'accumulated NMSE'].forEach(c => h('th', {}, tr, c));
    for (const name in run.model_level) {
      const e = run.model_level[name], row = h('tr', {}, t);
      h('td', {class: 'l'}, row, name);
      h('td', {}, row, e.local < 0 ? '-' : e.local.toExponential(2) + (e.local_fail ? ' FAIL' : ''));
      h('td', {}, row, e.accumulated < 0 ? '-' : e.accumulated.toExponential(2) + (e.accumulated_fail ? ' FAIL' : ''));
    }
  };
  sel.onchange = show;
  show();
}

function render() {
  const root = document.getElementById('machines');
  root.textContent = '';
  if (!D.machines.length) h('p', {class: 'sub'}, root, 'No benchmark records.');
  D.machines.forEach((m, i) => renderMachine(root, m, i));
}

document.getElementById('title').textContent = D.title;
document.getElementById('generated').textContent = 'generated ' + D.generated + ' — ' + D.machines.length +
  ' machine(s); records of different machines are never mixed in one chart or comparison';
const ms = document.getElementById('metric-select');
D.metrics.forEach(m => h('option', {value: m}, ms, m));
ms.onchange = render;
render();
renderVerify();
document.body.setAttribute('data-rendered', 'true');
</script>
</body>
</html>
)html";

}  // namespace

std::string site_html(const nlohmann::json& data) {
    // "</" inside a string would close the script element early; "<\/" is the same JSON string.
    std::string json = data.dump();
    for (std::size_t p = json.find("</"); p != std::string::npos; p = json.find("</", p + 3)) json.replace(p, 2, "<\\/");
    return std::string(kHead) + json + kTail;
}

}  // namespace lmh::report
