// A tiny second subgraph standing in for a Party-membership system: it owns
// `Person.partyMembership` and extends OrgGraph's Person by its key `id`.
// Usage: node party-subgraph.mjs PORT
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { gql } from "graphql-tag";

const typeDefs = gql`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Person @key(fields: "id") {
    id: ID!
    partyMembership: PartyMembership
  }

  "What the Party-membership system knows of a person."
  type PartyMembership {
    branch: String!
    "Which subgraph answered (for the test)."
    source: String!
  }
`;

const resolvers = {
  Person: {
    __resolveReference(ref) {
      return { id: ref.id };
    },
    partyMembership(person) {
      // Deterministic from the id: the test can state the answer.
      return { branch: `branch-${person.id.slice(-6)}`, source: "party-subgraph" };
    },
  },
};

const port = Number(process.argv[2] ?? 4002);
const server = new ApolloServer({ schema: buildSubgraphSchema([{ typeDefs, resolvers }]) });
const { url } = await startStandaloneServer(server, { listen: { host: "127.0.0.1", port } });
console.log(`party subgraph ready at ${url}`);
