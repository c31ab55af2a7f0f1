// Paged tables: a page of rows at a time (server-paged or from a bounded buffer),
// short ids with the full value on hover.

import { json } from "./dashboard.api.js";

const PAGE = 10;

export function shortId(value, full) {
  const text = value === null || value === undefined ? "" : String(value);
  if (text.length <= 13) return text;
  return { text: `${text.slice(0, 8)}…`, title: full || text };
}

function cell(value) {
  const td = document.createElement("td");
  const spec = value !== null && typeof value === "object" ? value : { text: value };
  td.textContent = spec.text === null || spec.text === undefined ? "" : String(spec.text);
  if (spec.title) td.title = spec.title;
  if (spec.wrap) td.className = "wrap";
  if (spec.className) td.className = spec.className;
  return td;
}

export function serverRows(path, cells) {
  return {
    load: async (offset, limit) => {
      const { data, total } = await json(`${path}?limit=${limit}&offset=${offset}`);
      return { rows: data, total };
    },
    cells,
  };
}

export function pagedTable(panel, { load, cells }) {
  const body = panel.querySelector("tbody");
  const pager = panel.querySelector(".pager");
  const name = panel.querySelector("h2").textContent;
  const prev = document.createElement("button");
  prev.type = "button";
  prev.textContent = "‹ newer";
  prev.setAttribute("aria-label", `${name}: newer page`);
  const next = document.createElement("button");
  next.type = "button";
  next.textContent = "older ›";
  next.setAttribute("aria-label", `${name}: older page`);
  const where = document.createElement("span");
  where.setAttribute("data-testid", "page");
  pager.append(prev, where, next);
  const table = { page: 0, stale: false };
  table.refresh = async () => {
    let answer;
    try {
      answer = await load(table.page * PAGE, PAGE);
    } catch {
      return;  // a table that cannot load (area not served) stays as it was
    }
    const pages = Math.max(1, Math.ceil(answer.total / PAGE));
    if (table.page >= pages) { table.page = pages - 1; return table.refresh(); }
    body.replaceChildren(...answer.rows.map((row) => {
      const tr = document.createElement("tr");
      tr.append(...cells(row).map(cell));
      return tr;
    }));
    where.textContent = `${answer.total ? table.page * PAGE + 1 : 0}–${table.page * PAGE + answer.rows.length} of ${answer.total}`;
    prev.disabled = table.page === 0;
    next.disabled = table.page >= pages - 1;
  };
  prev.addEventListener("click", () => { table.page = Math.max(0, table.page - 1); table.refresh(); });
  next.addEventListener("click", () => { table.page += 1; table.refresh(); });
  return table;
}
