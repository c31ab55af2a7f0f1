// The dashboard: a snapshot from /_sim/dashboard/state, then live from /_sim/events.
// No reloads, no CDN; every count, mark and row stays bounded however long it runs.

import { ApiError, json, request } from "./dashboard.api.js";
import { follow } from "./dashboard.stream.js";
import { Timeline, ms } from "./dashboard.timeline.js";
import { pagedTable, serverRows, shortId } from "./dashboard.tables.js";

const $ = (testid, root = document) => root.querySelector(`[data-testid="${testid}"]`);
const RENDER_EVERY_MS = 250;
const KEEP_DELIVERIES = 500;
const KEEP_MISSED = 500;

const state = {
  counts: {}, quotas: new Map(), clock: { now: 0, virtual: false, at: 0 },
  timelines: new Map(), subscriptions: new Map(), deliveries: [], missed: [], stream: null,
};

function showError(message) {
  const box = $("dashboard-error");
  box.textContent = message;
  box.hidden = !message;
}

function now() {
  const c = state.clock;
  return c.virtual ? c.now : c.now + (performance.now() - c.at);
}

// -- tiles -----------------------------------------------------------------------------

function renderTiles() {
  for (const name of ["registrations", "completions", "delivered", "failed", "dropped", "missed"]) {
    $(`tile-${name}`).querySelector(".value").textContent = String(state.counts[name] ?? 0);
  }
  const items = [...state.quotas.values()].map((q) => {
    const li = document.createElement("li");
    li.setAttribute("data-testid", "quota-row");
    li.title = `token ${q.token}, resets ${q.resetsAt ?? ""}`;
    const who = document.createElement("span");
    who.textContent = q.name || shortId(q.token);
    const used = document.createElement("b");
    used.textContent = `${q.used}/${q.limit}`;
    li.append(who, used);
    return li;
  });
  $("tile-quota").querySelector(".quotas").replaceChildren(...items);
}

function renderClock() {
  const t = now();
  $("clock").textContent = Number.isFinite(t) && t ? new Date(t).toISOString().replace("T", " ").slice(0, 19) : "…";
  $("clock").dateTime = Number.isFinite(t) && t ? new Date(t).toISOString() : "";
}

// -- timelines -------------------------------------------------------------------------

function card(id) {
  let timeline = state.timelines.get(id);
  if (timeline) return timeline;
  timeline = new Timeline(id);
  state.timelines.set(id, timeline);
  const section = document.createElement("article");
  section.className = "sub";
  section.setAttribute("data-testid", `subscription-${id}`);
  const header = document.createElement("header");
  const name = document.createElement("b");
  name.textContent = id;
  const url = document.createElement("span");
  url.className = "url";
  url.setAttribute("data-testid", "subscription-url");
  const status = document.createElement("span");
  status.className = "state";
  status.setAttribute("data-testid", "outage-state");
  const mode = document.createElement("select");
  mode.setAttribute("aria-label", `outage mode for ${id}`);
  mode.setAttribute("data-testid", "outage-mode");
  for (const [value, text] of [["refuse", "refuse connections"], ["timeout", "time out"], ["status:503", "answer 503"], ["status:500", "answer 500"]]) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = text;
    mode.append(option);
  }
  const start = button("outage-start", `Start outage on ${id}`, "Start outage", async () => {
    await json(`/_sim/webhooks/${encodeURIComponent(id)}/outages`, { method: "POST", body: { duration: 366 * 86400, mode: mode.value } });
  });
  const end = button("outage-end", `End outages on ${id}`, "End outage", async () => {
    await json(`/_sim/webhooks/${encodeURIComponent(id)}/outages`, { method: "DELETE" });
  });
  header.append(name, url, status, mode, start, end);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 1000 130");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `delivery attempts of ${id} over time`);
  svg.setAttribute("data-testid", `timeline-${id}`);
  section.append(header, svg);
  $("timelines").append(section);
  $("no-subscriptions").hidden = true;
  timeline.svg = svg;
  timeline.status = status;
  timeline.url = url;
  if (!state.subscriptions.has(id)) {  // created after the page loaded: ask for its address
    json(`/_sim/webhooks/${encodeURIComponent(id)}`).then(({ data }) => describe(data), () => {});
  }
  return timeline;
}

function describe(sub) {
  state.subscriptions.set(sub.id, sub);
  const timeline = card(sub.id);
  timeline.url.textContent = sub.url;
  timeline.url.title = sub.url;
}

function button(testid, label, text, action) {
  const node = document.createElement("button");
  node.type = "button";
  node.textContent = text;
  node.setAttribute("aria-label", label);
  node.setAttribute("data-testid", testid);
  node.addEventListener("click", async () => {
    node.disabled = true;
    try {
      await action();
      showError("");
    } catch (error) {
      showError(error instanceof ApiError ? error.message : String(error));
    } finally {
      node.disabled = false;
    }
  });
  return node;
}

function renderTimelines() {
  const t = now();
  for (const timeline of state.timelines.values()) {
    const active = timeline.activeOutage(t);
    const text = active ? `outage on (${active.mode})` : "no outage";
    if (timeline.status.textContent !== text) {
      timeline.status.textContent = text;
      timeline.status.setAttribute("data-outage", active ? "on" : "off");
    }
    if (timeline.dirty || !state.clock.virtual) timeline.render(timeline.svg, t);
  }
}

// -- tables ----------------------------------------------------------------------------

const tables = {
  registrations: pagedTable($("table-registrations"), serverRows("/_sim/registrations", (r) => [
    shortId(r.registration, r.registration), r.courseId, `${r.firstName} ${r.lastName}`,
    `${r.progress}%`, shortId(r.completionCode, r.completionCode), r.transactionId ?? "",
  ])),
  launches: pagedTable($("table-launches"), serverRows("/_sim/launches", (e) => [
    e.at, e.source, e.courseId, e.outcome, shortId(e.registration, e.registration),
    notes(e),
  ])),
  deliveries: pagedTable($("table-deliveries"), {
    load: async (offset, limit) => ({ rows: state.deliveries.slice(offset, offset + limit), total: state.deliveries.length }),
    cells: (a) => [a.at, a.webhookId, a.bundleId, a.attempt, { text: a.outcome, className: `outcome-${a.outcome}` },
      a.status ?? "", { text: a.error || "", wrap: true }],
  }),
  missed: pagedTable($("table-missed"), {
    load: async (offset, limit) => ({ rows: state.missed.slice(offset, offset + limit), total: state.missed.length }),
    cells: (m) => [m.transactionId, shortId(m.registration, m.registration), m.webhookId, m.bundleId, m.reason],
  }),
};

function notes(entry) {
  const messages = [...(entry.problems || []), ...(entry.diagnostics || [])].map((p) => p.message);
  const text = [...new Set(messages)].join(" | ");
  return text.length > 140 ? { text: `${text.slice(0, 140)}…`, title: text, wrap: true } : { text, wrap: true };
}

let refreshTimer = null;
function refreshSoon(...names) {
  for (const name of names) tables[name].stale = true;
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    for (const table of Object.values(tables)) if (table.stale) { table.stale = false; table.refresh(); }
  }, 500);
}

// -- events ----------------------------------------------------------------------------

function onEvent(event) {
  switch (event.type) {
    case "transaction":
      if (event.kind === "started") state.counts.registrations += 1;
      if (event.kind === "completions") state.counts.completions += 1;
      refreshSoon("registrations", "launches");
      break;
    case "attempt":
      state.counts[event.outcome] = (state.counts[event.outcome] ?? 0) + 1;
      card(event.webhookId).addAttempt(event);
      state.deliveries.unshift(event);
      if (state.deliveries.length > KEEP_DELIVERIES) state.deliveries.length = KEEP_DELIVERIES;
      refreshSoon("deliveries");
      break;
    case "missed":
      state.counts.missed += event.transactionIds.length;
      card(event.webhookId).addMissed(event);
      event.transactionIds.forEach((tx, i) => state.missed.unshift({ ...event, transactionId: tx, registration: event.registrations[i] }));
      if (state.missed.length > KEEP_MISSED) state.missed.length = KEEP_MISSED;
      refreshSoon("missed");
      break;
    case "outageStart":
      card(event.webhookId).addOutage(event);
      break;
    case "outageEnd":
      card(event.webhookId).endOutages(event.at);
      break;
    case "quota": {
      const known = state.quotas.get(event.token) || {};
      state.quotas.set(event.token, { ...known, ...event });
      break;
    }
    case "clock":
      state.clock = { now: ms(event.now), virtual: event.virtual, at: performance.now() };
      break;
    case "reset": case "resync": case "gap":
      start();  // the simulator was reset (or we fell too far behind): begin again from a snapshot
      return "stop";
    default:
      break;
  }
  dirty = true;
  return undefined;
}

let dirty = true;
setInterval(() => {
  renderClock();
  if (dirty || !state.clock.virtual) {
    dirty = false;
    renderTiles();
    renderTimelines();
  }
}, RENDER_EVERY_MS);

// -- start -----------------------------------------------------------------------------

async function start() {
  if (state.stream) state.stream.abort();
  const stream = new AbortController();
  state.stream = stream;
  let snapshot;
  try {
    snapshot = (await json("/_sim/dashboard/state")).data;
  } catch (error) {
    showError(`Cannot read the simulator's state: ${error.message}. Reload to try again.`);
    return;
  }
  showError("");
  $("environment").textContent = `(${snapshot.environment})`;
  state.counts = { ...snapshot.counts };
  state.clock = { now: ms(snapshot.clock.now), virtual: snapshot.clock.virtual, at: performance.now() };
  $("clock-kind").textContent = snapshot.clock.virtual ? "virtual" : "system";
  $("clock-form").hidden = !snapshot.clock.virtual;
  state.quotas = new Map(snapshot.quotas.map((q) => [q.token, q]));
  state.timelines = new Map();
  $("timelines").replaceChildren();
  for (const sub of snapshot.subscriptions) describe(sub);
  const remembered = new Set(snapshot.outages.map((o) => `${o.webhookId}/${o.id}`));
  for (const outage of snapshot.outages) {
    if (state.subscriptions.has(outage.webhookId)) card(outage.webhookId).addOutage(outage);
  }
  for (const sub of snapshot.subscriptions) {
    for (const outage of sub.outages) {
      if (!remembered.has(`${sub.id}/${outage.id}`)) card(sub.id).addOutage(outage);
    }
  }
  $("no-subscriptions").hidden = snapshot.subscriptions.length > 0;
  for (const attempt of snapshot.attempts) card(attempt.webhookId).addAttempt(attempt);
  state.deliveries = snapshot.attempts.slice(-KEEP_DELIVERIES).reverse();
  state.missed = snapshot.missed.slice().reverse();
  for (const m of snapshot.missed) card(m.webhookId).addMissed({ ...m, transactionIds: [m.transactionId] });
  for (const table of Object.values(tables)) table.refresh();
  dirty = true;
  const status = $("stream-status");
  follow(snapshot.lastEventId, {
    signal: stream.signal,
    onEvent,
    onStatus: (s) => { status.textContent = s === "live" ? "live" : "reconnecting…"; status.dataset.state = s; },
  });
}

$("clock-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("advance-amount");
  const submit = $("advance-clock");
  submit.disabled = true;
  try {
    const moved = (await json("/_sim/clock", { method: "POST", body: { advance: Number(input.value) } })).data;
    state.clock = { now: ms(moved.now), virtual: true, at: performance.now() };
    dirty = true;
    showError("");
  } catch (error) {
    showError(error.message);
  } finally {
    submit.disabled = false;
  }
});

$("reset-quota").addEventListener("click", async () => {
  try {
    for (const token of state.quotas.keys()) {
      await json("/_sim/quota", { method: "PATCH", body: { token, used: 0 } });
    }
    showError("");
  } catch (error) {
    showError(error.message);
  }
});

window.addEventListener("unhandledrejection", (event) => showError(String(event.reason)));
start();
