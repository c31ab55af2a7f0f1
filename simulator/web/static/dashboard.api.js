// Requests to the control API, with the admin token when the simulator needs one.
// The token is taken once (?token= in the address, or a prompt after a 401), kept in
// sessionStorage for this tab only, and removed from the address bar.

const KEY = "media77-sim-admin-token";

function takeTokenFromAddress() {
  const params = new URLSearchParams(location.search);
  if (!params.has("token")) return;
  sessionStorage.setItem(KEY, params.get("token") || "");
  params.delete("token");
  const rest = params.toString();
  history.replaceState(null, "", location.pathname + (rest ? `?${rest}` : "") + location.hash);
}
takeTokenFromAddress();

export function authHeaders() {
  const token = sessionStorage.getItem(KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

function askForToken() {
  const given = window.prompt("This simulator needs its admin token (MEDIA77_SIM_ADMIN_TOKEN):");
  if (!given) return false;
  sessionStorage.setItem(KEY, given.trim());
  return true;
}

// fetch with the token; on a 401 ask once for the token and try again.
export async function request(path, { method = "GET", body, headers = {}, signal } = {}) {
  for (let tries = 0; ; tries++) {
    const init = { method, signal, headers: { Accept: "application/json", ...authHeaders(), ...headers } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
    const answer = await fetch(path, init);
    if (answer.status === 401 && tries === 0 && askForToken()) continue;
    return answer;
  }
}

export async function json(path, options) {
  const answer = await request(path, options);
  const text = await answer.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!answer.ok) throw new ApiError(answer.status, data);
  return { data, total: Number(answer.headers.get("X-Total-Count") || 0) };
}
