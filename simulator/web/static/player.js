// The course player: hands the raw launch URL to the simulator and shows the result.
// Every value that came from the URL or the server is set with textContent, never as HTML.

const $ = (selector, root = document) => root.querySelector(selector);
const byTestId = (id, root = document) => $(`[data-testid="${id}"]`, root);

const rawCourseId = location.pathname.split("/").filter(Boolean)[1] || "";
const courseId = (() => {
  try {
    return decodeURIComponent(rawCourseId);
  } catch {
    return rawCourseId; // a malformed %-escape: the server names the unknown course
  }
})();
const api = `/courses/${encodeURIComponent(courseId)}/api`;
let current = null;

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

function fill(list, items) {
  list.replaceChildren(...items);
}

async function call(method, path, body) {
  const response = await fetch(api + path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = { message: `the simulator answered ${response.status} without JSON` };
  }
  return { ok: response.ok, status: response.status, data };
}

function showWarnings(diagnostics) {
  const box = byTestId("launch-warnings");
  const warnings = (diagnostics || []).filter((d) => d.severity === "warning");
  if (!warnings.length) {
    box.hidden = true;
    return;
  }
  byTestId("warning-count", box).textContent = String(warnings.length);
  fill($("ul", box), warnings.map((d) => {
    const item = el("li", "", { "data-code": d.code });
    item.append(el("code", d.code), " ", d.message);
    return item;
  }));
  box.hidden = false;
}

function showError(data) {
  byTestId("loading").hidden = true;
  byTestId("player").hidden = true;
  const panel = byTestId("launch-error");
  const problems = data.problems && data.problems.length
    ? data.problems
    : [{ field: data.field || "", message: data.message || "the launch failed" }];
  fill(byTestId("launch-problems"), problems.map((p) => {
    const item = el("li", "", { "data-field": p.field || "", "data-code": p.code || "" });
    if (p.code) item.append(el("code", p.code), " ");
    item.append(p.message);
    return item;
  }));
  const fix = byTestId("launch-fix");
  fix.textContent = data.fixedUrl || "";
  fix.href = data.fixedUrl || "#";
  byTestId("launch-fix-box").hidden = !data.fixedUrl;
  byTestId("expected-url").textContent = data.expectedUrl ||
    `${location.origin}/courses/${courseId}/#/?reg=<UUID>&em=<email>&fn=First%20Last&dom=<your domain>&lmsId=<LMSID>`;
  panel.hidden = false;
  showWarnings(data.diagnostics);
  document.title = "Launch error · media77 simulator";
}

function renderLessons(view) {
  const lessons = view.course.lessons || [];
  const done = view.lessonsDone || 0;
  fill(byTestId("lessons"), lessons.map((title, index) => {
    const state = index < done ? "done" : index === done ? "current" : "todo";
    return el("li", title, { "data-testid": "lesson", "data-state": state });
  }));
  const button = byTestId("complete-lesson");
  button.hidden = view.completed;
  if (!view.completed && lessons[done] !== undefined) {
    button.textContent = `Complete lesson ${done + 1}: ${lessons[done]}`;
  }
  $(".lessons-block").hidden = false;
}

function renderEvent(view) {
  const course = view.course;
  const details = [];
  for (const [label, key] of [["Starts", "startsAt"], ["Location", "location"]]) {
    if (course[key]) details.push(el("dt", label), el("dd", course[key]));
  }
  fill(byTestId("event-details"), details);
  const { registered, attended } = view.event;
  byTestId("event-status").textContent = attended
    ? "You attended this event."
    : registered ? "You are registered. Mark your attendance after the event." : "You are not registered yet.";
  byTestId("register-event").hidden = registered;
  byTestId("attend-event").hidden = !registered || attended;
  $(".event-block").hidden = false;
}

function renderCurriculum(view) {
  fill(byTestId("curriculum-courses"), view.curriculum.map((course) => {
    const state = course.completed ? "completed" : course.started ? "in-progress" : "not-started";
    const label = course.completed ? "completed" : course.started ? `${course.progress}%` : "not started";
    const item = el("li", null, {
      "data-testid": "curriculum-course", "data-course-id": course.id, "data-state": state,
    });
    item.append(el("span", course.title), el("span", label, { class: "state" }));
    return item;
  }));
  $(".curriculum-block").hidden = false;
}

function render(view) {
  current = view;
  byTestId("loading").hidden = true;
  byTestId("launch-error").hidden = true;
  const kind = view.course.kind;
  byTestId("course-kind").textContent = kind;
  byTestId("course-title").textContent = view.course.title;
  byTestId("course-description").textContent = view.course.description || "";
  byTestId("learner-name").textContent = `${view.learner.firstName} ${view.learner.lastName}`;
  byTestId("learner-email").textContent = `(${view.learner.email})`;
  const progress = Number(view.progress) || 0;
  byTestId("progress").textContent = String(progress);
  $(".fill").style.width = `${progress}%`;
  $(".track").setAttribute("aria-valuenow", String(progress));
  if (kind === "course") renderLessons(view);
  if (kind === "event") renderEvent(view);
  if (kind === "curriculum") renderCurriculum(view);
  const completion = byTestId("completion");
  completion.hidden = !view.completed;
  byTestId("completion-code").textContent = view.completionCode || "";
  byTestId("player").hidden = false;
  document.title = `${view.course.title} · media77 simulator`;
}

async function act(button, path) {
  const note = byTestId("action-error");
  note.hidden = true;
  button.disabled = true;
  try {
    const reg = encodeURIComponent(current.registration.registration);
    const answer = await call("POST", `/registrations/${reg}/${path}`);
    if (answer.ok) render(answer.data);
    else {
      note.textContent = answer.data.message || `failed (${answer.status})`;
      note.hidden = false;
    }
  } catch (error) {
    note.textContent = `The simulator could not be reached: ${error}`;
    note.hidden = false;
  } finally {
    button.disabled = false;
  }
}

async function openHelp() {
  const dialog = byTestId("help-dialog");
  const answer = await call("GET", "/faq");
  const data = answer.ok ? answer.data : { questions: [], helpDesk: {} };
  byTestId("help-course").textContent = data.course && data.course.title ? data.course.title : "";
  fill(byTestId("faq"), (data.questions || []).flatMap((qa) => [
    el("dt", qa.question, { "data-testid": "faq-question" }), el("dd", qa.answer),
  ]));
  const desk = data.helpDesk || {};
  const items = [];
  if (desk.email) {
    const item = el("li", "E-mail: ");
    item.append(el("a", desk.email, { href: `mailto:${desk.email}` }));
    items.push(item);
  }
  if (desk.phone) items.push(el("li", `Phone: ${desk.phone}`));
  if (desk.hours) items.push(el("li", `Hours: ${desk.hours}`));
  if (desk.url && /^https?:\/\//.test(desk.url)) {
    const item = el("li", "Web: ");
    item.append(el("a", desk.url, { href: desk.url, rel: "noopener", target: "_blank" }));
    items.push(item);
  }
  fill(byTestId("help-desk"), items);
  if (!dialog.open) dialog.showModal();
}

async function launch() {
  try {
    const answer = await call("POST", "/launch", {
      hash: location.hash, search: location.search, referrer: document.referrer,
    });
    if (answer.ok) {
      render(answer.data);
      showWarnings(answer.data.diagnostics);
    } else showError(answer.data);
  } catch (error) {
    showError({ message: `The simulator could not be reached: ${error}` });
  }
}

byTestId("help").addEventListener("click", openHelp);
byTestId("complete-lesson").addEventListener("click", (e) => act(e.currentTarget, "complete-lesson"));
byTestId("register-event").addEventListener("click", (e) => act(e.currentTarget, "register"));
byTestId("attend-event").addEventListener("click", (e) => act(e.currentTarget, "attend"));
window.addEventListener("hashchange", () => {
  for (const id of ["player", "launch-error", "launch-warnings"]) byTestId(id).hidden = true;
  byTestId("loading").hidden = false;
  launch();
});
launch();
