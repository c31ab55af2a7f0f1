// One subscription's delivery timeline as SVG, on the simulator's clock.
// Bounded whatever the load: the newest MAX_MARKS attempts are drawn one by one;
// older ones fold into per-interval count bars (the interval doubles when there
// are more than MAX_BUCKETS), so the DOM stays the same size after warm-up.

const SVG = "http://www.w3.org/2000/svg";
export const MAX_MARKS = 150;
const MAX_BUCKETS = 60;
const MAX_MISSED = 60;
const MAX_OUTAGES = 20;
const W = 1000, LEFT = 78, RIGHT = 12;
const LANES = { delivered: 22, failed: 46, dropped: 70, missed: 94 };
const LABELS = { delivered: "● delivered", failed: "▲ failed", dropped: "✖ dropped", missed: "◆ missed" };
const SHAPES = {
  delivered: "M0,-5A5,5 0 1,0 0.01,-5Z",
  failed: "M0,-6L5.5,4H-5.5Z",
  dropped: "M-5,-5L5,5M-5,5L5,-5",
  missed: "M0,-6L6,0L0,6L-6,0Z",
};
const AXIS_Y = 118;

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function titled(node, text) {
  node.append(el("title", {}, text));
  return node;
}

export function ms(iso) {
  return Date.parse(iso.endsWith("Z") ? iso : `${iso}Z`);
}

function label(t, span) {
  const iso = new Date(t).toISOString();
  return span > 36 * 3600e3 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 19);
}

export class Timeline {
  constructor(id) {
    this.id = id;
    this.marks = [];
    this.older = new Map(); // bucket start (ms) -> {delivered, failed, dropped, missed}
    this.bucketMs = 1000;
    this.missed = [];
    this.outages = [];
    this.dirty = true;
  }

  addAttempt(a) {
    const mark = { t: ms(a.at), outcome: a.outcome, bundle: a.bundleId, attempt: a.attempt,
      text: `${a.bundleId} try ${a.attempt}: ${a.outcome}${a.status ? ` (${a.status})` : ""}` +
        `${a.error ? ` ${a.error}` : ""} at ${a.at}` };
    this.marks.push(mark);
    if (this.marks.length > MAX_MARKS) {
      const oldest = this.marks.shift();
      this.foldMark(oldest, LANES[oldest.outcome] ? oldest.outcome : "failed");
    }
    this.dirty = true;
  }

  foldMark(mark, lane) {
    const key = Math.floor(mark.t / this.bucketMs) * this.bucketMs;
    const bucket = this.older.get(key) || { delivered: 0, failed: 0, dropped: 0, missed: 0 };
    bucket[lane] += mark.count || 1;
    this.older.set(key, bucket);
    while (this.older.size > MAX_BUCKETS) this.coarsen();
  }

  coarsen() {
    this.bucketMs *= 2;
    const merged = new Map();
    for (const [key, b] of this.older) {
      const k = Math.floor(key / this.bucketMs) * this.bucketMs;
      const into = merged.get(k) || { delivered: 0, failed: 0, dropped: 0, missed: 0 };
      for (const lane of Object.keys(into)) into[lane] += b[lane];
      merged.set(k, into);
    }
    this.older = merged;
  }

  addMissed(m) {
    const count = (m.transactionIds || []).length || 1;
    this.missed.push({ t: ms(m.at), count, text: `${count} missed (${m.reason}) ${m.bundleId} at ${m.at}` });
    if (this.missed.length > MAX_MISSED) this.foldMark(this.missed.shift(), "missed");
    this.dirty = true;
  }

  addOutage(o) {
    this.outages.push({ id: o.id, start: ms(o.start), end: ms(o.end), mode: o.mode,
      endedAt: o.endedAt ? ms(o.endedAt) : null });
    if (this.outages.length > MAX_OUTAGES) this.outages.shift();
    this.dirty = true;
  }

  endOutages(at) {
    const t = ms(at);
    for (const o of this.outages) if (o.endedAt === null && o.end > t) o.endedAt = Math.max(o.start, t);
    this.dirty = true;
  }

  activeOutage(now) {
    return this.outages.find((o) => o.start <= now && now < (o.endedAt ?? o.end)) || null;
  }

  domain(now) {
    let t0 = now - 30e3;
    for (const m of this.marks) t0 = Math.min(t0, m.t);
    for (const m of this.missed) t0 = Math.min(t0, m.t);
    for (const k of this.older.keys()) t0 = Math.min(t0, k);
    for (const o of this.outages) if ((o.endedAt ?? o.end) > t0 || o.start >= t0) t0 = Math.min(t0, o.start);
    let t1 = now;
    for (const m of this.marks) t1 = Math.max(t1, m.t);
    const pad = (t1 - t0) * 0.02;
    return [t0 - pad, t1 + pad];
  }

  render(svg, now) {
    const [t0, t1] = this.domain(now);
    const span = Math.max(1, t1 - t0);
    const x = (t) => LEFT + ((t - t0) / span) * (W - LEFT - RIGHT);
    const nodes = [];
    for (const o of this.outages) {
      const end = Math.min(o.endedAt ?? o.end, Math.max(now, o.start));
      const open = o.endedAt === null && o.end > now;
      const x0 = x(o.start), x1 = Math.max(x0 + 2, x(open ? now : end));
      nodes.push(titled(el("rect", { class: `window${open ? " open" : ""}`, x: x0, y: 8, width: x1 - x0, height: 96,
        "data-testid": "outage-window" }), `outage (${o.mode}) from ${new Date(o.start).toISOString()}`));
      nodes.push(el("text", { x: x0 + 3, y: 18 }, `▨ outage ${o.mode}${open ? " (on)" : ""}`));
    }
    for (const [lane, y] of Object.entries(LANES)) {
      nodes.push(el("line", { class: "lane", x1: LEFT, x2: W - RIGHT, y1: y, y2: y }));
      nodes.push(el("text", { x: 4, y: y + 4 }, LABELS[lane]));
    }
    for (const [key, b] of this.older) {
      const bx = x(key), bw = Math.max(2, x(key + this.bucketMs) - bx - 1);
      for (const lane of Object.keys(LANES)) {
        if (!b[lane]) continue;
        const h = Math.min(18, 3 + 3 * Math.log2(1 + b[lane]));
        nodes.push(titled(el("rect", { class: `older ${lane}`, x: bx, y: LANES[lane] + 9 - h, width: bw, height: h,
          "fill-opacity": 0.45 }), `${b[lane]} ${lane} (older, folded)`));
      }
    }
    const bundles = new Map();
    for (const m of this.marks) {
      const list = bundles.get(m.bundle);
      if (list) list.push(m); else bundles.set(m.bundle, [m]);
    }
    for (const list of bundles.values()) {
      if (list.length < 2) continue;
      const d = list.map((m, i) => `${i ? "L" : "M"}${x(m.t).toFixed(1)},${LANES[m.outcome] ?? LANES.failed}`).join("");
      nodes.push(el("path", { class: "join", d }));
    }
    for (const m of this.marks) {
      const lane = LANES[m.outcome] ? m.outcome : "failed";
      nodes.push(titled(el("path", { class: `mark ${lane}`, d: SHAPES[lane], "data-outcome": lane,
        transform: `translate(${x(m.t).toFixed(1)},${LANES[lane]})` }), m.text));
    }
    for (const m of this.missed) {
      nodes.push(titled(el("path", { class: "mark missed", d: SHAPES.missed, "data-outcome": "missed",
        transform: `translate(${x(m.t).toFixed(1)},${LANES.missed})` }), m.text));
      if (m.count > 1) nodes.push(el("text", { x: x(m.t) + 7, y: LANES.missed + 4 }, `×${m.count}`));
    }
    nodes.push(el("line", { class: "grid", x1: LEFT, x2: W - RIGHT, y1: AXIS_Y - 8, y2: AXIS_Y - 8 }));
    for (let i = 0; i <= 6; i++) {
      const t = t0 + (span * i) / 6, tx = x(t);
      nodes.push(el("line", { class: "grid", x1: tx, x2: tx, y1: AXIS_Y - 11, y2: AXIS_Y - 5 }));
      nodes.push(el("text", { x: tx, y: AXIS_Y + 6, "text-anchor": i === 0 ? "start" : i === 6 ? "end" : "middle" },
        label(t, span)));
    }
    nodes.push(el("text", { x: 4, y: AXIS_Y + 6 }, "UTC (sim)"));
    svg.replaceChildren(...nodes);
    svg.setAttribute("data-marks", String(this.marks.length));
    this.dirty = false;
  }
}
