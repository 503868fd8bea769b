// Unit test of the viewer's Grafana-model functions (src/dashboards/web/grafana_model.js), with
// node's own test runner: no browser, no Prometheus.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as model from "../../src/dashboards/web/grafana_model.js";

const sourceDir = fileURLToPath(new URL("../..", import.meta.url));

test("label_values with and without a selector", () => {
  assert.deepEqual(model.parseLabelValues("label_values(dapr_http_server_request_count, app_id)"),
    { selector: "dapr_http_server_request_count", label: "app_id" });
  assert.deepEqual(model.parseLabelValues(' label_values(up{namespace="$namespace", job=~"a,b"} , pod ) '),
    { selector: 'up{namespace="$namespace", job=~"a,b"}', label: "pod" });
  assert.deepEqual(model.parseLabelValues("label_values(namespace)"), { selector: null, label: "namespace" });
  assert.equal(model.parseLabelValues("query_result(up)"), null);
  assert.equal(model.parseLabelValues("label_values(up, 1bad)"), null);
  assert.equal(model.parseLabelValues(undefined), null);
});

test("variable query text in both Grafana shapes", () => {
  assert.equal(model.variableQueryText({ query: "label_values(x)" }), "label_values(x)");
  assert.equal(model.variableQueryText({ query: { query: "label_values(y)", refId: "A" } }), "label_values(y)");
  assert.equal(model.variableQueryText({ definition: "label_values(z)" }), "label_values(z)");
  assert.equal(model.variableQueryText({}), "");
});

test("interpolation of variables and built-in intervals", () => {
  const times = { rateInterval: 60, interval: 15, range: 900 };
  const vars = { app_id: "learnflow-frontend", namespace: "default" };
  assert.equal(
    model.interpolate('rate(x{app_id="$app_id", namespace="${namespace}"}[$__rate_interval]) / [[app_id]] $__interval ${__range} $__range_s', vars, times),
    'rate(x{app_id="learnflow-frontend", namespace="default"}[60s]) / learnflow-frontend 15s 900s 900');
  // Unknown variables and $datasource-like names without a value stay as written.
  assert.equal(model.interpolate("$unknown ${datasource}", vars, times), "$unknown ${datasource}");
  // $__rate_interval must not be read as the variable $__rate followed by text.
  assert.equal(model.interpolate("[$__rate_interval]", { __rate: "no" }, times), "[60s]");
  assert.equal(model.interpolate("${app_id:raw}", vars, null), "learnflow-frontend");
});

test("Grafana's interval rules", () => {
  assert.deepEqual(model.intervals(900, 600), { step: 15, interval: 15, rateInterval: 60, range: 900 });
  assert.deepEqual(model.intervals(3600, 600), { step: 15, interval: 15, rateInterval: 60, range: 3600 });
  assert.deepEqual(model.intervals(3600, 100), { step: 36, interval: 36, rateInterval: 60, range: 3600 });
  assert.deepEqual(model.intervals(3600, 40), { step: 90, interval: 90, rateInterval: 105, range: 3600 });
  assert.equal(model.intervals(300, 0).step, 300);
  assert.equal(model.promDuration(59.6), "60s");
  assert.equal(model.promDuration(0), "1s");
});

test("time ranges", () => {
  assert.equal(model.relativeRangeSeconds("now-15m"), 900);
  assert.equal(model.relativeRangeSeconds("now-1h"), 3600);
  assert.equal(model.relativeRangeSeconds("2024-01-01"), null);
  assert.equal(model.initialTimeRange({ time: { from: "now-5m" } }).value, "5m");
  assert.equal(model.initialTimeRange({ time: { from: "now-6h" } }).value, "15m");
  assert.equal(model.initialTimeRange({}).value, "15m");
});

test("legends", () => {
  const metric = { __name__: "m", method: "GET", path: "/v1.0/invoke" };
  assert.equal(model.legendFor("{{method}} {{ path }} {{missing}}", metric), "GET /v1.0/invoke ");
  assert.equal(model.legendFor("", metric), 'm{method="GET", path="/v1.0/invoke"}');
  assert.equal(model.legendFor("__auto", { __name__: "up" }), "up");
  assert.equal(model.legendFor(undefined, {}), "value");
});

test("units", () => {
  assert.equal(model.formatValue(0.9876, "percentunit", 1), "98.8%");
  assert.equal(model.formatValue(12.5, "ms"), "12.5 ms");
  assert.equal(model.formatValue(2500, "ms"), "2.50 s");
  assert.equal(model.formatValue(1.234, "reqps", 2), "1.23 req/s");
  assert.equal(model.formatValue(3 * 1024 * 1024, "bytes"), "3.0 MiB");
  assert.equal(model.formatValue(0.05, "cores"), "0.050 cores");
  assert.equal(model.formatValue(3, "short", 0), "3");
  assert.equal(model.formatValue(null, "short"), "–");
  assert.equal(model.formatValue(Infinity, "ms"), "+Inf");
});

test("axis ticks carry the decimals their spacing needs", () => {
  assert.equal(model.formatTick(0.05, "reqps", 0.05), "0.05 req/s");
  assert.equal(model.formatTick(0.1, "reqps", 0.05), "0.10 req/s");
  assert.equal(model.formatTick(20, "ms", 5), "20 ms");
  assert.equal(model.formatTick(7.5, "ms", 2.5), "7.5 ms");
  assert.equal(model.formatTick(0.25, "percentunit", 0.25), "25%");
  assert.equal(model.formatTick(0.005, "percentunit", 0.005), "0.5%");
  assert.equal(model.formatTick(0.3, "cores", 0.1), "0.3 cores");
  assert.equal(model.formatTick(2048, "bytes", 1024), "2.0 KiB");
  assert.equal(model.formatTick(0, "short", 0), "0");
});

test("layout: rows, reading order, collapsed rows", () => {
  const rows = model.layout([
    { type: "stat", title: "top", gridPos: { x: 0, y: 0 } },
    { type: "row", title: "B", gridPos: { y: 10 } },
    { type: "timeseries", title: "b2", gridPos: { x: 12, y: 11 } },
    { type: "timeseries", title: "b1", gridPos: { x: 0, y: 11 } },
    { type: "row", title: "A", gridPos: { y: 5 }, collapsed: true, panels: [{ type: "stat", title: "a1", gridPos: { x: 0, y: 6 } }] },
  ]);
  assert.deepEqual(rows.map((r) => [r.title, r.panels.map((p) => p.title)]), [[null, ["top"]], ["A", ["a1"]], ["B", ["b1", "b2"]]]);
  assert.deepEqual(model.layout(undefined), []);
});

test("aligning range results on the step grid", () => {
  const data = model.alignSeries(100, 130, 15, [{ values: [[100, "1"], [130, "3"]] }, { values: [[115, "NaN"], [999, "5"]] }]);
  assert.deepEqual(data[0], [100, 115, 130]);
  assert.deepEqual(data[1], [1, null, 3]);
  assert.ok(Number.isNaN(data[2][1]));
  assert.equal(data[2][0], null);
});

test("the shipped dashboards use only what the viewer supports", () => {
  for (const file of ["learnflow-dapr.json", "learnflow-workloads.json"]) {
    const dashboard = JSON.parse(readFileSync(`${sourceDir}/deploy/monitoring/dashboards/${file}`, "utf8"));
    assert.ok(dashboard.schemaVersion >= 36, file);
    for (const variable of model.queryVariables(dashboard))
      assert.ok(model.parseLabelValues(model.variableQueryText(variable)), `${file}: variable ${variable.name}`);
    for (const row of model.layout(dashboard.panels))
      for (const panel of row.panels) {
        assert.ok(model.SUPPORTED_PANEL_TYPES.includes(panel.type), `${file}: ${panel.title} is ${panel.type}`);
        const vars = Object.fromEntries(model.queryVariables(dashboard).map((v) => [v.name, "x"]));
        for (const target of panel.targets) {
          const expr = model.interpolate(target.expr, vars, { rateInterval: 60, interval: 15, range: 900 });
          assert.doesNotMatch(expr, /\$/, `${file}: ${panel.title}: ${expr}`);
        }
      }
  }
});
