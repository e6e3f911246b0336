// graphql-http's GraphQL-over-HTTP server audits against a live OrgGraph, every
// request with the token. Env: API_URL, TOKEN. Prints [{id, name, status, reason}].
import { serverAudits } from "graphql-http";

const { API_URL: url, TOKEN: token } = process.env;
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};
const results = [];
for (const audit of serverAudits({ url, fetchFn })) {
  const result = await audit.fn();
  results.push({ id: audit.id, name: audit.name, status: result.status, reason: result.reason ?? null });
}
console.log(JSON.stringify(results));
