// The benchmark's peer: @neo4j/graphql 7 under graphql-yoga, over the same Neo4j
// and graph model as OrgGraph (typeDefs.graphql). Reads only.
//
//   node server.mjs [--port 8742] [--workers N]
//
// NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD say where Neo4j is. Like OrgGraph under
// uvicorn, it runs one worker process per core by default (node:cluster shares
// the listening socket), so both systems get the same CPUs.
import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";

import { Neo4jGraphQL } from "@neo4j/graphql";
import { createYoga } from "graphql-yoga";
import neo4j from "neo4j-driver";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PEER_PORT ?? "8742" },
    host: { type: "string", default: "127.0.0.1" },
    workers: { type: "string", default: String(availableParallelism()) },
  },
});
const port = Number(values.port);
const workers = Math.max(1, Number(values.workers));

if (cluster.isPrimary && workers > 1) {
  let ready = 0;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("message", (_worker, message) => {
    if (message === "ready" && ++ready === workers) {
      console.log(`PEER-READY http://${values.host}:${port}/graphql (${workers} workers)`);
    }
  });
  cluster.on("exit", (worker, code, signal) => {
    console.error(`peer worker ${worker.process.pid} exited (${signal ?? code}); stopping`);
    process.exit(1);
  });
  const stop = () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill("SIGTERM");
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
} else {
  const typeDefs = readFileSync(new URL("./typeDefs.graphql", import.meta.url), "utf8");
  const driver = neo4j.driver(
    process.env.NEO4J_URI ?? "bolt://127.0.0.1:7741",
    neo4j.auth.basic(process.env.NEO4J_USER ?? "neo4j", process.env.NEO4J_PASSWORD ?? "orggraph-bench"),
    { disableLosslessIntegers: true },
  );
  const schema = await new Neo4jGraphQL({ typeDefs, driver }).getSchema();
  const yoga = createYoga({
    schema,
    graphiql: false,
    landingPage: false,
    logging: "error",
    maskedErrors: false,
    graphqlEndpoint: "/graphql",
  });
  const server = createServer(yoga);
  server.keepAliveTimeout = 120_000;
  server.listen(port, values.host, () => {
    if (cluster.isWorker) process.send?.("ready");
    else console.log(`PEER-READY http://${values.host}:${port}/graphql (1 worker)`);
  });
  const stop = async () => {
    server.close();
    await driver.close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
