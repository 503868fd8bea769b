// The local dashboard viewer: lists <manifests>/monitoring/dashboards/*.json (the very files the
// cluster's Grafana loads), resolves their template variables and draws their timeseries and stat
// panels with uPlot from Prometheus, queried through the platform (same origin).
import * as model from "./grafana_model.js";

const REFRESH_MS = 10_000;
const PANEL_ROW_PX = 30;  // one Grafana grid unit of height
const PALETTE = ["#7eb26d", "#eab839", "#6ed0e0", "#ef843c", "#e24d42", "#1f78c1", "#ba43a9", "#705da0", "#508642", "#cca300"];

const state = {
  list: [],
  file: null,
  dashboard: null,
  variables: {},      // name → current value
  options: {},        // name → available values
  range: model.TIME_RANGES[1],
  timer: null,
  generation: 0,      // bumps on every dashboard/variable/range change; late answers are dropped
  charts: new Map(),  // panel id → uPlot
};

const $ = (selector) => document.querySelector(selector);
const el = (tag, attributes = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) {
    if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) if (child) node.append(child);
  return node;
};

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const text = await response.text();
  let body;
  try { body = JSON.parse(text); } catch { throw new Error(`${url}: HTTP ${response.status}, not JSON`); }
  if (!response.ok || body.status === "error") throw new Error(body.error ?? `${url}: HTTP ${response.status}`);
  return body;
}

const prometheus = {
  async rangeQuery(expr, start, end, step) {
    const q = new URLSearchParams({ query: expr, start, end, step });
    return (await getJson(`/api/v1/query_range?${q}`)).data.result;
  },
  async instantQuery(expr, time) {
    const q = new URLSearchParams({ query: expr, time });
    return (await getJson(`/api/v1/query?${q}`)).data;
  },
  async labelValues(label, selector, start, end) {
    if (!selector) return (await getJson(`/api/v1/label/${label}/values?${new URLSearchParams({ start, end })}`)).data;
    const q = new URLSearchParams({ "match[]": selector, start, end });
    const series = (await getJson(`/api/v1/series?${q}`)).data;
    return [...new Set(series.map((s) => s[label]).filter((v) => v !== undefined && v !== ""))];
  },
};

// ---- URL state: #file.json?var=value&range=15m
function readHash() {
  const [file, query] = decodeURIComponent(location.hash.replace(/^#\/?/, "")).split("?");
  return { file: file || null, params: new URLSearchParams(query ?? "") };
}
function writeHash() {
  const params = new URLSearchParams({ range: state.range.value, ...state.variables });
  history.replaceState(null, "", `#${state.file}?${params}`);
}

// ---- the dashboard list
async function loadList() {
  const nav = $("#dashboard-list");
  try {
    state.list = (await getJson("/dashboards/api/list")).dashboards;
  } catch (error) {
    nav.replaceChildren(el("p", { class: "error", text: `Cannot list dashboards: ${error.message}` }));
    return;
  }
  if (state.list.length === 0) {
    nav.replaceChildren(el("p", { class: "muted", "data-testid": "no-dashboards",
      text: "No dashboards: put Grafana JSON files in <manifests>/monitoring/dashboards/." }));
    return;
  }
  nav.replaceChildren(...state.list.map((d) => el("a", {
    href: `#${d.file}`, class: "dashboard-link", "data-testid": "dashboard-link",
    dataset: { file: d.file, uid: d.uid }, title: d.problem ? `${d.file}: ${d.problem}` : d.file,
  }, el("span", { text: d.title }), d.problem ? el("span", { class: "error", text: ` (${d.problem})` }) : null)));
}

async function openFromHash() {
  const { file, params } = readHash();
  const chosen = file && state.list.some((d) => d.file === file) ? file : state.list.find((d) => !d.problem)?.file;
  if (!chosen) return;
  for (const link of document.querySelectorAll(".dashboard-link")) link.classList.toggle("active", link.dataset.file === chosen);
  if (chosen === state.file && state.dashboard) return;
  state.file = chosen;
  const generation = ++state.generation;
  try {
    state.dashboard = await getJson(`/dashboards/api/files/${encodeURIComponent(chosen)}`);
  } catch (error) {
    $("#panels").replaceChildren(el("p", { class: "error", text: `Cannot load ${chosen}: ${error.message}` }));
    return;
  }
  if (generation !== state.generation) return;
  state.range = model.TIME_RANGES.find((r) => r.value === params.get("range")) ?? model.initialTimeRange(state.dashboard);
  $("#time-range").value = state.range.value;
  $("#dashboard-title").textContent = state.dashboard.title;
  document.title = `${state.dashboard.title} · LearnFlow dashboards`;
  state.variables = {};
  state.options = {};
  await resolveVariables(0, params);
  buildPanels();
  await refresh();
}

// ---- template variables, in list order (each may use the ones before it)
function timeWindow() {
  const end = Math.floor(Date.now() / 1000);
  return { start: end - state.range.seconds, end };
}

async function resolveVariables(fromIndex, params) {
  const vars = model.queryVariables(state.dashboard);
  const { start, end } = timeWindow();
  for (let i = fromIndex; i < vars.length; i++) {
    const variable = vars[i];
    const parsed = model.parseLabelValues(model.variableQueryText(variable));
    let values = [];
    if (parsed) {
      try {
        const selector = parsed.selector ? model.interpolate(parsed.selector, state.variables, null) : null;
        values = (await prometheus.labelValues(parsed.label, selector, start, end)).sort();
      } catch (error) {
        console.warn(`variable ${variable.name}: ${error.message}`);
      }
    }
    state.options[variable.name] = values;
    const wanted = params?.get(variable.name) ?? state.variables[variable.name];
    state.variables[variable.name] = values.includes(wanted) ? wanted : (values[0] ?? "");
  }
  renderVariables(vars);
  writeHash();
}

function renderVariables(vars) {
  const bar = $("#variables");
  bar.replaceChildren(el("label", { class: "variable" }, el("span", { text: "Data source" }),
    el("select", { disabled: "", "data-testid": "var-datasource" }, el("option", { text: "Prometheus (learnflow up)" }))));
  vars.forEach((variable, index) => {
    const select = el("select", { "data-testid": `var-${variable.name}`, name: variable.name });
    const values = state.options[variable.name] ?? [];
    if (values.length === 0) select.append(el("option", { value: "", text: "(none)" }));
    for (const value of values) select.append(el("option", { value, text: value }));
    select.value = state.variables[variable.name] ?? "";
    select.addEventListener("change", async () => {
      state.variables[variable.name] = select.value;
      state.generation++;
      await resolveVariables(index + 1, null);
      await refresh();
    });
    if (variable.hide === 2) return;
    bar.append(el("label", { class: "variable" }, el("span", { text: variable.label || variable.name }), select));
  });
}

// ---- panels
function buildPanels() {
  for (const chart of state.charts.values()) chart.destroy();
  state.charts.clear();
  const container = $("#panels");
  container.replaceChildren();
  for (const row of model.layout(state.dashboard.panels)) {
    if (row.title !== null) container.append(el("h2", { class: "row-title", text: row.title }));
    const grid = el("div", { class: "grid" });
    for (const panel of row.panels) {
      const w = Math.min(24, Math.max(1, panel.gridPos?.w ?? 12));
      const h = Math.max(2, panel.gridPos?.h ?? 8);
      const box = el("section", {
        class: "panel", "data-testid": "panel",
        dataset: { title: panel.title ?? "", type: panel.type ?? "", state: "loading" },
        style: `grid-column: span ${w}; height: ${h * PANEL_ROW_PX}px`,
      }, el("header", { title: panel.description ?? "", text: panel.title ?? "" }), el("div", { class: "panel-body" }));
      box.panel = panel;
      grid.append(box);
    }
    container.append(grid);
  }
}

async function refresh() {
  if (!state.dashboard) return;
  const generation = state.generation;
  await Promise.all([...document.querySelectorAll("section.panel")].map((box) => renderPanel(box, generation)));
  $("#last-refresh").textContent = `updated ${new Date().toLocaleTimeString()}`;
}

function showMessage(box, text, kind) {
  box.dataset.state = kind;
  const body = box.querySelector(".panel-body");
  body.replaceChildren(el("div", { class: `message ${kind}`, "data-testid": `panel-${kind}`, text }));
}

async function renderPanel(box, generation) {
  const panel = box.panel;
  if (!model.SUPPORTED_PANEL_TYPES.includes(panel.type)) {
    showMessage(box, `panel type ${panel.type} is not supported locally`, "unsupported");
    return;
  }
  const body = box.querySelector(".panel-body");
  const { start, end } = timeWindow();
  const width = Math.max(200, body.clientWidth || 400);
  const times = model.intervals(state.range.seconds, width);
  const targets = (panel.targets ?? []).filter((t) => typeof t.expr === "string" && t.expr.trim() && !t.hide);
  const exprs = targets.map((t) => model.interpolate(t.expr, state.variables, times));
  const queries = exprs.join("\n");
  // New queries (another app id, another range): what is drawn is stale until their answers come.
  // A plain refresh keeps showing the previous answer instead of flickering.
  if (box.dataset.queries !== queries) box.dataset.state = "loading";
  box.dataset.queries = queries;
  try {
    if (panel.type === "stat") {
      const answers = await Promise.all(exprs.map((expr) => prometheus.instantQuery(expr, end)));
      if (generation !== state.generation) return;
      renderStat(box, panel, targets, answers);
    } else {
      const answers = await Promise.all(exprs.map((expr) => prometheus.rangeQuery(expr, start, end, times.step)));
      if (generation !== state.generation) return;
      renderTimeseries(box, panel, targets, answers, { start, end, step: times.step });
    }
  } catch (error) {
    if (generation === state.generation) showMessage(box, error.message, "error");
  }
}

function renderStat(box, panel, targets, answers) {
  const defaults = panel.fieldConfig?.defaults ?? {};
  const values = [];
  answers.forEach((answer, i) => {
    const results = answer.resultType === "scalar" ? [{ metric: {}, value: answer.result }] : answer.result;
    for (const r of results) values.push({ name: model.legendFor(targets[i].legendFormat, r.metric), value: Number(r.value[1]) });
  });
  box.dataset.seriesCount = String(values.length);
  if (values.length === 0) return showMessage(box, "No data", "nodata");
  box.dataset.state = "data";
  box.querySelector(".panel-body").replaceChildren(...values.map((v) => el("div", { class: "stat" },
    el("div", { class: "stat-value", "data-testid": "stat-value", text: model.formatValue(v.value, defaults.unit, defaults.decimals) }),
    values.length > 1 ? el("div", { class: "stat-name", text: v.name }) : null)));
}

function renderTimeseries(box, panel, targets, answers, span) {
  const results = [];
  answers.forEach((answer, i) => answer.forEach((r) => results.push({ ...r, name: model.legendFor(targets[i].legendFormat, r.metric) })));
  const data = model.alignSeries(span.start, span.end, span.step, results);
  const points = data.slice(1).reduce((n, column) => n + column.filter((v) => v !== null).length, 0);
  box.dataset.seriesCount = String(results.length);
  box.dataset.points = String(points);
  box.dataset.series = JSON.stringify(results.map((r) => r.name));
  const old = state.charts.get(box);
  if (old) { old.destroy(); state.charts.delete(box); }
  if (points === 0) return showMessage(box, "No data", "nodata");
  if (typeof globalThis.uPlot !== "function") {
    return showMessage(box, "uPlot is missing from this build: run scripts/setup.sh and rebuild", "error");
  }
  box.dataset.state = "data";
  const body = box.querySelector(".panel-body");
  body.replaceChildren();
  const defaults = panel.fieldConfig?.defaults ?? {};
  const format = (v) => model.formatValue(v, defaults.unit, defaults.decimals);
  const thresholds = (defaults.thresholds?.steps ?? []).map((s) => s.value).filter((v) => typeof v === "number");
  const showThresholds = defaults.custom?.thresholdsStyle?.mode === "line" && thresholds.length > 0;
  const chart = new globalThis.uPlot({
    width: Math.max(200, body.clientWidth),
    height: Math.max(80, body.clientHeight - 40),
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
    scales: { y: { range: (u, min, max) => yRange(min, max, defaults.min, showThresholds ? Math.max(...thresholds) : null) } },
    axes: [{ stroke: "#ccc", grid: { stroke: "#333" } },
      { stroke: "#ccc", grid: { stroke: "#333" }, size: 86, values: (u, ticks, axis, space, increment) => ticks.map((t) => model.formatTick(t, defaults.unit, increment)) }],
    series: [{}, ...results.map((r, i) => ({ label: r.name, stroke: PALETTE[i % PALETTE.length], width: 1.5, value: (u, v) => format(v), spanGaps: false }))],
    hooks: showThresholds ? { draw: [(u) => drawThresholds(u, thresholds)] } : {},
  }, data, body);
  state.charts.set(box, chart);
}

// Zero-based like Grafana's panels with min 0, some head room, and never an empty range (an
// all-zero series would otherwise print the same tick five times).
function yRange(min, max, fixedMin, threshold) {
  const low = fixedMin ?? Math.min(0, min ?? 0);
  let high = Math.max(max ?? 0, threshold !== null ? threshold * 1.1 : -Infinity);
  if (!(high > low)) high = low + 1;
  return [low, high + (high - low) * 0.05];
}

function drawThresholds(u, thresholds) {
  const { ctx } = u;
  ctx.save();
  ctx.strokeStyle = "#e24d42";
  ctx.setLineDash([6, 4]);
  for (const value of thresholds) {
    const y = u.valToPos(value, "y", true);
    ctx.beginPath();
    ctx.moveTo(u.bbox.left, y);
    ctx.lineTo(u.bbox.left + u.bbox.width, y);
    ctx.stroke();
  }
  ctx.restore();
}

// ---- start
function setUpTimePicker() {
  const select = $("#time-range");
  select.replaceChildren(...model.TIME_RANGES.map((r) => el("option", { value: r.value, text: r.label })));
  select.addEventListener("change", async () => {
    state.range = model.TIME_RANGES.find((r) => r.value === select.value) ?? model.TIME_RANGES[1];
    state.generation++;
    writeHash();
    await refresh();
  });
  $("#refresh-now").addEventListener("click", () => refresh());
}

async function main() {
  setUpTimePicker();
  await loadList();
  window.addEventListener("hashchange", () => openFromHash());
  await openFromHash();
  state.timer = setInterval(() => refresh(), REFRESH_MS);
}

main();
