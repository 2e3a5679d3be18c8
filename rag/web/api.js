// The HTTP API as the page uses it (see README "HTTP API" and rag/wire/).

/** An error worth showing to the reader, with the server's code when there is one. */
export class ApiError extends Error {
  constructor(message, { code = "error", status = 0 } = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
  }
}

const UNREACHABLE =
  "Can't reach the server. Check that it is running, then try again.";

/** The server's `{"error": {"code", "message"}}`, or a plain description of the status. */
async function errorFrom(response) {
  let code = "http_" + response.status;
  let message = null;
  let field = "";
  try {
    const body = await response.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || null;
      field = String(body.error.field || "");
    }
  } catch {
    // not JSON: describe the status instead
  }
  if (response.status === 422) {
    const what = field.startsWith("filters") ? "Those filters can't be used"
      : "That question can't be asked";
    return new ApiError(message ? `${what}: ${message}` : `${what}.`, { code, status: 422 });
  }
  if (response.status >= 500) {
    const detail = message ? `: ${message}` : ".";
    return new ApiError(`The server ran into a problem (${response.status})${detail}`,
      { code, status: response.status });
  }
  return new ApiError(message || `The server answered ${response.status}.`,
    { code, status: response.status });
}

async function request(url, options) {
  let response;
  try {
    response = await fetch(url, options);
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    throw new ApiError(UNREACHABLE, { code: "unreachable" });
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

export async function getJson(url) {
  const response = await request(url, { headers: { Accept: "application/json" } });
  return response.json();
}

export const health = () => getJson("/api/health");

/**
 * One page of the article list: `{documents, total, offset, limit, outlets}`. Options:
 * q (words in the title or outlet), sort (newest, oldest, title, added), offset, limit.
 */
export function listDocuments(options = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(options)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const query = params.toString();
  return getJson(`/api/documents${query ? `?${query}` : ""}`);
}

/** A document's text and metadata; with a span, the server also returns the highlight. */
export function getDocument(documentId, start, end) {
  const query = Number.isInteger(start) && Number.isInteger(end)
    ? `?${new URLSearchParams({ start: String(start), end: String(end) })}` : "";
  return getJson(`/api/documents/${encodeURIComponent(documentId)}${query}`);
}

/** Split an SSE buffer into complete `event:`/`data:` blocks and the unfinished rest. */
export function parseSseBlocks(buffer) {
  const parts = buffer.split(/\r\n\r\n|\n\n|\r\r/);
  const rest = parts.pop();
  const events = [];
  for (const block of parts) {
    let name = "message";
    const data = [];
    for (const line of block.split(/\r\n|\n|\r/)) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") name = value;
      else if (field === "data") data.push(value);
    }
    if (data.length) events.push({ name, data: data.join("\n") });
  }
  return { events, rest };
}

/**
 * POST /api/ask/stream and call `on.sources`, `on.delta` as events arrive; resolves with
 * the final answer JSON. `filters` (outlets, published_from/to, document_ids) is sent only
 * when given. An `error` event, an HTTP error or a cut stream reject with ApiError.
 */
export async function askStream({ question, history, filters, signal }, on = {}) {
  const response = await request("/api/ask/stream", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify(filters ? { question, history, filters } : { question, history }),
    signal,
  });
  if (!response.body) throw new ApiError("This browser can't read streamed answers.");
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let answer = null;
  const handle = (event) => {
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      throw new ApiError("The server sent a garbled answer.", { code: "bad_stream" });
    }
    if (event.name === "sources") on.sources?.(data.sources || []);
    else if (event.name === "delta") on.delta?.(data.text || "");
    else if (event.name === "answer") answer = data;
    else if (event.name === "error") {
      const error = data.error || {};
      throw new ApiError(error.message || "The answer failed.", { code: error.code || "error" });
    }
  };
  try {
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (error && error.name === "AbortError") throw error;
        throw new ApiError("The connection dropped while the answer was streaming.",
          { code: "unreachable" });
      }
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      const parsed = parseSseBlocks(buffer);
      buffer = parsed.rest;
      parsed.events.forEach(handle);
    }
    buffer += decoder.decode();
    parseSseBlocks(buffer + "\n\n").events.forEach(handle);
  } catch (error) {
    reader.cancel().catch(() => {}); // stop the download of an answer nobody will read
    throw error;
  }
  if (!answer) throw new ApiError("The answer stream ended early. Try again.", { code: "cut" });
  return answer;
}
