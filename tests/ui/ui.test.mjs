// Drives the LearnFlow web UI in Debian's chromium (headless) against a running platform whose
// frontend URL is in LEARNFLOW_UI_FRONTEND_URL (run.sh starts and stops it): generate a lesson,
// mark its exercises done, and see the progress view follow. Screenshots of each step go to
// LEARNFLOW_UI_ARTIFACTS (test-artifacts/ui/). Then a backend is frozen for real (user-progress, then
// course-agent): the page must say so in words within 5 s, stay usable, and recover.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { launchChromium } from "../support/chromium.mjs";

const frontend = process.env.LEARNFLOW_UI_FRONTEND_URL;
const artifacts = process.env.LEARNFLOW_UI_ARTIFACTS || path.resolve("../../test-artifacts/ui");
const userId = `ui-learner-${Date.now()}`;
const STEP_TIMEOUT_MS = 15_000;

let browser;
let page;

const byTestId = (id) => page.getByTestId(id);
const screenshot = (name) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });

// The lesson-generated event reaches user-progress asynchronously; the UI shows a topic's row only
// once it has, so the test waits for it through the same API the page uses.
async function waitForLessonsReceived(count, user = userId) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const response = await fetch(`${frontend}/api/progress?user_id=${user}`);
    if (response.ok && (await response.json()).lessons_received === count) return;
    if (Date.now() > deadline) assert.fail(`user-progress did not receive ${count} lesson(s) in time`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

before(async () => {
  assert.ok(frontend, "LEARNFLOW_UI_FRONTEND_URL is not set (run tests/ui/run.sh)");
  mkdirSync(artifacts, { recursive: true });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
});

after(async () => {
  await browser?.close();
});

test("generate a lesson, mark exercises done, see progress update", async () => {
  await page.goto(`${frontend}/?user=${userId}`);
  assert.equal(await byTestId("user-id-input").inputValue(), userId);
  await expectEnabled(byTestId("generate-button"));
  assert.equal(await byTestId("lesson").isHidden(), true);
  assert.equal((await byTestId("progress-summary").textContent()).trim(), "No progress yet.");
  await screenshot("01-start");

  await byTestId("topic-select").selectOption("for-loops");
  await byTestId("difficulty-intermediate").check();
  await byTestId("generate-button").click();
  await byTestId("lesson").waitFor({ state: "visible" });
  assert.match(await byTestId("lesson-title").textContent(), /loop/i);
  assert.equal((await byTestId("lesson-difficulty").textContent()).trim().toLowerCase(), "intermediate");
  assert.ok((await byTestId("lesson-explanation").textContent()).trim().length > 50);
  const checkboxes = byTestId("exercise-done");
  const exerciseCount = await checkboxes.count();
  assert.ok(exerciseCount >= 2, `expected at least two exercises, got ${exerciseCount}`);
  await byTestId("lesson-link").first().waitFor();
  assert.equal(await byTestId("lesson-link").count(), 1);
  assert.equal(await byTestId("status-banner").isHidden(), true);
  await screenshot("02-lesson");

  await waitForLessonsReceived(1);
  await checkboxes.nth(0).check();
  const row = page.locator('[data-testid="progress-row"][data-topic="for-loops"]');
  const expectedBest = `${Math.round(100 / exerciseCount)}%`;
  await row.getByTestId("progress-best").filter({ hasText: expectedBest }).waitFor();
  assert.match(await byTestId("lesson-progress").textContent(), new RegExp(`^${expectedBest} done \\(1 of ${exerciseCount}`));
  assert.equal((await byTestId("progress-summary").textContent()).trim(), "0 of 1 lessons completed.");
  await screenshot("03-one-exercise-done");

  for (let i = 1; i < exerciseCount; i++) await checkboxes.nth(i).check();
  await row.getByTestId("progress-best").filter({ hasText: "100%" }).waitFor();
  await byTestId("progress-summary").filter({ hasText: "1 of 1 lessons completed." }).waitFor();
  // intermediate at 100 %: mastery score 70, the "proficient" band
  assert.equal((await row.getByTestId("progress-mastery").textContent()).trim(), "Proficient");
  assert.equal(await byTestId("status-banner").isHidden(), true);
  await screenshot("04-lesson-completed");

  // The stored progress says the same as the page.
  const stored = await (await fetch(`${frontend}/api/progress?user_id=${userId}`)).json();
  assert.equal(stored.lessons_completed, 1);
  assert.equal(stored.lessons[0].status, "completed");
  assert.equal(stored.lessons[0].completed_exercises.length, exerciseCount);
});

async function expectEnabled(locator) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (!(await locator.isEnabled())) {
    if (Date.now() > deadline) assert.fail("the page never became usable");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// ---- a backend down for real ---------------------------------------------------------------
// The app process of a deployment is frozen (SIGSTOP): it keeps its port, so requests are
// accepted and never answered, the hardest case for a page (a stopped process would be refused
// at once). SIGCONT brings it back exactly where it was, with no restart in between; the freeze
// stays well below the liveness probe's restart threshold (3 x 10 s).
const cli = process.env.LEARNFLOW_UI_CLI;
const stateDir = process.env.LEARNFLOW_UI_STATE_DIR;
const frozenPids = new Set();

function appPids(deployment) {
  assert.ok(cli && stateDir, "LEARNFLOW_UI_CLI / LEARNFLOW_UI_STATE_DIR are not set (run tests/ui/run.sh)");
  const status = JSON.parse(execFileSync(cli, ["status", "-o", "json", "--state-dir", stateDir], { encoding: "utf8" }));
  const pids = status.pods.filter((pod) => pod.deployment === deployment && pod.pid > 0).map((pod) => pod.pid);
  assert.ok(pids.length > 0, `no running pod of ${deployment}: ${JSON.stringify(status.pods)}`);
  return pids;
}

function freeze(deployment) {
  const pids = appPids(deployment);
  for (const pid of pids) {
    process.kill(pid, "SIGSTOP");
    frozenPids.add(pid);
  }
  return pids;
}

function thaw(pids) {
  for (const pid of pids) {
    process.kill(pid, "SIGCONT");
    frozenPids.delete(pid);
  }
}

after(() => thaw([...frozenPids]));  // never leave a process frozen, whatever failed

// Milliseconds until the banner's text matches `pattern` (fails after `limitMs`).
async function msUntilBannerSays(pattern, startedAt, limitMs) {
  await byTestId("status-text").filter({ hasText: pattern }).waitFor({ timeout: limitMs + 500 });
  return Date.now() - startedAt;
}

async function openWithLesson(user, topic) {
  await page.goto(`${frontend}/?user=${user}`);
  await expectEnabled(byTestId("generate-button"));
  await byTestId("topic-select").selectOption(topic);
  await byTestId("difficulty-beginner").check();
  await byTestId("generate-button").click();
  await byTestId("lesson").waitFor({ state: "visible" });
  await waitForLessonsReceived(1, user);
}

test("progress service frozen: the page says so in words within 5 s, then recovers", async () => {
  const user = `${userId}-progress-down`;
  await openWithLesson(user, "variables");
  const checkboxes = byTestId("exercise-done");
  const exerciseCount = await checkboxes.count();

  const pids = freeze("user-progress");
  try {
    const startedAt = Date.now();
    await checkboxes.nth(0).check();
    const elapsed = await msUntilBannerSays(/progress service \(user-progress\) is not answering/, startedAt, 5000);
    assert.ok(elapsed <= 5000, `the message took ${elapsed} ms`);
    assert.match(await byTestId("status-text").textContent(), /^Your progress was not saved\./);
    // The page shows the truth (the tick was not stored) and stays usable.
    assert.equal(await checkboxes.nth(0).isChecked(), false);
    assert.equal(await byTestId("status-retry").isVisible(), true);
    assert.equal(await byTestId("generate-button").isEnabled(), true);
    await screenshot("05-progress-service-frozen");
  } finally {
    thaw(pids);
  }

  // Back: "Try again" re-sends the tick, the banner goes, the progress view follows.
  await byTestId("status-retry").click();
  const row = page.locator('[data-testid="progress-row"][data-topic="variables"]');
  await row.getByTestId("progress-best").filter({ hasText: `${Math.round(100 / exerciseCount)}%` }).waitFor();
  assert.equal(await checkboxes.nth(0).isChecked(), true);
  assert.equal(await byTestId("status-banner").isHidden(), true);
  await screenshot("06-progress-service-back");
});

test("lesson service frozen: the page says so within 5 s, reports the failure, then recovers", async () => {
  const user = `${userId}-lessons-down`;
  await openWithLesson(user, "printing");

  const pids = freeze("course-agent");
  try {
    await byTestId("topic-select").selectOption("strings");
    const startedAt = Date.now();
    await byTestId("generate-button").click();
    // Still waiting: said in words by 5 s ...
    const noticed = await msUntilBannerSays(/lesson service \(course-agent\) has not answered after 4 seconds/, startedAt, 5000);
    assert.ok(noticed <= 5000, `the first message took ${noticed} ms`);
    await screenshot("07-lesson-service-slow");
    // ... then the frontend's own deadline answers 503 backend_unavailable, shown as words.
    const failed = await msUntilBannerSays(/lesson service \(course-agent\) is not answering/, startedAt, 10_000);
    assert.ok(failed <= 10_000, `the failure took ${failed} ms`);
    assert.equal(await byTestId("generate-button").isEnabled(), true);
    assert.equal(await byTestId("loading").isHidden(), true, "no spinner left behind");
    await screenshot("08-lesson-service-down");
  } finally {
    thaw(pids);
  }

  await byTestId("status-retry").click();
  await byTestId("lesson-title").filter({ hasText: /string/i }).waitFor();
  assert.equal(await byTestId("status-banner").isHidden(), true);
  await screenshot("09-lesson-service-back");
});
