package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PGSSLMODE / PGSSLROOTCERT reach the connection: verify-full against a server with a certificate of our own CA. */
class TlsIT {

    @Test
    void streamsOverVerifiedTlsAndRefusesAnUnknownCa() throws Exception {
        Path base = Os.tempDir("pgrwl-tls");
        Path ca = base.resolve("ca.crt");
        Path otherCa = base.resolve("other-ca.crt");
        makeCertificates(base);
        try (PgCluster pg = PgCluster.init(base, "primary", 1, "ssl = on", "ssl_cert_file = 'server.crt'",
                "ssl_key_file = 'server.key'")) {
            for (String f : List.of("server.crt", "server.key")) {
                Files.copy(base.resolve(f), pg.data.resolve(f));
            }
            Os.chownToPostgres(pg.data);
            Os.run(List.of("chmod", "0600", pg.data.resolve("server.key").toString()), null);
            Path hba = pg.data.resolve("pg_hba.conf");
            List<String> lines = new ArrayList<>(List.of("hostnossl replication tlsuser 127.0.0.1/32 reject",
                    "hostssl replication tlsuser 127.0.0.1/32 trust"));
            lines.addAll(Files.readAllLines(hba));
            Files.write(hba, lines);
            pg.start();
            pg.execute("create role tlsuser login replication");

            try (Pgrwl verified = Pgrwl.receive(base, "verified", pg, Pgrwl.config(base.resolve("wal"), "tls"))
                    .env("PGUSER", "tlsuser").env("PGSSLMODE", "verify-full").env("PGSSLROOTCERT", ca.toString())
                    .start()) {
                verified.awaitLog("streaming WAL from", Duration.ofSeconds(60));
                assertEquals("t", pg.queryOne("select ssl from pg_stat_ssl join pg_stat_replication using (pid)"
                        + " where application_name = 'tls'"), "the replication connection uses TLS");
                assertEquals(0, verified.stop());
            }
            try (Pgrwl untrusted = Pgrwl.receive(base, "untrusted", pg, Pgrwl.config(base.resolve("wal2"), "tls2"))
                    .env("PGUSER", "tlsuser").env("PGSSLMODE", "verify-full").env("PGSSLROOTCERT", otherCa.toString())
                    .start()) {
                untrusted.awaitLog("connecting to 127.0.0.1:" + pg.port + " as \"tlsuser\" failed", Duration.ofSeconds(60));
                assertTrue(!untrusted.logText().contains("streaming WAL from"), untrusted.logText());
            }
            try (Pgrwl plain = Pgrwl.receive(base, "plain", pg, Pgrwl.config(base.resolve("wal3"), "tls3"))
                    .env("PGUSER", "tlsuser").env("PGSSLMODE", "disable").start()) {
                assertEquals(1, plain.awaitExit(Duration.ofSeconds(60)), plain.logText());
                assertTrue(plain.logText().contains("pg_hba.conf"), plain.logText());
            }
        }
        Os.deleteTree(base);
    }

    private static void makeCertificates(Path dir) throws Exception {
        String d = dir.toString();
        Os.run(List.of("sh", "-c", String.join(" && ",
                "cd " + d,
                "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=pgrwl-test-ca -keyout ca.key -out ca.crt",
                "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca -keyout other-ca.key"
                        + " -out other-ca.crt",
                "openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr",
                "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost' > san.ext",
                "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext"
                        + " -out server.crt")), dir.resolve("openssl.log"));
    }
}
