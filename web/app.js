// LearnFlow UI: plain JavaScript, no framework, no network access beyond this server's /api.
// Every request has a client-side deadline so a dead backend is reported in words, never a hang.
"use strict";

const state = {
  userId: "",
  topics: [],
  lesson: null,          // the lesson on screen
  progress: null,        // last GET /api/progress answer
};

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// ---- talking to the server ---------------------------------------------------------------

class ApiError extends Error {}

// Which backend answers a path (the frontend itself only forwards), for messages in words.
const SERVICE_NAMES = { "course-agent": "The lesson service (course-agent)", "user-progress": "The progress service (user-progress)" };
const serviceFor = (path) => (path.startsWith("/api/progress") ? "user-progress" : "course-agent");

// A backend that is down answers 503 at once, but a frozen one (or a sidecar waiting out its retry
// policy) leaves the request open: the page must still say something within a few seconds.
const READ_DEADLINE_MS = 4000;      // reads and progress updates: give up and say so
const GENERATE_NOTICE_MS = 4000;    // generating can be slow (e.g. the first request during a broker outage)...
const GENERATE_DEADLINE_MS = 8000;  // ...so it says so first, and gives up later (the frontend's own deadline is 6 s)

function describeFailure(status, body) {
  if (body && body.error === "backend_unavailable")
    return `${SERVICE_NAMES[body.service] || body.service} is not answering right now. Please try again in a moment.`;
  if (body && body.error === "state_store_unavailable")
    return "LearnFlow cannot reach its storage right now. Please try again in a moment.";
  if (body && body.error === "invalid_field") return `Please check ${body.field.replace(/_/g, " ")}: ${body.message}.`;
  if (status === 404) return "That item does not exist (any more).";
  if (status >= 500) return `The server had a problem (HTTP ${status}). Please try again.`;
  return (body && body.message) || `The request failed (HTTP ${status}).`;
}

// options: deadlineMs (abort and report), noticeMs + onSlow (called once if still waiting then).
async function api(method, path, body, { deadlineMs = READ_DEADLINE_MS, noticeMs = 0, onSlow = null } = {}) {
  const service = SERVICE_NAMES[serviceFor(path)];
  const controller = new AbortController();
  const deadline = setTimeout(() => controller.abort(), deadlineMs);
  const notice = onSlow && noticeMs ? setTimeout(() => onSlow(service, noticeMs), noticeMs) : null;
  let response;
  let payload = null;
  try {
    response = await fetch(path, {
      method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal: controller.signal,
    });
    // The body is awaited under the same deadline: a stalled answer must not hang the page either.
    try { payload = await response.json(); } catch (error) { if (error.name === "AbortError") throw error; }
  } catch (error) {
    if (error.name === "AbortError")
      throw new ApiError(`${service} is not answering (no reply within ${Math.round(deadlineMs / 1000)} seconds). ` +
        "Please try again in a moment.");
    throw new ApiError("Cannot reach the LearnFlow server. Check your connection or whether the frontend is running.");
  } finally {
    clearTimeout(deadline);
    if (notice) clearTimeout(notice);
  }
  if (!response.ok) throw new ApiError(describeFailure(response.status, payload));
  return payload;
}

// One banner for the page; `retry` (optional) puts a "Try again" button in it.
function showBanner(message, kind = "error", retry = null) {
  const banner = $("status-banner");
  $("status-text").textContent = message;
  banner.className = kind === "info" ? "banner info" : "banner";
  const button = $("status-retry");
  button.hidden = !retry;
  button.onclick = retry ? () => { clearBanner(); retry(); } : null;
  banner.hidden = false;
}

function clearBanner() { $("status-banner").hidden = true; }

// ---- learner identity --------------------------------------------------------------------

function initialUserId() {
  // ?user=<id> picks the learner (links, tests); otherwise the id remembered in this browser.
  const fromUrl = new URLSearchParams(location.search).get("user");
  if (fromUrl && /^[A-Za-z0-9_.@-]{1,64}$/.test(fromUrl)) {
    localStorage.setItem("learnflow.user", fromUrl);
    return fromUrl;
  }
  const saved = localStorage.getItem("learnflow.user");
  if (saved && /^[A-Za-z0-9_.@-]{1,64}$/.test(saved)) return saved;
  const generated = "learner-" + Math.random().toString(36).slice(2, 8);
  localStorage.setItem("learnflow.user", generated);
  return generated;
}

function onUserChange() {
  const input = $("user-id");
  if (!input.checkValidity() || !input.value) return;
  state.userId = input.value;
  localStorage.setItem("learnflow.user", state.userId);
  state.lesson = null;
  renderLesson();
  refreshSidebars();
}

// ---- curriculum & lesson generation ------------------------------------------------------

async function loadCurriculum() {
  const select = $("topic-select");
  try {
    const curriculum = await api("GET", "/api/curriculum");
    state.topics = curriculum.topics;
    select.replaceChildren(...state.topics.map((t, i) =>
      el("option", { value: t.id, text: `${i + 1}. ${t.title}` })));
    select.disabled = false;
    $("generate").disabled = false;
    showTopicSummary();
    clearBanner();
  } catch (error) {
    select.replaceChildren(el("option", { text: "Topics unavailable" }));
    showBanner(error.message, "error", loadCurriculum);
    setTimeout(loadCurriculum, 5000);  // keep trying quietly until the course service is back
  }
}

function showTopicSummary() {
  const topic = state.topics.find((t) => t.id === $("topic-select").value);
  $("topic-summary").textContent = topic ? topic.summary : "";
}

function chosenDifficulty() {
  return document.querySelector("input[name=difficulty]:checked").value;
}

async function generateLesson(topicId = $("topic-select").value, difficulty = chosenDifficulty()) {
  const button = $("generate");
  button.disabled = true;
  $("loading").hidden = false;
  try {
    const lesson = await api("POST", "/api/lessons", { user_id: state.userId, topic: topicId, difficulty }, {
      deadlineMs: GENERATE_DEADLINE_MS,
      noticeMs: GENERATE_NOTICE_MS,
      onSlow: (service, ms) => showBanner(
        `${service} has not answered after ${ms / 1000} seconds; it may be down. Still waiting a few more seconds…`, "info"),
    });
    clearBanner();
    if (lesson.event && lesson.event.status === "queued")
      showBanner("Lesson ready. Progress tracking will catch up shortly (the event bus is busy).", "info");
    state.lesson = lesson;
    renderLesson();
    refreshSidebars();
  } catch (error) {
    showBanner(error.message, "error", () => generateLesson(topicId, difficulty));
  } finally {
    button.disabled = false;
    $("loading").hidden = true;
  }
}

async function openLesson(lessonId) {
  try {
    state.lesson = await api("GET", `/api/lessons/${encodeURIComponent(lessonId)}`);
    clearBanner();
    renderLesson();
    renderLessonsList(state.lessons || []);
  } catch (error) {
    showBanner(error.message, "error", () => openLesson(lessonId));
  }
}

// ---- rendering the lesson ----------------------------------------------------------------

// Paragraphs from blank-line separated text; `backticks` mark inline code.
function paragraphs(text) {
  return text.split(/\n\s*\n/).map((block) => {
    const pieces = block.replace(/\n/g, " ").split("`");
    return el("p", {}, pieces.map((piece, i) => (i % 2 ? el("code", { text: piece }) : piece)));
  });
}

function lessonProgressEntry() {
  if (!state.lesson || !state.progress) return null;
  return (state.progress.lessons || []).find((l) => l.lesson_id === state.lesson.lesson_id) || null;
}

function renderLesson() {
  const lesson = state.lesson;
  $("lesson-empty").hidden = !!lesson;
  $("lesson").hidden = !lesson;
  if (!lesson) return;
  // The address names the lesson, so reloading or sharing the page reopens it.
  history.replaceState(null, "", `#lesson=${encodeURIComponent(lesson.lesson_id)}`);
  // Keep the chooser on the lesson being read, so "Generate" repeats or varies it naturally.
  if (state.topics.some((t) => t.id === lesson.topic)) $("topic-select").value = lesson.topic;
  const radio = document.querySelector(`input[name=difficulty][value=${lesson.difficulty}]`);
  if (radio) radio.checked = true;
  showTopicSummary();
  $("lesson-title").textContent = lesson.topic_title;
  $("lesson-difficulty").textContent = lesson.difficulty;
  $("lesson-explanation").replaceChildren(...paragraphs(lesson.explanation));
  $("examples").replaceChildren(...lesson.examples.map((example) =>
    el("div", { className: "example", "data-testid": "example" }, [
      el("h4", { text: example.title }),
      el("div", { className: "label", text: "Code" }),
      el("pre", { text: example.code }),
      el("div", { className: "label", text: "Output" }),
      el("pre", { className: "output", text: example.output }),
    ])));

  const done = new Set((lessonProgressEntry() || {}).completed_exercises || []);
  $("exercises").replaceChildren(...lesson.exercises.map((exercise) => {
    const checkbox = el("input", { type: "checkbox", "data-testid": "exercise-done", "data-exercise-id": exercise.id });
    checkbox.checked = done.has(exercise.id);
    checkbox.addEventListener("change", () => toggleExercise(checkbox));
    const children = [el("p", { className: "prompt", text: exercise.prompt })];
    if (exercise.hint) children.push(el("details", {}, [el("summary", { text: "Hint" }), el("p", { text: exercise.hint })]));
    children.push(el("div", { className: "label", text: "Expected output" }),
      el("pre", { className: "output", "data-testid": "expected-output", text: exercise.expected_output }),
      el("details", {}, [el("summary", { text: "Show a solution" }), el("pre", { text: exercise.solution })]),
      el("label", { className: "done-toggle" }, [checkbox, "I did this one — my output matches"]));
    return el("li", { className: "exercise" + (checkbox.checked ? " done" : ""), "data-testid": "exercise",
      "data-exercise-id": exercise.id }, children);
  }));
  updateLessonProgress();

  const next = lesson.next_topic;
  $("next-topic").hidden = !next;
  if (next) {
    $("next-topic-button").textContent = `${next.title} (${lesson.difficulty})`;
    $("next-topic-button").onclick = () => {
      $("topic-select").value = next.id;
      showTopicSummary();
      generateLesson(next.id, lesson.difficulty);
    };
  }
}

function checkedExercises() {
  return [...document.querySelectorAll("#exercises input[type=checkbox]")].filter((c) => c.checked)
    .map((c) => c.dataset.exerciseId);
}

function updateLessonProgress() {
  const total = state.lesson.exercises.length;
  const done = checkedExercises().length;
  const percentage = total ? Math.round((done / total) * 100) : 0;
  $("lesson-progress-bar").value = percentage;
  $("lesson-progress").textContent = `${percentage}% done (${done} of ${total} exercises)`;
  return percentage;
}

async function toggleExercise(checkbox) {
  const item = checkbox.closest(".exercise");
  item.classList.toggle("done", checkbox.checked);
  const percentage = updateLessonProgress();
  const status = percentage === 100 ? "completed" : percentage === 0 ? "not_started" : "in_progress";
  try {
    await api("POST", "/api/progress", {
      user_id: state.userId, lesson_id: state.lesson.lesson_id, progress_percentage: percentage, status,
      completed_exercises: checkedExercises(),
    });
    clearBanner();
    await refreshProgress();
  } catch (error) {
    checkbox.checked = !checkbox.checked;  // the server did not record it: show the truth
    item.classList.toggle("done", checkbox.checked);
    updateLessonProgress();
    showBanner(`Your progress was not saved. ${error.message}`, "error", () => {
      checkbox.checked = !checkbox.checked;
      toggleExercise(checkbox);
    });
  }
}

// ---- sidebars: lessons and progress ------------------------------------------------------

function renderLessonsList(lessons) {
  state.lessons = lessons;
  const list = $("lessons-list");
  if (!lessons.length) {
    list.replaceChildren(el("li", { className: "muted", text: "No lessons yet." }));
    return;
  }
  list.replaceChildren(...lessons.map((lesson) => {
    const button = el("button", { "data-testid": "lesson-link", text: `${lesson.topic_title} · ${lesson.difficulty}` });
    if (state.lesson && state.lesson.lesson_id === lesson.lesson_id) button.classList.add("current");
    button.addEventListener("click", () => openLesson(lesson.lesson_id));
    return el("li", {}, [button]);
  }));
}

const MASTERY_LABELS = { not_started: "Not started", learning: "Learning", familiar: "Familiar",
  proficient: "Proficient", mastered: "Mastered" };

function renderProgress(progress) {
  const body = $("progress-table").querySelector("tbody");
  const topics = progress.topics || [];
  body.replaceChildren(...topics.map((topic) => el("tr", { "data-testid": "progress-row", "data-topic": topic.topic }, [
    el("td", { text: topic.topic_title }),
    el("td", { text: `${topic.lessons_completed}/${topic.lessons}` }),
    el("td", { "data-testid": "progress-best", text: `${topic.best_progress}%` }),
    el("td", {}, [el("span", { className: `mastery ${topic.mastery}`, "data-testid": "progress-mastery",
      text: MASTERY_LABELS[topic.mastery] || topic.mastery })]),
  ])));
  $("progress-summary").textContent = progress.lessons_received
    ? `${progress.lessons_completed} of ${progress.lessons_received} lessons completed.`
    : "No progress yet.";
}

async function refreshProgress() {
  try {
    state.progress = await api("GET", `/api/progress?user_id=${encodeURIComponent(state.userId)}`);
    renderProgress(state.progress);
  } catch (error) {
    showBanner(`Progress is unavailable: ${error.message}`, "error", refreshSidebars);
  }
}

async function refreshLessons() {
  try {
    const answer = await api("GET", `/api/lessons?user_id=${encodeURIComponent(state.userId)}`);
    renderLessonsList(answer.lessons);
  } catch (error) {
    $("lessons-list").replaceChildren(el("li", { className: "muted", text: "Your lessons are unavailable right now." }));
    showBanner(`Your lessons are unavailable: ${error.message}`, "error", refreshSidebars);
  }
}

async function refreshSidebars() {
  await Promise.all([refreshLessons(), refreshProgress()]);
  if (state.lesson) {
    // Re-tick exercises from the stored progress (e.g. after reopening a lesson).
    const entry = lessonProgressEntry();
    if (entry) {
      const done = new Set(entry.completed_exercises || []);
      for (const checkbox of document.querySelectorAll("#exercises input[type=checkbox]")) {
        checkbox.checked = done.has(checkbox.dataset.exerciseId);
        checkbox.closest(".exercise").classList.toggle("done", checkbox.checked);
      }
      updateLessonProgress();
    }
  }
}

// ---- start -------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  state.userId = initialUserId();
  $("user-id").value = state.userId;
  $("user-id").addEventListener("change", onUserChange);
  $("topic-select").addEventListener("change", showTopicSummary);
  $("generate").addEventListener("click", () => generateLesson());
  loadCurriculum();
  refreshSidebars();
  const linked = /^#lesson=([A-Za-z0-9_.@-]{1,64})$/.exec(location.hash);
  if (linked) openLesson(linked[1]);
});
