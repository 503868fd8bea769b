// Against a platform started by run.sh (status JSON in LEARNFLOW_STATUS_JSON): after some lessons,
// (1) every query of both shipped dashboards, for every value of its variables, gets a non-error
// answer from the real Prometheus through the platform's proxy, and the variables have values;
// (2) in Debian's chromium the viewer lists both dashboards, draws learnflow-frontend's request
// rate with data, and switching app_id changes the queries. Screenshots: LEARNFLOW_DASHBOARDS_ARTIFACTS.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as model from "../../src/dashboards/web/grafana_model.js";
import { launchChromium } from "../support/chromium.mjs";

const sourceDir = fileURLToPath(new URL("../..", import.meta.url));

const status = JSON.parse(readFileSync(process.env.LEARNFLOW_STATUS_JSON, "utf8"));
const dashboardsDir = process.env.LEARNFLOW_DASHBOARDS_DIR ?? path.join(sourceDir, "deploy/monitoring/dashboards");
const artifacts = process.env.LEARNFLOW_DASHBOARDS_ARTIFACTS ?? path.join(sourceDir, "test-artifacts/dashboards");
const viewerUrl = status.infrastructure.find((i) => i.name === "dashboards")?.url;
const frontendUrl = status.services.find((s) => s.name === "learnflow-frontend")?.url;
const origin = viewerUrl ? new URL(viewerUrl).origin : "";
const STEP_TIMEOUT_MS = 30_000;
const MIN_LESSONS = 4;

const dashboards = readdirSync(dashboardsDir).filter((f) => f.endsWith(".json")).sort()
  .map((file) => ({ file, json: JSON.parse(readFileSync(path.join(dashboardsDir, file), "utf8")) }));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function prometheus(pathAndQuery) {
  const response = await fetch(`${origin}${pathAndQuery}`);
  const body = await response.json();
  return { http: response.status, body };
}

async function instant(expr) {
  return prometheus(`/api/v1/query?${new URLSearchParams({ query: expr })}`);
}

// Polls `check` until it returns true, failing with `what` after the timeout.
async function eventually(what, check, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(1000);
  }
}

let browser;
let page;

before(async () => {
  assert.ok(viewerUrl, `no "dashboards" infrastructure entry in learnflow status: ${JSON.stringify(status.infrastructure)}`);
  assert.ok(frontendUrl, "no learnflow-frontend Service in learnflow status");
  mkdirSync(artifacts, { recursive: true });
  // A counter series is born with its first value, so rate() sees traffic only from lessons sent
  // after a scrape has recorded the series: keep sending until the frontend's rate is non-zero.
  let sent = 0;
  await eventually("a non-zero learnflow-frontend request rate in Prometheus", async () => {
    await generateLesson(sent++);
    const { body } = await instant('sum(rate(dapr_http_server_request_count{app_id="learnflow-frontend", path=~"/v1.0/invoke/.*"}[1m]))');
    return sent >= MIN_LESSONS && body.status === "success" && Number(body.data.result[0]?.value[1] ?? 0) > 0;
  });
});

async function generateLesson(i) {
  const response = await fetch(`${frontendUrl}/api/lessons`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user_id: `dash-learner-${i}`, topic: "for-loops", difficulty: i % 2 ? "beginner" : "advanced" }),
  });
  assert.equal(response.status, 201, `lesson ${i}: ${await response.text()}`);
}

after(async () => {
  await browser?.close();
});

test("every dashboard query gets a non-error answer from the platform's Prometheus", async () => {
  assert.deepEqual(dashboards.map((d) => d.file), ["learnflow-dapr.json", "learnflow-workloads.json"]);
  const times = { rateInterval: 60, interval: 15, range: 900 };
  let checked = 0;
  for (const { file, json } of dashboards) {
    // Resolve the variables the way the viewer does, in order, and try every value of the last one.
    const values = {};
    const variables = model.queryVariables(json);
    let choices = [];
    for (const variable of variables) {
      const { selector, label } = model.parseLabelValues(model.variableQueryText(variable));
      const query = selector
        ? `/api/v1/series?${new URLSearchParams({ "match[]": model.interpolate(selector, values, null) })}`
        : `/api/v1/label/${label}/values`;
      const { http, body } = await prometheus(query);
      assert.equal(http, 200, `${file}: variable ${variable.name}: ${JSON.stringify(body)}`);
      choices = selector ? [...new Set(body.data.map((s) => s[label]))].sort() : body.data.sort();
      assert.ok(choices.length > 0, `${file}: variable ${variable.name} has no values`);
      values[variable.name] = choices.includes("default") ? "default" : choices[0];
    }
    const last = variables.at(-1).name;
    assert.ok(choices.includes("learnflow-frontend"), `${file}: ${last} lacks learnflow-frontend: ${choices}`);
    for (const choice of choices) {
      for (const row of model.layout(json.panels)) {
        for (const panel of row.panels) {
          for (const target of panel.targets) {
            const expr = model.interpolate(target.expr, { ...values, [last]: choice }, times);
            const { http, body } = await instant(expr);
            assert.equal(http, 200, `${file} / ${panel.title} (${last}=${choice}): ${expr}: ${JSON.stringify(body)}`);
            assert.equal(body.status, "success", expr);
            checked++;
          }
        }
      }
    }
  }
  assert.ok(checked >= 80, `only ${checked} queries checked`);
});

test("the viewer lists both dashboards and draws the frontend's request rate", async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));

  await page.goto(`${viewerUrl}#learnflow-dapr.json?app_id=learnflow-frontend`);
  const links = page.getByTestId("dashboard-link");
  await links.nth(1).waitFor();
  assert.deepEqual(await links.evaluateAll((nodes) => nodes.map((n) => n.dataset.file)),
    ["learnflow-dapr.json", "learnflow-workloads.json"]);
  assert.deepEqual((await links.allTextContents()).map((t) => t.trim()), ["LearnFlow / Dapr sidecars", "LearnFlow / Workloads"]);
  assert.equal(await page.getByTestId("var-app_id").inputValue(), "learnflow-frontend");
  assert.equal(await page.getByTestId("time-range").inputValue(), "15m");

  const requestRate = page.locator('section.panel[data-title="Request rate by path"]');
  await page.waitForFunction(() => document.querySelector('section.panel[data-title="Request rate by path"]')?.dataset.state === "data");
  assert.ok(Number(await requestRate.getAttribute("data-points")) > 0);
  assert.match(await requestRate.getAttribute("data-series"), /\/v1\.0\/invoke\/course-agent/);
  assert.equal(await requestRate.locator("canvas").count(), 1, "uPlot drew no canvas");
  assert.equal(await requestRate.getByTestId("panel-nodata").count(), 0);
  const frontendQueries = await requestRate.getAttribute("data-queries");
  assert.match(frontendQueries, /app_id="learnflow-frontend"/);
  assert.doesNotMatch(frontendQueries, /\$/);
  await page.waitForFunction(() => [...document.querySelectorAll("section.panel")].every((p) => p.dataset.state !== "loading"));
  const states = await page.locator("section.panel").evaluateAll((nodes) => nodes.map((n) => `${n.dataset.title}: ${n.dataset.state}`));
  assert.deepEqual(states.filter((s) => s.endsWith(": error") || s.endsWith(": unsupported")), []);
  // A share of successful requests (every one, in a healthy run; the assertion leaves room for a slow CI).
  const ratio = await page.locator('section.panel[data-title="Success ratio over the range"] [data-testid="stat-value"]').textContent();
  assert.match(ratio, /^\d{1,3}\.\d%$/);
  assert.ok(parseFloat(ratio) >= 50, ratio);
  await page.screenshot({ path: path.join(artifacts, "01-dapr-learnflow-frontend.png"), fullPage: true });

  await page.getByTestId("var-app_id").selectOption("course-agent");
  await page.waitForFunction(() => {
    const panel = document.querySelector('section.panel[data-title="Request rate by path"]');
    return panel?.dataset.queries?.includes('app_id="course-agent"') && panel.dataset.state === "data";
  });
  assert.doesNotMatch(await requestRate.getAttribute("data-queries"), /learnflow-frontend/);
  assert.match(await requestRate.getAttribute("data-series"), /\/v1\.0\/publish\/pubsub\/lesson-generated|\/v1\.0\/state\/statestore/);
  assert.match(page.url(), /app_id=course-agent/);
  await page.waitForFunction(() => document.querySelector('section.panel[data-title="Published (egress) by topic"]')?.dataset.state === "data");
  await page.screenshot({ path: path.join(artifacts, "02-dapr-course-agent.png"), fullPage: true });

  // The time picker changes the window the queries cover ($__range) and is kept in the URL.
  const successRatio = page.locator('section.panel[data-title="Success ratio over the range"]');
  assert.match(await successRatio.getAttribute("data-queries"), /\[900s\]/);
  await page.getByTestId("time-range").selectOption("5m");
  await page.waitForFunction(() =>
    document.querySelector('section.panel[data-title="Success ratio over the range"]')?.dataset.queries?.includes("[300s]"));
  assert.match(page.url(), /range=5m/);
  // The 10-second refresh re-runs the queries without any interaction.
  const refreshed = await page.getByTestId("last-refresh").textContent();
  await page.waitForFunction((before) => document.querySelector('[data-testid="last-refresh"]').textContent !== before,
    refreshed, { timeout: 15_000 });

  await links.nth(1).click();
  await page.getByTestId("var-deployment").waitFor();
  await page.waitForFunction(() => document.querySelector('section.panel[data-title="Replicas: desired vs available"]')?.dataset.state === "data");
  await page.waitForFunction(() => document.querySelector('section.panel[data-title="Desired replicas"]')?.dataset.state === "data");
  // 1 unless the HPA scaled course-agent out (its maximum is 10).
  assert.match(await page.locator('section.panel[data-title="Desired replicas"] [data-testid="stat-value"]').textContent(), /^([1-9]|10)$/);
  await page.waitForFunction(() => [...document.querySelectorAll("section.panel")].every((p) => p.dataset.state !== "loading"));
  const workloadStates = await page.locator("section.panel").evaluateAll((nodes) => nodes.map((n) => `${n.dataset.title}: ${n.dataset.state}`));
  assert.deepEqual(workloadStates.filter((s) => s.endsWith(": error") || s.endsWith(": unsupported")), []);
  await page.screenshot({ path: path.join(artifacts, "03-workloads.png"), fullPage: true });
  assert.deepEqual(pageErrors, []);
});

test("a panel type the viewer does not draw says so instead of breaking the page", async () => {
  const unsupported = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  unsupported.setDefaultTimeout(STEP_TIMEOUT_MS);
  const { json } = dashboards.find((d) => d.file === "learnflow-workloads.json");
  const edited = structuredClone(json);
  edited.panels.push({ type: "piechart", title: "A pie", id: 999, gridPos: { x: 0, y: 999, w: 12, h: 6 }, targets: [] });
  await unsupported.route("**/dashboards/api/files/learnflow-workloads.json",
    (route) => route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(edited) }));
  await unsupported.goto(`${viewerUrl}#learnflow-workloads.json`);
  const pie = unsupported.locator('section.panel[data-title="A pie"]');
  await pie.getByTestId("panel-unsupported").waitFor();
  assert.equal((await pie.getByTestId("panel-unsupported").textContent()).trim(), "panel type piechart is not supported locally");
  await unsupported.waitForFunction(() => document.querySelector('section.panel[data-title="Desired replicas"]')?.dataset.state === "data");
  await unsupported.close();
});
