// Live updates: while she is signed in, the page holds one subscription to the
// change feed (graphql/Changes.graphql) over GraphQL over Server-Sent Events
// (graphql-sse's distinct-connections mode, as OrgGraph serves it at
// /graphql): a POST with `Accept: text/event-stream` and her token, read as a
// stream with fetch. The server sends only changes in her scope. A dropped
// stream is opened again after a pause that doubles (1 s … 30 s), from the
// last cursor received, so no change is missed or seen twice (dropped before
// the first change came, it has no cursor: the view is refetched once); an expired or
// refused token ends it (the page goes back to sign-in with the reason).

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SIGNED_OUT = new Set(["UNAUTHENTICATED", "TOKEN_EXPIRED"]);

/** The events of an SSE body: [event name, data] pairs. */
async function* serverSentEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, "\n");
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (!line || line.startsWith(":")) continue; // a comment: the server's keep-alive ping
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = text;
        else if (field === "data") data.push(text);
      }
      if (data.length || event !== "message") yield [event, data.join("\n")];
    }
  }
}

/**
 * Follow the change feed with `token`: `onChange(change)` for each change
 * received, `onSignedOut(reason)` when the token is refused or expires (the
 * subscription then ends), `onState("live" | "retrying")` as the stream opens
 * and drops. `query()` gives the subscription's text. Returns { stop() }.
 */
export function follow({ query, token, onChange, onSignedOut, onState = () => {} }) {
  const controller = new AbortController();
  let after = null;
  let opened = false;
  let pause = 0;
  let stopped = false;

  async function once() {
    const response = await fetch("/graphql", {
      method: "POST",
      signal: controller.signal,
      headers: { "Content-Type": "application/json", Accept: "text/event-stream", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: await query(), variables: { after }, operationName: "Changes" }),
    });
    if (response.status === 401) {
      const body = await response.json().catch(() => null);
      const first = body && body.errors && body.errors[0];
      return first ? first.message : "HTTP 401";
    }
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    pause = 0;
    onState("live");
    // Dropped before any change came: there is no cursor to resume from, so
    // what happened meanwhile is unknown; the view is refetched once.
    if (opened && after === null) onChange(null);
    opened = true;
    for await (const [event, data] of serverSentEvents(response.body)) {
      if (event === "complete") return null; // the server is shutting down: open again
      if (event !== "next") continue;
      const result = JSON.parse(data);
      const first = result.errors && result.errors[0];
      if (first) {
        const code = first.extensions && first.extensions.code;
        if (SIGNED_OUT.has(code)) return first.message;
        // Retention passed the cursor: start afresh (the view is refetched once).
        if (code === "CURSOR_EXPIRED") {
          after = null;
          onChange(null);
        }
        throw new Error(first.message);
      }
      after = result.data.changes.cursor;
      onChange(result.data.changes);
    }
    return null;
  }

  (async () => {
    while (!stopped) {
      try {
        const refused = await once();
        if (refused != null) {
          stopped = true;
          onSignedOut(refused);
          return;
        }
      } catch (e) {
        if (stopped) return;
      }
      onState("retrying");
      pause = Math.min(pause ? pause * 2 : 1000, 30000);
      await sleep(pause * (0.75 + Math.random() * 0.5));
    }
  })();

  return {
    token,
    stop() {
      stopped = true;
      controller.abort();
    },
  };
}
