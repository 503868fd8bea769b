// The part of Grafana's dashboard model the local viewer supports, as pure functions (no DOM, no
// fetch) so node's test runner checks them directly: template variables with label_values(),
// Grafana's built-in interval variables, legend formats, units and the row/panel layout.

export const SUPPORTED_PANEL_TYPES = ["timeseries", "stat"];
export const TIME_RANGES = [
  { label: "Last 5 minutes", value: "5m", seconds: 300 },
  { label: "Last 15 minutes", value: "15m", seconds: 900 },
  { label: "Last 1 hour", value: "1h", seconds: 3600 },
];
// Grafana's Prometheus data source assumes a 15 s scrape interval unless told otherwise;
// $__rate_interval is then at least four of them.
export const DEFAULT_SCRAPE_SECONDS = 15;

// "now-15m" → 900; anything else (absolute times, other units) → null.
export function relativeRangeSeconds(from) {
  const match = /^now-(\d+)([smhd])$/.exec(String(from ?? "").trim());
  if (!match) return null;
  return Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[match[2]];
}

// The picker entry for a dashboard's default time range (15 minutes when it is not one of ours).
export function initialTimeRange(dashboard) {
  const seconds = relativeRangeSeconds(dashboard?.time?.from);
  return TIME_RANGES.find((r) => r.seconds === seconds) ?? TIME_RANGES[1];
}

// A Prometheus duration in whole seconds ("75s"); Prometheus accepts any unit, and seconds keep
// the arithmetic exact.
export function promDuration(seconds) {
  return `${Math.max(1, Math.round(seconds))}s`;
}

// Grafana's rule: interval = range / max data points, rounded to a whole second, never below the
// scrape interval; $__rate_interval = max(interval + scrape, 4 × scrape).
export function intervals(rangeSeconds, maxDataPoints, scrapeSeconds = DEFAULT_SCRAPE_SECONDS) {
  const points = Math.max(1, Math.floor(maxDataPoints));
  const step = Math.max(scrapeSeconds, Math.ceil(rangeSeconds / points));
  return { step, interval: step, rateInterval: Math.max(step + scrapeSeconds, 4 * scrapeSeconds), range: rangeSeconds };
}

// The text of a query variable: Grafana stores it as a string or as {query: "..."}.
export function variableQueryText(variable) {
  const query = variable?.query;
  if (typeof query === "string") return query;
  if (query && typeof query.query === "string") return query.query;
  return typeof variable?.definition === "string" ? variable.definition : "";
}

// label_values(label) or label_values(selector, label) → {selector|null, label}; null otherwise.
export function parseLabelValues(text) {
  const match = /^\s*label_values\(\s*(?:(.*\S)\s*,\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/.exec(text ?? "");
  if (!match) return null;
  return { selector: match[1] ?? null, label: match[2] };
}

// Replaces Grafana's built-ins ($__rate_interval, $__interval, $__range and their ${…} forms, plus
// $__range_s) and the dashboard's variables ($name, ${name}, ${name:raw}, [[name]]).
export function interpolate(text, variables, times) {
  let out = String(text ?? "");
  if (times) {
    const builtins = {
      __rate_interval: promDuration(times.rateInterval),
      __interval: promDuration(times.interval),
      __range: promDuration(times.range),
      __range_s: String(Math.round(times.range)),
    };
    out = out.replace(/\$\{(__[a-z_]+)\}|\$(__[a-z_]+)/g, (whole, braced, bare) => builtins[braced ?? bare] ?? whole);
  }
  return out.replace(/\$\{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-z]+)?\}|\[\[([a-zA-Z_][a-zA-Z0-9_]*)\]\]|\$([a-zA-Z_][a-zA-Z0-9_]*)/g,
    (whole, braced, brackets, bare) => {
      const name = braced ?? brackets ?? bare;
      return Object.prototype.hasOwnProperty.call(variables ?? {}, name) ? String(variables[name]) : whole;
    });
}

// A series name from a legendFormat ("{{method}} {{path}}"); without one, Prometheus's own
// notation of the label set.
export function legendFor(format, metric) {
  const labels = metric ?? {};
  if (format && format !== "__auto") {
    return format.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, name) => labels[name] ?? "");
  }
  const name = labels.__name__ ?? "";
  const pairs = Object.keys(labels).filter((k) => k !== "__name__").sort().map((k) => `${k}="${labels[k]}"`);
  if (pairs.length === 0) return name || "value";
  return `${name}{${pairs.join(", ")}}`;
}

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

// A value as Grafana would print it for the units our dashboards use.
export function formatValue(value, unit, decimals) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  const fixed = (v, d) => v.toFixed(d ?? (Math.abs(v) >= 100 || Number.isInteger(v) ? 0 : Math.abs(v) >= 10 ? 1 : 2));
  switch (unit) {
    case "percentunit": return `${fixed(value * 100, decimals ?? 1)}%`;
    case "percent": return `${fixed(value, decimals ?? 1)}%`;
    case "ms": return value >= 1000 ? `${fixed(value / 1000, decimals ?? 2)} s` : `${fixed(value, decimals)} ms`;
    case "s": return `${fixed(value, decimals)} s`;
    case "reqps": return `${fixed(value, decimals)} req/s`;
    case "ops": return `${fixed(value, decimals)} ops/s`;
    case "cores": return `${fixed(value, decimals ?? 3)} cores`;
    case "bytes": {
      let v = value;
      let i = 0;
      while (Math.abs(v) >= 1024 && i < BYTE_UNITS.length - 1) { v /= 1024; i++; }
      return `${fixed(v, decimals ?? (i === 0 ? 0 : 1))} ${BYTE_UNITS[i]}`;
    }
    default: return fixed(value, decimals);
  }
}

// An axis tick: as many decimals as the tick spacing needs (0.05 apart → 2), so neighbouring
// ticks never print the same text.
export function formatTick(value, unit, increment) {
  const scaled = unit === "percentunit" ? increment * 100 : unit === "ms" && Math.abs(value) >= 1000 ? increment / 1000 : increment;
  let decimals;
  if (unit !== "bytes" && scaled > 0) {
    decimals = 0;
    while (decimals < 6 && Math.abs(Math.round(scaled * 10 ** decimals) - scaled * 10 ** decimals) > 1e-6 * 10 ** decimals) decimals++;
  }
  return formatValue(value, unit, decimals);
}

// Rows in reading order, each with its panels in reading order. Panels before the first row go
// into a row without title; a collapsed row's panels live inside it (Grafana's model).
export function layout(panels) {
  const byPosition = (a, b) => (a.gridPos?.y ?? 0) - (b.gridPos?.y ?? 0) || (a.gridPos?.x ?? 0) - (b.gridPos?.x ?? 0);
  const rows = [];
  let current = { title: null, panels: [] };
  for (const panel of [...(Array.isArray(panels) ? panels : [])].sort(byPosition)) {
    if (panel?.type === "row") {
      if (current.title !== null || current.panels.length > 0) rows.push(current);
      current = { title: panel.title ?? "", panels: Array.isArray(panel.panels) ? [...panel.panels].sort(byPosition) : [] };
    } else if (panel) {
      current.panels.push(panel);
    }
  }
  if (current.title !== null || current.panels.length > 0) rows.push(current);
  return rows;
}

// Query variables in the order Grafana resolves them (their list order), datasource ones apart.
export function queryVariables(dashboard) {
  const list = dashboard?.templating?.list;
  return (Array.isArray(list) ? list : []).filter((v) => v?.type === "query" && typeof v.name === "string");
}

// Timestamps start, start+step, … ≤ end (what query_range answers) and each series' values on
// them, null where Prometheus had no sample: uPlot's aligned-data shape.
export function alignSeries(start, end, step, results) {
  const xs = [];
  for (let t = start; t <= end + 1e-9; t += step) xs.push(Math.round(t * 1000) / 1000);
  const index = new Map(xs.map((t, i) => [t, i]));
  const columns = results.map((result) => {
    const values = new Array(xs.length).fill(null);
    for (const [t, v] of result.values ?? []) {
      const i = index.get(Math.round(Number(t) * 1000) / 1000);
      if (i !== undefined) values[i] = Number(v);
    }
    return values;
  });
  return [xs, ...columns];
}
