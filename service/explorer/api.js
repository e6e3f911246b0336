// GraphQL over /graphql with her token: the operations are the named documents
// under graphql/ (fetched once each); errors come back in words with their
// extensions.code (GraphQLError); an expired or refused token signs her out
// (SignedOut); while the database is down a banner shows and the request is
// retried until it recovers.

import { signOut } from "./app.js";
import { t } from "./i18n.js";
import { notice } from "./ui.js";

export const TOKEN_KEY = "orggraph.token";
const banner = document.getElementById("banner");

/** An error GraphQL answered with, carrying its extensions.code. */
export class GraphQLError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}
export class SignedOut extends Error {}

const documents = new Map();
export function documentText(name) {
  if (!documents.has(name)) {
    documents.set(
      name,
      fetch(`/explore-assets/graphql/${name}.graphql`).then((r) => {
        if (!r.ok) throw new Error(`${name}.graphql: ${r.status}`);
        return r.text();
      }),
    );
  }
  return documents.get(name);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function showBanner(text) {
  banner.replaceChildren(notice("error", text));
  banner.hidden = false;
}
export function hideBanner() {
  banner.hidden = true;
  banner.replaceChildren();
}

async function databaseDown() {
  try {
    return (await fetch("/health/ready")).status !== 200;
  } catch (e) {
    return true;
  }
}

/** Run the named operation (service/explorer/graphql/<name>.graphql) with her token; its data. */
export async function gql(name, variables = {}) {
  const query = await documentText(name);
  for (let attempt = 0; ; attempt++) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) throw new SignedOut();
    let response;
    let body;
    try {
      response = await fetch("/graphql", {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}`, Accept: "application/json" },
        body: JSON.stringify({ query, variables, operationName: name }),
      });
      body = await response.json().catch(() => null);
    } catch (e) {
      showBanner(t("offline"));
      await sleep(Math.min(1000 * (attempt + 1), 5000));
      continue;
    }
    const first = body && body.errors && body.errors[0];
    const code = first && first.extensions && first.extensions.code;
    if (response.status === 401 || code === "UNAUTHENTICATED") {
      signOut(first ? first.message : `HTTP ${response.status}`);
      throw new SignedOut();
    }
    if (code === "SERVICE_UNAVAILABLE" || (response.status >= 500 && !body?.data)) {
      // Retried only while the database is down: a query that ran too long
      // (the same code) would only run too long again.
      if (!(await databaseDown())) throw new GraphQLError(first ? first.message : `HTTP ${response.status}`, "TIMEOUT");
      showBanner(t("serviceDown"));
      await sleep(Math.min(1000 * (attempt + 1), 5000));
      continue;
    }
    hideBanner();
    if (first) throw new GraphQLError(first.message, code || "ERROR");
    if (!body || !body.data) throw new GraphQLError(`HTTP ${response.status}`, "ERROR");
    return body.data;
  }
}

/** Every node of a paged connection: `pick(data)` is the connection; pages follow endCursor. */
export async function gqlAll(name, variables, pick, run = gql) {
  const nodes = [];
  let after = null;
  let first;
  for (;;) {
    const data = await run(name, { ...variables, after });
    const connection = pick(data);
    if (!connection) return { data, nodes: null };
    first = first || data;
    nodes.push(...connection.nodes);
    if (!connection.pageInfo || !connection.pageInfo.hasNextPage) return { data: first, nodes };
    after = connection.pageInfo.endCursor;
  }
}
