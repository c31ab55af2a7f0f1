// Webhook deliveries for the dashboard, when the simulator serves /_sim/deliveries.
// On a 404 (or anything unexpected) the section simply stays hidden.

const section = document.querySelector('[data-testid="dashboard-deliveries"]');

function cell(value) {
  const td = document.createElement("td");
  td.textContent = value === null || value === undefined ? "" : String(value);
  return td;
}

async function load() {
  let answer;
  try {
    answer = await fetch("/_sim/deliveries?limit=25", { headers: { Accept: "application/json" } });
  } catch {
    return;
  }
  if (!answer.ok) return;
  let data;
  try {
    data = await answer.json();
  } catch {
    return;
  }
  const attempts = Array.isArray(data) ? data : Array.isArray(data.deliveries) ? data.deliveries : null;
  if (!attempts) return;
  const rows = attempts.slice(0, 25).map((a) => {
    const row = document.createElement("tr");
    row.setAttribute("data-testid", "delivery");
    row.append(
      cell(a.at), cell(a.webhookId), cell(a.bundleId), cell(a.attempt),
      cell(a.outcome), cell(a.status), cell(a.error),
    );
    return row;
  });
  section.querySelector("tbody").replaceChildren(...rows);
  section.hidden = false;
}

load();
