"""The stylesheet and script inlined into the HTML report.

They live in Python strings rather than package data files so that the
report needs nothing but this package. The page loads no external resource;
its Content-Security-Policy forbids it.
"""

STYLESHEET = """
:root {
  --bg: #f5f6f8; --panel: #ffffff; --text: #1b2230; --muted: #5d6677;
  --border: #e2e5eb; --subtle: #f0f2f5; --accent: #4a3aff; --accent-soft: #ecebff;
  --error: #d1342f; --error-soft: #fdeceb; --warning: #c77800; --warning-soft: #fff4e0;
  --info: #2f6fdb; --info-soft: #e9f0fd; --ok: #15815b; --ok-soft: #e5f5ee;
  --mark: #ffe08a; --code-bg: #f7f8fa; --shadow: 0 1px 2px rgba(16, 24, 40, .06),
  0 1px 3px rgba(16, 24, 40, .08);
  --sans: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue",
  "Liberation Sans", Arial, sans-serif;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono",
  "DejaVu Sans Mono", monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1218; --panel: #171b23; --text: #e6e9ef; --muted: #9aa3b2;
    --border: #2a303c; --subtle: #1e232d; --accent: #8f86ff; --accent-soft: #25224a;
    --error: #ff6b63; --error-soft: #3a1d1d;
    --warning: #f0a83a; --warning-soft: #3a2c14;
    --info: #6ea2ff; --info-soft: #1b2a45; --ok: #4cc38a; --ok-soft: #16302a;
    --mark: #6b5310; --code-bg: #12161d; --shadow: none;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--text); font: 14px/1.5 var(--sans);
}
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre { font-family: var(--mono); font-size: 12.5px; }
.wrap { max-width: 1240px; margin: 0 auto; padding: 0 28px; }
.top {
  background: linear-gradient(120deg, #1c1645 0%, #2c2380 55%, #3b2fb5 100%);
  color: #fff; padding: 26px 0 64px;
}
.brand { display: flex; align-items: center; gap: 10px; font-weight: 600;
  letter-spacing: .2px; opacity: .95; }
.brand svg { width: 26px; height: 26px; }
.brand .version { font-weight: 400; opacity: .7; font-size: 12px;
  border: 1px solid rgba(255,255,255,.35); border-radius: 999px; padding: 0 8px; }
.top h1 { font-size: 26px; margin: 14px 0 4px; font-weight: 650; }
.top .meta { margin: 0; opacity: .82; }
.top .meta span + span::before { content: "\\00B7"; margin: 0 8px; opacity: .7; }
.cards { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 14px;
  margin-top: -44px; }
.card { background: var(--panel); border: 1px solid var(--border); border-radius: 12px;
  padding: 14px 16px; box-shadow: var(--shadow); position: relative; overflow: hidden; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase;
  letter-spacing: .6px; font-weight: 600; }
.card .value { font-size: 28px; font-weight: 700; line-height: 1.2; margin-top: 4px;
  font-variant-numeric: tabular-nums; }
.card .detail { color: var(--muted); font-size: 12px; }
.card.sev::before { content: ""; position: absolute; left: 0; top: 0; bottom: 0;
  width: 4px; }
.card.sev-error::before { background: var(--error); }
.card.sev-warning::before { background: var(--warning); }
.card.sev-info::before { background: var(--info); }
.card.sev-error .value { color: var(--error); }
.card.sev-warning .value { color: var(--warning); }
.card.sev-info .value { color: var(--info); }
.card.zero .value { color: var(--muted); }
section { margin-top: 26px; }
h2 { font-size: 17px; margin: 0 0 12px; font-weight: 650; }
h2 .count { color: var(--muted); font-weight: 500; }
.panel { background: var(--panel); border: 1px solid var(--border); border-radius: 12px;
  box-shadow: var(--shadow); }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.chart { padding: 16px 18px 10px; margin: 0; }
.chart figcaption { font-weight: 650; margin-bottom: 6px; }
.chart figcaption small { color: var(--muted); font-weight: 400; margin-left: 6px; }
.chart svg { width: 100%; height: auto; display: block; }
.chart .label { fill: var(--text); font: 12px var(--mono); }
.chart .count { fill: var(--muted); font: 600 12px var(--sans); }
.chart .track { fill: var(--subtle); }
.chart .bar { cursor: pointer; outline: none; }
.chart .bar:hover .fill, .chart .bar:focus .fill { opacity: .8; }
.chart .bar.active .label { fill: var(--accent); font-weight: 700; }
.chart svg.filtered .bar:not(.active) { opacity: .4; }
.fill.sev-error { fill: var(--error); }
.fill.sev-warning { fill: var(--warning); }
.fill.sev-info { fill: var(--info); }
.toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 10px;
  padding: 12px 14px; border-bottom: 1px solid var(--border); }
.toolbar input[type=search], .toolbar select {
  font: inherit; color: var(--text); background: var(--panel);
  border: 1px solid var(--border); border-radius: 8px; padding: 6px 10px; }
.toolbar input[type=search] { flex: 1 1 260px; min-width: 200px; }
.toolbar input:focus, .toolbar select:focus { outline: 2px solid var(--accent-soft);
  border-color: var(--accent); }
.toggle { font: inherit; font-size: 13px; border: 1px solid var(--border);
  background: var(--panel); color: var(--muted); border-radius: 999px;
  padding: 4px 12px; cursor: pointer; display: inline-flex; align-items: center;
  gap: 6px; }
.toggle .dot { width: 8px; height: 8px; border-radius: 50%; display: inline-block; }
.toggle[aria-pressed=true] { color: var(--text); border-color: currentColor; }
.toggle[aria-pressed=false] { opacity: .55; text-decoration: line-through; }
.toggle:disabled { opacity: .35; cursor: default; }
.toggle.sev-error .dot { background: var(--error); }
.toggle.sev-warning .dot { background: var(--warning); }
.toggle.sev-info .dot { background: var(--info); }
.chip { font: inherit; font-size: 13px; border: 1px solid var(--accent);
  background: var(--accent-soft); color: var(--text); border-radius: 999px;
  padding: 4px 10px; cursor: pointer; max-width: 320px; overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap; }
.chip::after { content: " \\00D7"; color: var(--muted); }
.toolbar .shown { color: var(--muted); margin-left: auto; font-size: 13px; }
.link-button { font: inherit; font-size: 13px; background: none; border: 0;
  color: var(--accent); cursor: pointer; padding: 0; }
table.findings { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.findings col.sev-col { width: 100px; }
table.findings col.conf-col { width: 118px; }
table.findings col.rule-col { width: 206px; }
table.findings col.loc-col { width: 200px; }
table.findings th { text-align: left; font-size: 12px; text-transform: uppercase;
  letter-spacing: .5px; color: var(--muted); font-weight: 600; padding: 10px 14px;
  border-bottom: 1px solid var(--border); white-space: nowrap; user-select: none; }
table.findings th[data-sort] { cursor: pointer; }
table.findings th[data-sort]::after { content: "\\2195"; opacity: .35;
  margin-left: 4px; }
table.findings th[aria-sort=ascending]::after { content: "\\2191"; opacity: 1; }
table.findings th[aria-sort=descending]::after { content: "\\2193"; opacity: 1; }
table.findings td { padding: 12px 14px; border-bottom: 1px solid var(--border);
  vertical-align: top; }
table.findings tr:last-child td { border-bottom: 0; }
table.findings tr.finding:hover td { background: var(--subtle); }
td.loc-cell, td.rule-cell { overflow-wrap: anywhere; }
.loc-cell .pos { color: var(--muted); }
.badge { display: inline-block; font-size: 12px; font-weight: 600; border-radius: 6px;
  padding: 1px 8px; text-transform: capitalize; }
.badge.sev-error { color: var(--error); background: var(--error-soft); }
.badge.sev-warning { color: var(--warning); background: var(--warning-soft); }
.badge.sev-info { color: var(--info); background: var(--info-soft); }
.conf { font-size: 12px; color: var(--muted); display: inline-flex; gap: 2px;
  align-items: center; }
.conf i { width: 6px; height: 10px; border-radius: 2px; background: var(--border);
  display: inline-block; }
.conf i.on { background: var(--muted); }
.conf span { margin-left: 6px; }
.rule-code { font-family: var(--mono); font-weight: 600; }
.rule-name { color: var(--muted); font-size: 12.5px; }
.loc-cell code { color: var(--text); }
.message { font-weight: 500; }
.message code, .hint code, .doc code, .rule-summary code {
  background: var(--code-bg); border: 1px solid var(--border); border-radius: 4px;
  padding: 0 4px; font-size: 12px; }
.hint { color: var(--muted); margin-top: 4px; }
.hint b, .fix b { color: var(--text); font-weight: 600; margin-right: 4px; }
.fix { margin-top: 4px; color: var(--ok); font-size: 13px; }
details.source { margin-top: 8px; }
details.source summary { cursor: pointer; color: var(--accent); font-size: 13px;
  width: max-content; }
pre.excerpt { margin: 8px 0 0; background: var(--code-bg);
  border: 1px solid var(--border); border-radius: 8px; padding: 8px 0;
  overflow-x: auto; line-height: 1.55; }
pre.excerpt .row { display: block; padding: 0 12px 0 0; white-space: pre; tab-size: 4; }
pre.excerpt .row.hit { background: var(--subtle); }
pre.excerpt .ln { display: inline-block; width: 4.5em; text-align: right;
  padding-right: 12px; margin-right: 12px; color: var(--muted);
  border-right: 1px solid var(--border);
  user-select: none; }
pre.excerpt mark { background: var(--mark); color: inherit; border-radius: 2px;
  box-shadow: 0 2px 0 var(--error); }
pre.excerpt mark.empty { display: inline-block; width: 2px; }
.empty-state { padding: 40px 20px; text-align: center; color: var(--muted); }
.empty-state svg { width: 44px; height: 44px; color: var(--ok); }
.empty-state h3 { color: var(--text); margin: 10px 0 4px; font-size: 18px; }
.rules { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr));
  gap: 14px; align-items: start; }
.rule-card { padding: 16px 18px; scroll-margin-top: 16px; }
.rule-card:target { outline: 2px solid var(--accent); }
.rule-card header { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; }
.rule-card .rule-code { font-size: 13px; }
.rule-card .rule-count { margin-left: auto; color: var(--muted); font-size: 12.5px;
  white-space: nowrap; }
.rule-card h3 { font-size: 15px; margin: 8px 0 0; font-weight: 650;
  overflow-wrap: anywhere; }
.rule-summary { margin: 8px 0; }
.rule-links { display: flex; gap: 14px; font-size: 13px; align-items: center; }
.rule-card details { margin-top: 10px; border-top: 1px solid var(--border);
  padding-top: 8px; }
.rule-card details summary { cursor: pointer; color: var(--muted); font-size: 13px; }
.doc h4 { margin: 12px 0 4px; font-size: 13px; }
.doc p { margin: 4px 0; }
.doc pre { background: var(--code-bg); border: 1px solid var(--border);
  border-radius: 8px; padding: 8px 12px; overflow-x: auto; }
table.errors { width: 100%; border-collapse: collapse; }
table.errors th { text-align: left; font-size: 12px; text-transform: uppercase;
  letter-spacing: .5px; color: var(--muted); font-weight: 600; padding: 10px 14px;
  border-bottom: 1px solid var(--border); }
table.errors th:first-child { width: 40%; }
table.errors td { padding: 10px 14px; border-bottom: 1px solid var(--border); }
table.errors tr:last-child td { border-bottom: 0; }
footer { color: var(--muted); font-size: 12.5px; padding: 28px 0 40px; }
[hidden] { display: none !important; }
@media (max-width: 1000px) {
  .cards { grid-template-columns: repeat(3, minmax(0, 1fr)); }
  .charts { grid-template-columns: 1fr; }
  table.findings col.conf-col { width: 0; }
  table.findings .conf-cell, table.findings th[data-sort=confidence] { display: none; }
}
@media print {
  .top { background: none; color: var(--text); padding-bottom: 10px; }
  .cards { margin-top: 0; }
  .toolbar { display: none; }
  details.source pre.excerpt { display: block; }
}
"""

SCRIPT = """
(function () {
  "use strict";
  var SEVERITY_RANK = {error: 0, warning: 1, info: 2};
  var CONFIDENCE_RANK = {high: 0, medium: 1, low: 2};
  function all(selector) {
    return Array.prototype.slice.call(document.querySelectorAll(selector));
  }
  var table = document.getElementById("findings");
  if (!table) { document.body.setAttribute("data-ready", "true"); return; }
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.querySelectorAll("tr.finding"));
  var search = document.getElementById("filter-text");
  var ruleSelect = document.getElementById("filter-rule");
  var countLabel = document.getElementById("shown");
  var noMatch = document.getElementById("no-match");
  var toggles = all(".toggle[data-severity]");
  var bars = all(".bar[data-filter]");
  var charts = all(".chart svg");
  var pathChip = document.getElementById("filter-path");
  var state = {text: "", rule: "", path: "", hidden: {}};

  function readHash() {
    var hash = window.location.hash.replace(/^#/, "");
    // A plain anchor such as #rule-CIO002 is navigation, not a filter.
    if (hash && hash.indexOf("=") === -1) { return; }
    var params = new URLSearchParams(hash);
    state.text = (params.get("q") || "").toLowerCase();
    state.rule = params.get("rule") || "";
    state.path = params.get("path") || "";
    state.hidden = {};
    var severities = params.get("severity");
    if (severities) {
      var selected = severities.split(",");
      Object.keys(SEVERITY_RANK).forEach(function (severity) {
        state.hidden[severity] = selected.indexOf(severity) === -1;
      });
    }
  }

  function writeHash() {
    var params = new URLSearchParams();
    if (state.text) { params.set("q", state.text); }
    if (state.rule) { params.set("rule", state.rule); }
    if (state.path) { params.set("path", state.path); }
    var visible = Object.keys(SEVERITY_RANK).filter(function (severity) {
      return !state.hidden[severity];
    });
    if (visible.length !== 3) { params.set("severity", visible.join(",")); }
    var hash = params.toString();
    try {
      history.replaceState(null, "", hash ? "#" + hash : window.location.pathname);
    } catch (error) { /* some file: URLs reject replaceState; filtering still works */ }
  }

  function syncControls() {
    ruleSelect.value = state.rule;
    toggles.forEach(function (button) {
      var hidden = state.hidden[button.dataset.severity];
      button.setAttribute("aria-pressed", hidden ? "false" : "true");
    });
    bars.forEach(function (bar) {
      var value = bar.dataset.value;
      var current = bar.dataset.filter === "rule" ? state.rule : state.path;
      var active = current === value;
      bar.classList.toggle("active", active);
    });
    charts.forEach(function (chart) {
      chart.classList.toggle("filtered", chart.querySelector(".bar.active") !== null);
    });
    pathChip.hidden = !state.path;
    pathChip.textContent = "File: " + state.path;
  }

  function apply() {
    var count = 0;
    rows.forEach(function (row) {
      var data = row.dataset;
      var match = !state.hidden[data.severity] &&
        (!state.rule || data.rule === state.rule) &&
        (!state.path || data.path === state.path) &&
        (!state.text || data.search.indexOf(state.text) !== -1);
      row.hidden = !match;
      if (match) { count += 1; }
    });
    countLabel.textContent = "Showing " + count + " of " + rows.length;
    noMatch.hidden = count !== 0;
    table.setAttribute("data-visible", String(count));
    syncControls();
  }

  function update() { apply(); writeHash(); }

  function sortKey(row, key) {
    var data = row.dataset;
    var place = [data.path, +data.line, +data.column];
    if (key === "severity") { return [SEVERITY_RANK[data.severity]].concat(place); }
    if (key === "confidence") {
      return [CONFIDENCE_RANK[data.confidence]].concat(place);
    }
    if (key === "rule") { return [data.rule].concat(place); }
    return place;
  }

  function compare(a, b) {
    for (var i = 0; i < a.length; i += 1) {
      if (a[i] < b[i]) { return -1; }
      if (a[i] > b[i]) { return 1; }
    }
    return 0;
  }

  var headers = all("#findings th[data-sort]");
  headers.forEach(function (header) {
    header.addEventListener("click", function () {
      var key = header.dataset.sort;
      var descending = header.getAttribute("aria-sort") === "ascending";
      headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
      header.setAttribute("aria-sort", descending ? "descending" : "ascending");
      rows.sort(function (a, b) {
        var order = compare(sortKey(a, key), sortKey(b, key));
        return descending ? -order : order;
      });
      rows.forEach(function (row) { tbody.appendChild(row); });
    });
  });

  search.addEventListener("input", function () {
    state.text = search.value.trim().toLowerCase();
    update();
  });
  ruleSelect.addEventListener("change", function () {
    state.rule = ruleSelect.value;
    update();
  });
  toggles.forEach(function (button) {
    button.addEventListener("click", function () {
      var severity = button.dataset.severity;
      state.hidden[severity] = !state.hidden[severity];
      update();
    });
  });
  bars.forEach(function (bar) {
    function choose() {
      var key = bar.dataset.filter;
      state[key] = state[key] === bar.dataset.value ? "" : bar.dataset.value;
      update();
      table.scrollIntoView({behavior: "smooth", block: "start"});
    }
    bar.addEventListener("click", choose);
    bar.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        choose();
      }
    });
  });
  all("[data-show-rule]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      state.rule = link.dataset.showRule;
      update();
      table.scrollIntoView({behavior: "smooth", block: "start"});
    });
  });
  pathChip.addEventListener("click", function () { state.path = ""; update(); });
  document.getElementById("reset").addEventListener("click", function () {
    state = {text: "", rule: "", path: "", hidden: {}};
    search.value = "";
    update();
  });
  function load() {
    readHash();
    search.value = state.text;
    apply();
  }
  window.addEventListener("hashchange", load);

  load();
  document.body.setAttribute("data-ready", "true");
})();
"""
