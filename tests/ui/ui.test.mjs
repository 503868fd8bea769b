// Drives the LearnFlow web UI in Debian's chromium (headless) against a running platform whose
// frontend URL is in LEARNFLOW_UI_FRONTEND_URL (run.sh starts and stops it): generate a lesson,
// mark its exercises done, and see the progress view follow. Screenshots of each step go to
// LEARNFLOW_UI_ARTIFACTS (test-artifacts/ui/).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

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
async function waitForLessonsReceived(count) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const response = await fetch(`${frontend}/api/progress?user_id=${userId}`);
    if (response.ok && (await response.json()).lessons_received === count) return;
    if (Date.now() > deadline) assert.fail(`user-progress did not receive ${count} lesson(s) in time`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

before(async () => {
  assert.ok(frontend, "LEARNFLOW_UI_FRONTEND_URL is not set (run tests/ui/run.sh)");
  mkdirSync(artifacts, { recursive: true });
  browser = await chromium.launch({
    timeout: 30_000,
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
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
