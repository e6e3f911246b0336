// An Apollo Federation 2 gateway composing OrgGraph and the party subgraph with
// IntrospectAndCompose; forwards the client's Authorization header to both.
// Composition itself (no client request) uses the gateway's own token from
// GATEWAY_TOKEN, as a deployment would.
// Usage: node gateway.mjs PORT ORGGRAPH_URL PARTY_URL
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

const [port, orggraphUrl, partyUrl] = process.argv.slice(2);

class ForwardAuth extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    if (context && context.authorization) {
      request.http.headers.set("authorization", context.authorization);
    } else if (!context?.fromClient && process.env.GATEWAY_TOKEN) {
      request.http.headers.set("authorization", `Bearer ${process.env.GATEWAY_TOKEN}`);
    }
  }
}

const gateway = new ApolloGateway({
  supergraphSdl: new IntrospectAndCompose({
    subgraphs: [
      { name: "orggraph", url: orggraphUrl },
      { name: "party", url: partyUrl },
    ],
  }),
  buildService: ({ url }) => new ForwardAuth({ url }),
});

const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { host: "127.0.0.1", port: Number(port) },
  context: async ({ req }) => ({ fromClient: true, authorization: req.headers.authorization }),
});
console.log(`gateway ready at ${url}`);
