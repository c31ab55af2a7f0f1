// GET /_sim/events read with fetch (EventSource cannot send the admin token), resuming
// with Last-Event-ID after any disconnection, so nothing still logged is missed.

import { authHeaders } from "./dashboard.api.js";

const RETRY_MS = 1000;

function parseBlock(block) {
  let id = null;
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "id") id = value;
    else if (field === "data") data.push(value);
  }
  return { id, data: data.length ? data.join("\n") : null };
}

// Follows the stream from `lastEventId`, calling onEvent(event) for each; stops when
// `signal` aborts. onStatus("live" | "down") reports the connection.
export async function follow(lastEventId, { onEvent, onStatus, signal }) {
  let last = lastEventId;
  while (!signal.aborted) {
    try {
      const headers = { Accept: "text/event-stream", ...authHeaders() };
      if (last) headers["Last-Event-ID"] = last;
      const answer = await fetch("/_sim/events", { headers, signal, cache: "no-store" });
      if (!answer.ok || !answer.body) throw new Error(`events: HTTP ${answer.status}`);
      onStatus("live");
      const reader = answer.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, "\n");
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const { id, data } = parseBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (id !== null) last = id;
          if (data !== null && onEvent(JSON.parse(data)) === "stop") return;
        }
      }
    } catch (error) {
      if (signal.aborted) return;
    }
    onStatus("down");
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}
