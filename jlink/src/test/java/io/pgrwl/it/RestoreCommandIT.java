package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code pgrwl restore-command} against serve mode (both run from the image): verified restores, honest exit statuses
 * (1 only for a missing file, above 125 when recovery must stop), nothing at {@code %p} after any failure, names
 * outside the archive refused with 400, bearer token and TLS.
 */
class RestoreCommandIT {

    private static final String SEGMENT = "000000010000000000000003";
    private static final String PARTIAL_SEGMENT = "000000010000000000000004";
    private static final String HISTORY = "00000002.history";
    private static final String TOKEN = "0123456789abcdef0123456789abcdef";
    private static final String SECRET_TEXT = "not part of the archive";

    private static Path base;
    private static Path wal;
    private static Path restoreDir;
    private static Pgrwl serve;
    private static int port;
    private static byte[] segment;
    private static byte[] partial;

    @BeforeAll
    static void startServe() throws Exception {
        base = Os.tempDir("pgrwl-restore-command");
        wal = Files.createDirectories(base.resolve("wal"));
        restoreDir = Files.createDirectories(base.resolve("pg_wal"));
        Random random = new Random(42);
        segment = new byte[16 << 20];
        random.nextBytes(segment);
        partial = new byte[1 << 20];
        random.nextBytes(partial);
        Files.write(wal.resolve(SEGMENT), segment);
        Files.write(wal.resolve(PARTIAL_SEGMENT + ".partial"), partial);
        Files.writeString(wal.resolve(HISTORY), "1\t0/3000000\tno recovery target specified\n");
        Files.writeString(base.resolve("secret.txt"), SECRET_TEXT);
        serve = Pgrwl.serve(base, "serve", Pgrwl.serveConfig(wal)).start();
        port = serve.apiPort();
    }

    @AfterAll
    static void stopServe() throws Exception {
        assertEquals(0, serve.stop(), "serve mode exits 0 on SIGTERM");
        Os.deleteTree(base);
    }

    private static Path target(String name) {
        return restoreDir.resolve(name);
    }

    @Test
    void restoresCompletePartialAndHistoryFilesByteForByte() throws Exception {
        assertTrue(serve.logText().contains("binding 127.0.0.1"), "without a token, serve mode stays on loopback");
        assertEquals(0, RestoreCommandRun.run(Map.of(), "--serve-addr", ":" + port, SEGMENT,
                target("RECOVERYXLOG").toString()).exit());
        assertArrayEquals(segment, Files.readAllBytes(target("RECOVERYXLOG")));
        assertEquals(0, RestoreCommandRun.run(Map.of(), "--serve-addr", "127.0.0.1:" + port, PARTIAL_SEGMENT,
                target("partial").toString()).exit(), "the .partial is served under the final name");
        assertArrayEquals(partial, Files.readAllBytes(target("partial")));
        assertEquals(0, RestoreCommandRun.run(Map.of(), "--serve-addr", "http://127.0.0.1:" + port + "/", HISTORY,
                target("RECOVERYHISTORY").toString()).exit());
        assertEquals(Files.readString(wal.resolve(HISTORY)), Files.readString(target("RECOVERYHISTORY")));
        assertEquals(List.of(), RestoreCommandRun.leftovers(restoreDir));
    }

    @Test
    void headAnnouncesLengthAndDigest() throws Exception {
        var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/wal/" + SEGMENT))
                .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
        assertEquals(200, response.statusCode());
        assertEquals(String.valueOf(segment.length), response.headers().firstValue("Content-Length").orElseThrow());
        String digest = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(segment));
        assertEquals("sha-256=:" + digest + ":", response.headers().firstValue("Repr-Digest").orElseThrow());
    }

    @Test
    void aMissingFileIsExitOneAndNothingAtTheTarget() throws Exception {
        RestoreCommandRun run = RestoreCommandRun.run(Map.of(), "--serve-addr", ":" + port,
                "000000010000000000000099", target("missing").toString());
        assertEquals(1, run.exit(), run.output());
        assertFalse(Files.exists(target("missing")));
        assertEquals(List.of(), RestoreCommandRun.leftovers(restoreDir));
    }

    @Test
    void waitsForAServerThatComesBackWithinTheTimeout() throws Exception {
        int later = Os.freePort();
        RestoreCommandRun.Running running = RestoreCommandRun.start(Map.of(), "--serve-addr", ":" + later,
                "--timeout", "90s", SEGMENT, target("late").toString());
        Await.until("restore-command reports that it retries", Duration.ofSeconds(30),
                () -> running.outputSoFar().contains("retrying"));
        assertFalse(Files.exists(target("late")), "nothing at %p while the server is down");
        try (Pgrwl lateServe = Pgrwl.serve(base, "late-serve", Pgrwl.serveConfig(wal).replace("listen_port: 0",
                "listen_port: " + later)).start()) {
            RestoreCommandRun run = running.await();
            assertEquals(0, run.exit(), run.output());
            assertArrayEquals(segment, Files.readAllBytes(target("late")));
            assertEquals(0, lateServe.stop());
        }
    }

    @Test
    void givesUpAfterTheTimeoutWithAStatusThatStopsRecovery() throws Exception {
        RestoreCommandRun run = RestoreCommandRun.run(Map.of(), "--serve-addr", ":" + Os.freePort(), "--timeout",
                "3s", SEGMENT, target("down").toString());
        assertTrue(run.exit() > 125, "exit " + run.exit() + " must be above 125: " + run.output());
        assertTrue(run.output().contains("--timeout"), run.output());
        assertFalse(Files.exists(target("down")));
        assertEquals(List.of(), RestoreCommandRun.leftovers(restoreDir));
    }

    @Test
    void truncatedAndCorruptedTransfersNeverReachTheTarget() throws Exception {
        byte[] body = new byte[1 << 20];
        new Random(7).nextBytes(body);
        String digest = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(body));
        HttpServer faulty = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        faulty.createContext("/api/v1/wal/", exchange -> {
            boolean truncate = exchange.getRequestURI().getPath().endsWith("1");
            exchange.getResponseHeaders().add("Repr-Digest", "sha-256=:" + digest + ":");
            exchange.sendResponseHeaders(200, body.length);
            OutputStream out = exchange.getResponseBody();
            if (truncate) {
                out.write(body, 0, body.length / 2);
                out.flush();
                exchange.close(); // ends the connection with half of the announced length sent
                return;
            }
            byte[] corrupted = body.clone();
            corrupted[12345] ^= 1; // one flipped bit: same length, different SHA-256
            out.write(corrupted);
            exchange.close();
        });
        faulty.start();
        try {
            String address = ":" + faulty.getAddress().getPort();
            for (String name : new String[] {"000000010000000000000001", "000000010000000000000002"}) {
                RestoreCommandRun run = RestoreCommandRun.run(Map.of(), "--serve-addr", address, "--timeout", "3s",
                        name, target(name).toString());
                assertTrue(run.exit() > 125, name + ": exit " + run.exit() + ": " + run.output());
                assertTrue(run.output().contains(name.endsWith("1") ? "bytes" : "SHA-256"), run.output());
                assertFalse(Files.exists(target(name)), "nothing at %p after a bad transfer of " + name);
            }
            assertEquals(List.of(), RestoreCommandRun.leftovers(restoreDir));
        } finally {
            faulty.stop(0);
        }
    }

    @Test
    void aStorageThatCannotBeReadIs503NeverA404() throws Exception {
        Path archive = Files.createDirectories(base.resolve("archive/wal-archive"));
        Files.write(archive.resolve("000000010000000000000005.zst"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        String local = Pgrwl.serveConfig(wal, "storage:", "  name: local", "  local:", "    directory: "
                + archive.getParent(), "  compression:", "    algo: zstd");
        try (S3Archives s3 = S3Archives.start();
             Pgrwl corrupt = Pgrwl.serve(base, "serve-corrupt", local).start();
             Pgrwl outage = Pgrwl.serve(base, "serve-s3-down", Pgrwl.serveConfig(wal, s3.storageYaml()))
                     .env("S3_SECRET", S3Archives.SECRET_KEY).env("ARCHIVE_PASS", "archive-secret").start()) {
            String undecodable = rawGet(corrupt.apiPort(), "/api/v1/wal/000000010000000000000005", null);
            assertTrue(undecodable.startsWith("HTTP/1.1 503") && undecodable.contains("Retry-After"), undecodable);
            int s3Port = outage.apiPort();
            assertTrue(rawGet(s3Port, "/api/v1/wal/000000010000000000000005", null).startsWith("HTTP/1.1 404"),
                    "absent from a reachable archive: 404");
            s3.stop();
            String down = rawGet(s3Port, "/api/v1/wal/000000010000000000000005", null);
            assertTrue(down.startsWith("HTTP/1.1 503") && down.contains("Retry-After"), down);
            RestoreCommandRun run = RestoreCommandRun.run(Map.of(), "--serve-addr", ":" + s3Port, "--timeout", "3s",
                    "000000010000000000000005", target("s3-down").toString());
            assertTrue(run.exit() > 125 && run.output().contains("503"), run.output());
            assertFalse(Files.exists(target("s3-down")));
            s3.restart();
            assertTrue(rawGet(s3Port, "/api/v1/wal/000000010000000000000005", null).startsWith("HTTP/1.1 404"),
                    "404 again once S3 answers");
        }
    }

    @Test
    void namesOutsideTheArchiveAreRefusedWith400() throws Exception {
        String[] paths = {
            "/api/v1/wal/..%2Fsecret.txt", "/api/v1/wal/../secret.txt", "/api/v1/wal/%2e%2e%2Fsecret.txt",
            "/api/v1/wal/%2E%2E/secret.txt", "/api/v1/wal/%2Fetc%2Fpasswd", "/wal/..%2F..%2Fetc%2Fpasswd",
            "/api/v1/wal/" + "0".repeat(300), "/api/v1/wal/" + SEGMENT + "%00", "/api/v1/wal/secret.txt",
            "/api/v1/wal/00000001000000000000000a", "/api/v1/wal/" + SEGMENT + "%2F..",
            "/wal/", "/api/v1/wal/..", "/api/v1/wal/%2e%2e",
        };
        for (String path : paths) {
            String response = rawGet(port, path, null);
            assertTrue(response.startsWith("HTTP/1.1 400"), path + " answered: " + firstLine(response));
            assertFalse(response.contains(SECRET_TEXT) || response.contains("root:"), path);
        }
        RestoreCommandRun run = RestoreCommandRun.run(Map.of(), "--serve-addr", ":" + port, "../secret.txt",
                target("traversal").toString());
        assertTrue(run.exit() > 125, run.output());
        assertFalse(Files.exists(target("traversal")));
    }

    @Test
    void aWrongOrMissingTokenIs401AndStopsRecovery() throws Exception {
        String yaml = Pgrwl.serveConfig(wal, "  auth_token: ${SERVE_TOKEN}");
        try (Pgrwl guarded = Pgrwl.serve(base, "guarded", yaml).env("SERVE_TOKEN", TOKEN).start()) {
            int guardedPort = guarded.apiPort();
            assertTrue(rawGet(guardedPort, "/api/v1/wal/" + SEGMENT, null).startsWith("HTTP/1.1 401"));
            assertTrue(rawGet(guardedPort, "/api/v1/wal/" + SEGMENT, "Bearer wrong-token-wrong-token")
                    .startsWith("HTTP/1.1 401"));
            assertTrue(rawGet(guardedPort, "/health", null).startsWith("HTTP/1.1 200"), "probes need no token");
            assertTrue(rawGet(guardedPort, "/api/v1/wal/" + SEGMENT, "Bearer " + TOKEN).startsWith("HTTP/1.1 200"));

            RestoreCommandRun none = RestoreCommandRun.run(Map.of(), "--serve-addr", ":" + guardedPort, SEGMENT,
                    target("no-token").toString());
            assertTrue(none.exit() > 125 && none.output().contains("token"), none.output());
            RestoreCommandRun wrong = RestoreCommandRun.run(Map.of("PGRWL_AUTH_TOKEN", "x".repeat(32)),
                    "--serve-addr", ":" + guardedPort, SEGMENT, target("wrong-token").toString());
            assertTrue(wrong.exit() > 125, wrong.output());
            assertFalse(Files.exists(target("no-token")) || Files.exists(target("wrong-token")));

            Path tokenFile = Files.writeString(base.resolve("token"), TOKEN + "\n");
            assertEquals(0, RestoreCommandRun.run(Map.of(), "--serve-addr", ":" + guardedPort, "--token-file",
                    tokenFile.toString(), SEGMENT, target("token-file").toString()).exit());
            assertArrayEquals(segment, Files.readAllBytes(target("token-file")));
            assertEquals(0, RestoreCommandRun.run(Map.of("PGRWL_AUTH_TOKEN", TOKEN), "--serve-addr",
                    ":" + guardedPort, SEGMENT, target("token-env").toString()).exit());
            assertEquals(0, guarded.stop());
            assertFalse(guarded.logText().contains(TOKEN), "the token never appears in the log");
        }
    }

    @Test
    void tlsWithAPrivateCa() throws Exception {
        Path cert = base.resolve("cert.pem");
        Path key = base.resolve("key.pem");
        Os.run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1"), null);
        String yaml = Pgrwl.serveConfig(wal, "  tls:", "    cert_file: " + cert, "    key_file: " + key);
        try (Pgrwl tls = Pgrwl.serve(base, "tls", yaml).start()) {
            String address = "https://127.0.0.1:" + tls.apiPort();
            RestoreCommandRun trusted = RestoreCommandRun.run(Map.of(), "--serve-addr", address, "--cacert",
                    cert.toString(), SEGMENT, target("tls").toString());
            assertEquals(0, trusted.exit(), trusted.output());
            assertArrayEquals(segment, Files.readAllBytes(target("tls")));
            RestoreCommandRun untrusted = RestoreCommandRun.run(Map.of(), "--serve-addr", address, "--timeout", "5s",
                    SEGMENT, target("untrusted").toString());
            assertTrue(untrusted.exit() > 125 && untrusted.output().contains("--cacert"), untrusted.output());
            assertFalse(Files.exists(target("untrusted")));
            assertEquals(0, tls.stop());
        }
    }

    /** One request written byte for byte (no client-side path normalisation); @return the whole response */
    private static String rawGet(int port, String path, String authorization) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            String request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    + (authorization == null ? "" : "Authorization: " + authorization + "\r\n") + "\r\n";
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return head.toString();
                }
                head.append((char) b);
            }
            java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)")
                    .matcher(head);
            int bodyLength = length.find() ? (int) Math.min(Long.parseLong(length.group(1)), 64 * 1024) : 0;
            return head + new String(in.readNBytes(bodyLength), StandardCharsets.ISO_8859_1);
        }
    }

    private static String firstLine(String response) {
        int nl = response.indexOf('\r');
        return nl < 0 ? response : response.substring(0, nl);
    }
}
