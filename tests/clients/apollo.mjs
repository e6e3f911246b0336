// Apollo Client 4 against a live OrgGraph: persisted queries (APQ, sha256 from
// node:crypto) over POST and GET, an expired token's 401, BatchHttpLink.
// Env: API_URL, TOKEN, EXPIRED_TOKEN. Prints one JSON object; exits 1 on a crash.
import { createHash } from "node:crypto";
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { CombinedGraphQLErrors } from "@apollo/client/errors";
import { BatchHttpLink } from "@apollo/client/link/batch-http";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

const { API_URL: uri, TOKEN: token, EXPIRED_TOKEN: expired } = process.env;
const sha256 = (text) => createHash("sha256").update(text).digest("hex");

// Every request the links make: method, whether it carried the text, the status.
function recordingFetch(log) {
  return async (url, init) => {
    const response = await fetch(url, init);
    const body = init.body ? JSON.parse(init.body) : null;
    const params = new URL(url).searchParams;
    log.push({
      method: init.method ?? "GET",
      batch: Array.isArray(body),
      withText: Array.isArray(body) ? body.every((b) => "query" in b) : Boolean(body?.query ?? params.get("query")),
      status: response.status,
      contentType: response.headers.get("content-type"),
      cacheControl: response.headers.get("cache-control"),
    });
    return response;
  };
}

function client(link) {
  return new ApolloClient({ link, cache: new InMemoryCache() });
}

const VILLAGE = gql`
  query Village($code: String!) {
    organization(code: $code) { code name children(first: 2) { totalCount } }
  }
`;
// The same village read with its level: a second text, for the GET run.
const VILLAGE_LEVEL = gql`
  query VillageLevel($code: String!) {
    organization(code: $code) { code name level }
  }
`;
const COUNTY = gql`
  query County { organization(code: "QX") { code name } }
`;

async function persisted(query, useGETForHashedQueries) {
  const log = [];
  const http = new HttpLink({ uri, headers: { authorization: `Bearer ${token}` }, fetch: recordingFetch(log) });
  const apollo = client(ApolloLink.from([new PersistedQueryLink({ sha256, useGETForHashedQueries }), http]));
  const first = await apollo.query({ query, variables: { code: "QX-T01-V01" }, fetchPolicy: "network-only" });
  const again = await apollo.query({ query, variables: { code: "QX-T01-V02" }, fetchPolicy: "network-only" });
  return { first: first.data.organization, again: again.data.organization, requests: log };
}

async function expiredToken() {
  const apollo = client(new HttpLink({ uri, headers: { authorization: `Bearer ${expired}` } }));
  try {
    await apollo.query({ query: COUNTY });
    return { thrown: false };
  } catch (error) {
    return {
      thrown: true,
      graphQLErrors: CombinedGraphQLErrors.is(error),
      codes: CombinedGraphQLErrors.is(error) ? error.errors.map((e) => e.extensions?.code) : [],
      message: error.message,
    };
  }
}

async function batched() {
  const log = [];
  const link = new BatchHttpLink({
    uri,
    headers: { authorization: `Bearer ${token}` },
    batchMax: 5,
    batchInterval: 20,
    fetch: recordingFetch(log),
  });
  const apollo = client(link);
  const [village, county] = await Promise.all([
    apollo.query({ query: VILLAGE, variables: { code: "QX-T01-V01" } }),
    apollo.query({ query: COUNTY }),
  ]);
  return { village: village.data.organization, county: county.data.organization, requests: log };
}

const result = {
  apqPost: await persisted(VILLAGE, false),
  apqGet: await persisted(VILLAGE_LEVEL, true),
  expired: await expiredToken(),
  batch: await batched(),
};
console.log(JSON.stringify(result));
