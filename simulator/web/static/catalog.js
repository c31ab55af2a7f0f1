// The catalog page: lists activities and builds launch URLs with a fresh UUID.
// Values are set with textContent and element properties, never as HTML.

const data = JSON.parse(document.getElementById("catalog-data").textContent);
const $ = (id) => document.querySelector(`[data-testid="${id}"]`);

function uuid4() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function option(value, label) {
  const node = document.createElement("option");
  node.value = value;
  node.textContent = label;
  return node;
}

function defaultDomain(org) {
  const plain = org.domains.find((d) => !d.startsWith("*."));
  return plain || `lms.${org.domains[0].slice(2)}`;
}

function launchUrl() {
  const params = [
    ["reg", $("builder-reg").value.trim()],
    ["em", $("builder-em").value.trim()],
    ["fn", $("builder-fn").value.trim()],
    ["dom", $("builder-dom").value.trim()],
    ["lmsId", $("builder-lmsid").value.trim()],
  ].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
  const course = encodeURIComponent($("builder-course").value);
  return `${location.origin}/courses/${course}/#/?${params}`;
}

function update() {
  const url = launchUrl();
  $("launch-url").textContent = url;
  $("open-launch").href = url;
}

function chooseOrg() {
  const org = data.organizations.find((o) => o.id === $("builder-org").value);
  if (!org) return;
  $("builder-dom").value = defaultDomain(org);
  $("builder-lmsid").value = org.lmsId;
  update();
}

$("environment").textContent = data.environment;
$("builder-course").replaceChildren(
  ...data.courses.map((c) => option(c.id, `${c.title} (${c.kind})`)),
);
$("builder-org").replaceChildren(...data.organizations.map((o) => option(o.id, o.name)));
$("builder-reg").value = uuid4();
chooseOrg();

$("builder-org").addEventListener("change", chooseOrg);
$("launch-builder").addEventListener("input", update);
$("builder-course").addEventListener("change", () => {
  $("builder-reg").value = uuid4();
  update();
});
$("builder-new-reg").addEventListener("click", () => {
  $("builder-reg").value = uuid4();
  update();
});
$("copy-launch").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(launchUrl());
    $("copy-note").textContent = "copied";
  } catch {
    $("copy-note").textContent = "select the URL above and copy it";
  }
});

const rows = data.courses.map((c) => {
  const row = document.createElement("tr");
  row.setAttribute("data-course-id", c.id);
  const content = c.kind === "course" ? `${c.lessons} lessons`
    : c.kind === "curriculum" ? `courses: ${c.courses.join(", ")}` : "register, then attend";
  const title = document.createElement("td");
  const strong = document.createElement("strong");
  strong.textContent = c.title;
  const desc = document.createElement("div");
  desc.className = "fine";
  desc.textContent = c.description;
  title.append(strong, desc);
  const cells = [c.kind, content].map((text) => {
    const td = document.createElement("td");
    td.textContent = text;
    return td;
  });
  const url = document.createElement("td");
  const link = document.createElement("a");
  link.href = `/courses/${encodeURIComponent(c.id)}/`;
  link.textContent = `/courses/${c.id}/`;
  url.append(link);
  row.append(title, ...cells, url);
  return row;
});
document.querySelector('[data-testid="catalog"] tbody').replaceChildren(...rows);
update();
