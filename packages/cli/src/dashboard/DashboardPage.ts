/**
 * The dashboard's one page and its script, served by the dashboard itself (nothing from a CDN):
 * the runs, the chosen run's steps, and the chosen search's candidates (sortable by a click on a
 * header, filterable by text) with its best-so-far plots — the static report's Vega-Lite specs,
 * drawn by Vega from node_modules, or a plain SVG line where Vega is not installed. The page
 * listens to `/api/events` and refetches the search it shows when the store changes.
 *
 * `window.spikernelDashboard` holds what a test needs to read: how many overviews and search
 * views have arrived and when the last one was drawn.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Spikernel dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>
  body { font: 14px system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 0; color: #1f2328; }
  header { padding: 10px 20px; background: #24292f; color: white; display: flex; gap: 16px; align-items: baseline; }
  header h1 { font-size: 17px; margin: 0; }
  #connection { font-size: 12px; color: #d0d7de; }
  main { padding: 12px 20px; display: grid; gap: 18px; }
  h2 { font-size: 15px; margin: 0 0 6px; }
  table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { padding: 3px 10px; border-bottom: 1px solid #eaeef2; text-align: left; white-space: nowrap; }
  th { background: #f6f8fa; font-weight: 600; }
  #candidates th { cursor: pointer; user-select: none; }
  td.num { text-align: right; }
  tr.clickable { cursor: pointer; }
  tr.clickable:hover { background: #f6f8fa; }
  tr.chosen { background: #ddf4ff; }
  .state { font-weight: 600; }
  .state-running { color: #9a6700; } .state-done, .state-finished, .state-cached { color: #1a7f37; }
  .state-failed, .state-damaged, .state-stopped, .state-interrupted { color: #cf222e; }
  #problems { color: #cf222e; }
  #plots { display: flex; flex-wrap: wrap; gap: 12px; }
  .muted { color: #57606a; }
  .scroll { max-height: 420px; overflow: auto; border: 1px solid #d0d7de; display: inline-block; }
</style>
</head>
<body>
<header><h1>Spikernel</h1><span id="store"></span><span id="connection">connecting…</span></header>
<main>
  <section><h2>Runs</h2><div id="problems"></div><table id="runs"><thead><tr><th>run</th><th>pipeline</th><th>state</th><th>started</th><th>ended</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Steps of <span id="run-title" class="muted">no run</span></h2><table id="steps"><thead><tr><th>step</th><th>kind</th><th>state</th><th>progress</th><th>seconds</th></tr></thead><tbody></tbody></table></section>
  <section id="search" hidden>
    <h2>Search <span id="search-title"></span>: <span id="candidate-count">0</span> candidates, best <span id="best-score">–</span></h2>
    <div id="plots"></div>
    <p><input id="filter" placeholder="filter: architecture, kernels, paid/reused" size="40"></p>
    <div class="scroll"><table id="candidates"><thead><tr>
      <th data-key="index">#</th><th data-key="architecture">architecture</th><th data-key="kernels">kernels</th>
      <th data-key="score">score</th><th data-key="params">params</th><th data-key="seconds">seconds</th><th data-key="source">paid / reused</th>
    </tr></thead><tbody></tbody></table></div>
  </section>
</main>
<script src="/vendor/vega.min.js" onerror="void 0"></script>
<script src="/vendor/vega-lite.min.js" onerror="void 0"></script>
<script src="/app.js"></script>
</body>
</html>
`

/**
 * @since 0.1.0
 */
export const script = `"use strict";
(() => {
  const state = { overview: undefined, runId: undefined, stepKey: undefined, search: undefined, sort: { key: "index", dir: 1 }, filter: "", fetching: false, again: false };
  const probe = { overviews: 0, searches: 0, drawnAt: 0, candidates: 0, version: 0 };
  window.spikernelDashboard = probe;
  const $ = (id) => document.getElementById(id);
  const cell = (text, cls) => { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; return td; };
  const fmt = (x, digits) => (x === null || x === undefined ? "–" : Number(x).toFixed(digits));

  function renderRuns() {
    const { runs, problems, store } = state.overview;
    $("store").textContent = store;
    $("problems").textContent = problems.join("\\n");
    if (state.runId === undefined || !runs.some((r) => r.runId === state.runId)) state.runId = runs[0] && runs[0].runId;
    const body = $("runs").tBodies[0];
    body.replaceChildren(...runs.map((run) => {
      const tr = document.createElement("tr");
      tr.className = "clickable" + (run.runId === state.runId ? " chosen" : "");
      tr.dataset.run = run.runId;
      tr.append(cell(run.runId), cell(run.pipelineFile.split("/").pop()), cell(run.state, "state state-" + run.state), cell(run.startedAt), cell(run.endedAt || ""));
      tr.onclick = () => { state.runId = run.runId; state.stepKey = undefined; render(); };
      return tr;
    }));
  }

  function renderSteps() {
    const run = state.overview.runs.find((r) => r.runId === state.runId);
    $("run-title").textContent = run ? run.runId + " (" + run.state + ")" : "no run";
    $("run-title").dataset.state = run ? run.state : "";
    const steps = run ? run.steps : [];
    if (state.stepKey === undefined || !steps.some((s) => s.key === state.stepKey)) {
      const search = steps.find((s) => s.kind === "search" && s.progress && s.progress.done > 0) || steps.find((s) => s.kind === "search");
      state.stepKey = search && search.key;
    }
    $("steps").tBodies[0].replaceChildren(...steps.map((step) => {
      const tr = document.createElement("tr");
      tr.dataset.step = step.name;
      tr.dataset.state = step.state;
      if (step.kind === "search") {
        tr.className = "clickable" + (step.key === state.stepKey ? " chosen" : "");
        tr.onclick = () => { state.stepKey = step.key; state.search = undefined; render(); };
      }
      const progress = step.progress ? step.progress.done + "/" + step.progress.total + " " + step.progress.unit : "";
      tr.append(cell(step.name), cell(step.kind), cell(step.state, "state state-" + step.state), cell(progress), cell(step.seconds === undefined ? "" : step.seconds.toFixed(1), "num"));
      if (step.error) tr.title = step.error;
      return tr;
    }));
  }

  function compare(a, b) {
    const { key, dir } = state.sort;
    const x = a[key], y = b[key];
    if (x === y) return a.index - b.index;
    if (x === null) return 1;
    if (y === null) return -1;
    return (x < y ? -1 : 1) * dir;
  }

  function renderCandidates() {
    const view = state.search;
    const section = $("search");
    if (!view) { section.hidden = true; return; }
    section.hidden = false;
    $("search-title").textContent = view.strategy + " · " + view.scorer + " · budget " + view.budget;
    $("candidate-count").textContent = String(view.candidates.length);
    const scores = view.candidates.map((c) => c.score).filter((s) => s !== null);
    $("best-score").textContent = scores.length ? Math.max(...scores).toFixed(4) : "–";
    const filter = state.filter.toLowerCase();
    const rows = view.candidates
      .filter((c) => !filter || (c.architecture + " " + c.kernels + " " + c.source).toLowerCase().includes(filter))
      .sort(compare);
    for (const th of $("candidates").tHead.rows[0].cells) {
      const key = th.dataset.key;
      th.textContent = th.textContent.replace(/ [▲▼]$/, "") + (key === state.sort.key ? (state.sort.dir > 0 ? " ▲" : " ▼") : "");
    }
    $("candidates").tBodies[0].replaceChildren(...rows.map((c) => {
      const tr = document.createElement("tr");
      tr.append(cell(String(c.index), "num"), cell(c.architecture), cell(c.kernels), cell(fmt(c.score, 4), "num"), cell(String(c.params), "num"), cell(fmt(c.seconds, 3), "num"), cell(c.rejected ? "refused" : c.source));
      if (c.rejected) tr.title = c.rejected;
      return tr;
    }));
    renderPlots(view);
  }

  /** Without Vega: the best score against candidates as a plain SVG step line. */
  function svgLine(points) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "420"); svg.setAttribute("height", "200"); svg.setAttribute("class", "fallback-plot");
    if (points.length === 0) return svg;
    const xs = points.map((p) => p.x), ys = points.map((p) => p.best);
    const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1), y0 = Math.min(...ys), y1 = Math.max(...ys, y0 + 1e-9);
    const px = (x) => 40 + ((x - x0) / (x1 - x0)) * 360, py = (y) => 180 - ((y - y0) / (y1 - y0)) * 160;
    let d = "M" + px(points[0].x) + "," + py(points[0].best);
    for (let i = 1; i < points.length; i++) d += "H" + px(points[i].x) + "V" + py(points[i].best);
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", d); path.setAttribute("fill", "none"); path.setAttribute("stroke", "#4e79a7"); path.setAttribute("stroke-width", "2");
    svg.append(path);
    return svg;
  }

  let views = [];
  function renderPlots(view) {
    for (const v of views) v.finalize();
    views = [];
    const box = $("plots");
    box.replaceChildren();
    if (!(window.vega && window.vegaLite)) { box.append(svgLine(view.bestByCandidates)); return; }
    for (const plot of view.plots) {
      const div = document.createElement("div");
      div.className = "plot"; div.dataset.plot = plot.id; div.title = plot.caption;
      const points = plot.id === "best-so-far-seconds" ? view.bestBySeconds : view.bestByCandidates;
      div.dataset.lastX = points.length ? String(points[points.length - 1].x) : "0";
      box.append(div);
      const compiled = window.vegaLite.compile(plot.spec).spec;
      const v = new window.vega.View(window.vega.parse(compiled), { renderer: "svg", container: div, hover: true });
      views.push(v);
      v.runAsync().catch((e) => console.warn("plot " + plot.id + ": " + e.message));
    }
  }

  async function fetchSearch() {
    if (state.stepKey === undefined) { state.search = undefined; renderCandidates(); return; }
    if (state.fetching) { state.again = true; return; }
    state.fetching = true;
    try {
      const key = state.stepKey;
      const response = await fetch("/api/search/" + key);
      if (response.ok && key === state.stepKey) {
        state.search = await response.json();
        probe.searches++;
        renderCandidates();
        probe.candidates = state.search.candidates.length;
        probe.version = state.overview.version;
        probe.drawnAt = Date.now();
      }
    } finally {
      state.fetching = false;
      if (state.again) { state.again = false; fetchSearch(); }
    }
  }

  function render() {
    if (!state.overview) return;
    renderRuns();
    renderSteps();
    fetchSearch();
  }

  for (const th of $("candidates").tHead.rows[0].cells) {
    th.onclick = () => {
      const key = th.dataset.key;
      state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : key === "score" ? -1 : 1 };
      renderCandidates();
    };
  }
  $("filter").oninput = (e) => { state.filter = e.target.value; renderCandidates(); };

  const events = new EventSource("/api/events");
  events.addEventListener("overview", (e) => {
    state.overview = JSON.parse(e.data);
    probe.overviews++;
    $("connection").textContent = "live · version " + state.overview.version;
    render();
  });
  events.onerror = () => { $("connection").textContent = "disconnected (retrying)"; };
})();
`
