// graphql-ws (graphql-transport-ws over WebSocket) and graphql-sse (distinct
// connections mode) subscribing to OrgGraph's change feed: each takes the
// first COUNT changes after AFTER and prints them as JSON, with what a bad
// token gets over WebSocket.
import { createClient as wsClient } from "graphql-ws";
import { createClient as sseClient } from "graphql-sse";
import WebSocket from "ws";

const url = process.env.API_URL;
const token = process.env.TOKEN;
const count = Number(process.env.COUNT || "1");
const after = process.env.AFTER || null;
const query = `subscription($after: String) {
  changes(after: $after) { cursor operation objects { type id change } } }`;

function take(client, n) {
  return new Promise((resolve, reject) => {
    const got = [];
    const stop = client.subscribe(
      { query, variables: { after } },
      {
        next: (result) => {
          if (result.errors) { reject(new Error(JSON.stringify(result.errors))); return; }
          got.push(result.data.changes);
          if (got.length === n) { stop(); resolve(got); }
        },
        error: (e) => reject(e instanceof Error ? e : new Error(JSON.stringify(e))),
        complete: () => resolve(got),
      },
    );
  });
}

const ws = wsClient({
  url: url.replace(/^http/, "ws"),
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
  retryAttempts: 0,
});
const viaWs = await take(ws, count);
await ws.dispose();

const sse = sseClient({ url, headers: { Authorization: `Bearer ${token}` }, retryAttempts: 0 });
const viaSse = await take(sse, count);
sse.dispose();

// A bad token: the socket is closed with 4401 and the reason.
const refused = await new Promise((resolve) => {
  const bad = wsClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: "Bearer not-a-token" },
    retryAttempts: 0,
    on: { closed: (event) => resolve({ code: event.code, reason: event.reason }) },
  });
  bad.subscribe({ query }, { next: () => {}, error: () => {}, complete: () => {} });
});

console.log(JSON.stringify({ viaWs, viaSse, refused }));
process.exit(0);
