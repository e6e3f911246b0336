// Apollo Client 4 with a normalized InMemoryCache against a live OrgGraph: a
// village board on two dates and its whole history go through one cache, then
// each date's board is read back from the cache alone. A field of a Position
// (which has an id, so the cache keeps one entry per position) that depended on
// the list's date would come back with the last answer's value.
// Usage: node cache_board.mjs <graphql url> <organization code> <date> <date>
// Prints {"network": {<date>: data}, "history": data, "cached": {<date>: data}}.
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";

const [url, code, ...dates] = process.argv.slice(2);

const BOARD = gql`
  query Board($code: String!, $on: Date!) {
    organization(code: $code) {
      id
      name
      positions(activeOn: $on, first: 50) {
        edges { cursor node { id role since until active(on: $on) person { id name } } }
      }
    }
  }
`;
// The history as a screen lists it: each term and whether it runs today.
const HISTORY = gql`
  query History($code: String!) {
    organization(code: $code) {
      id
      positions(history: true, first: 50) {
        edges { cursor node { id role since until active person { id name } } }
      }
    }
  }
`;

const client = new ApolloClient({ link: new HttpLink({ uri: url }), cache: new InMemoryCache() });
const network = {};
for (const on of dates) {
  network[on] = (await client.query({ query: BOARD, variables: { code, on }, fetchPolicy: "network-only" })).data;
}
const history = (await client.query({ query: HISTORY, variables: { code }, fetchPolicy: "network-only" })).data;
const cached = {};
for (const on of dates) {
  cached[on] = client.readQuery({ query: BOARD, variables: { code, on } });
}
console.log(JSON.stringify({ network, history, cached }));
