import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

/**
 * Runs Neo4j 5.26 Community as an embedded DBMS that serves Bolt on loopback.
 *
 * Maven Central has no neo4j-community tarball, so `orggraph neo4j start` resolves
 * org.neo4j:neo4j with Maven, compiles this class against it and runs it. Usage:
 *
 *   NEO4J_PASSWORD=... java -cp classes:lib/* OrgGraphNeo4j HOME BOLT_PORT PAGECACHE_MB
 *
 * Authentication stays on; the password of the built-in `neo4j` user is set from
 * NEO4J_PASSWORD at every start. The line "ORGGRAPH-NEO4J-READY" on stdout tells
 * the Python side that Bolt is accepting connections.
 */
public final class OrgGraphNeo4j {
    private OrgGraphNeo4j() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: OrgGraphNeo4j HOME BOLT_PORT PAGECACHE_MB");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        long pagecacheMb = Long.parseLong(args[2]);
        String password = System.getenv("NEO4J_PASSWORD");
        if (password == null || password.length() < 8) {
            System.err.println("NEO4J_PASSWORD must be set (8 characters or more)");
            System.exit(2);
        }

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pagecacheMb))
                .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofMinutes(10))
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown, "neo4j-shutdown"));

        setPassword(dbms, password);
        System.out.println("ORGGRAPH-NEO4J-READY bolt://127.0.0.1:" + port);
        System.out.flush();
        new CountDownLatch(1).await();
    }

    private static void setPassword(DatabaseManagementService dbms, String password) {
        try {
            dbms.database("system").executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
        } catch (RuntimeException e) {
            // Neo4j refuses to "change" a password to the one it already has.
            String message = String.valueOf(e.getMessage());
            if (!message.contains("same")) {
                throw e;
            }
        }
    }
}
