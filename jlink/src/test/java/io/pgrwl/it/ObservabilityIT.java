package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Receive mode from the image with metrics, readiness and the status APIs, as an operator scrapes them: the counters
 * agree with PostgreSQL and with the archive, readiness follows PostgreSQL and the storage, and no secret shows up
 * anywhere (API documents, metrics, log).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObservabilityIT {

    /** Every metric name (samples included: _bucket, _count, _sum) seen by the tests, for the deploy files' check. */
    private static final java.util.Set<String> EXPORTED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static final String TOKEN = "tok-7f3a9c1e5b2d4f60a8e1";
    private static final String ARCHIVE_PASS = "pass-c0ffee-5ecret-9b1d";
    private static final String PG_PASSWORD = "pgpw-d3adb33f-71a2";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    @Order(1)
    void metricsMatchTheWalStreamedAndArchivedAndReadinessFollowsPostgres() throws Exception {
        Path base = Os.tempDir("pgrwl-observe");
        Path wal = base.resolve("wal");
        Path archive = base.resolve("archive");
        int port = Os.freePort();
        String yaml = "main:\n  listen_address: 127.0.0.1\n  listen_port: " + port + "\n  directory: " + wal + "\n"
                + "  auth_token: ${API_TOKEN}\n"
                + "receiver:\n  slot: pgrwl\n  status_interval: 1s\n"
                + "storage:\n  name: local\n  local:\n    directory: " + archive + "\n"
                + "  compression:\n    algo: gzip\n  encryption:\n    algo: aes-256-gcm\n    pass: ${ARCHIVE_PASS}\n"
                + "  uploader:\n    sync_interval: 1s\n"
                + "metrics:\n  enable: true\n"
                + "log:\n  level: trace\n  format: json\n";
        try (PgCluster pg = PgCluster.init(base, "primary", 1).start()) {
            pg.execute("select pg_create_physical_replication_slot('pgrwl', true)",
                    "create table t (g int, m text)");
            long start = segmentStart(Slots.lsn(pg.queryOne("select restart_lsn from pg_replication_slots"
                    + " where slot_name = 'pgrwl'")), 1 << 20);
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, yaml).env("API_TOKEN", TOKEN)
                    .env("ARCHIVE_PASS", ARCHIVE_PASS).env("PGPASSWORD", PG_PASSWORD).start()) {
                Await.until("/health 200", Duration.ofSeconds(60), () -> status("/health", port, false) == 200);
                assertEquals(401, status("/metrics", port, false), "/metrics needs the token like every API route");

                long previous = -1;
                for (int round = 0; round < 6; round++) {  // scrape while PostgreSQL writes
                    pg.insertAndSwitch(4);
                    long bytes = metric(scrape(port), "pgrwl_wal_bytes_received_total");
                    assertTrue(bytes >= previous, "bytes received never go down: " + previous + " -> " + bytes);
                    previous = bytes;
                }
                assertTrue(previous > 0, "bytes were received during the workload");

                // Quiet: everything sent is received, fsynced and archived. Then the counters must agree exactly.
                Path objects = archive.resolve("wal-archive");
                Await.until("PostgreSQL's sent WAL received and all completed segments archived",
                        Duration.ofMinutes(2), () -> {
                            Map<String, Long> m = scrape(port);
                            String sent = pg.queryOne("select sent_lsn from pg_stat_replication"
                                    + " where application_name = 'pgrwl'");
                            return sent != null && m.get("pgrwl_receiver_received_lsn") == Slots.lsn(sent)
                                    && m.get("pgrwl_receiver_flushed_lsn") == Slots.lsn(sent)
                                    && m.get("pgrwl_upload_backlog_files") == 0 && Files.isDirectory(objects);
                        });
                Map<String, Long> m = scrape(port);
                long sent = Slots.lsn(pg.queryOne("select sent_lsn from pg_stat_replication"
                        + " where application_name = 'pgrwl'"));
                assertEquals(sent - start, m.get("pgrwl_wal_bytes_received_total"),
                        "bytes received = WAL streamed (server's sent_lsn minus the start of the first segment)");
                long archived;
                try (Stream<Path> files = Files.list(objects)) {
                    archived = files.filter(f -> f.getFileName().toString().endsWith(".gz.aes")).count();
                }
                assertTrue(archived >= 24, "at least the 24 switched segments are archived: " + archived);
                assertEquals(archived, m.get("pgrwl_wal_files_uploaded_total"), "files uploaded = files archived");
                assertEquals(archived, m.get("pgrwl_wal_files_received_total"),
                        "every completed segment was archived (timeline 1: no history files)");
                assertEquals(1, m.get("pgrwl_receiver_connected"));
                assertEquals(1, m.get("pgrwl_receiver_timeline"));
                assertEquals(0, m.get("pgrwl_receiver_lag_bytes"));
                assertEquals(0, m.get("pgrwl_upload_failures_total"));
                assertTrue(m.get("pgrwl_wal_fsync_duration_seconds_count") > 0, "fsyncs are timed");
                assertTrue(m.get("pgrwl_upload_duration_seconds_count") >= archived, "uploads are timed");
                assertTrue(m.get("pgrwl_receiver_status_updates_total") > 0);
                assertTrue(m.get("pgrwl_upload_last_success_timestamp_seconds") > 0);
                assertEquals(0, m.get("pgrwl_wal_files_deleted_total"), "no retention configured");
                String wals = get("/api/v1/wals", port);
                assertEquals(archived, count(wals, "\"location\":\"archive\""), "/api/v1/wals lists the archive");
                assertTrue(wals.contains("\"encrypted\":true") && wals.contains("\"ext\":\".gz.aes\""), wals);

                // An idle stream stays ready: timed status updates ask for a reply, so messages keep coming.
                long messagesBefore = m.get("pgrwl_receiver_status_updates_total");
                Await.until("six more status intervals", Duration.ofSeconds(30),
                        () -> metric(scrape(port), "pgrwl_receiver_status_updates_total") >= messagesBefore + 6);
                assertEquals(200, status("/health", port, false), body("/health", port));
                assertTrue(metric(scrape(port), "pgrwl_receiver_last_message_age_seconds") <= 2,
                        "the server answers each timed status update (whole seconds, so under 3 s; the idle stream"
                                + " would otherwise age with every idle second)");

                // Readiness follows PostgreSQL: down when it stops, up when it is back; liveness stays up.
                pg.stop();
                Await.until("/health 503 while PostgreSQL is down", Duration.ofSeconds(30),
                        () -> status("/health", port, false) == 503);
                String down = body("/health", port);
                assertTrue(down.contains("\"status\":\"DOWN\"") && down.contains("not connected to PostgreSQL"), down);
                assertEquals(503, status("/health/ready", port, false));
                assertEquals(200, status("/health/live", port, false), "liveness does not depend on PostgreSQL");
                assertEquals(200, status("/healthz", port, false), "the Go pgrwl's probe answers while alive");
                assertEquals(0, metric(scrape(port), "pgrwl_receiver_connected"));
                pg.start();
                Await.until("/health 200 once PostgreSQL is back", Duration.ofSeconds(60),
                        () -> status("/health", port, false) == 200);
                assertTrue(metric(scrape(port), "pgrwl_receiver_reconnects_total") >= 1);

                // No secret anywhere: config and status documents, metrics, the log.
                String config = get("/api/v1/config", port);
                assertTrue(config.contains("\"auth_token\":\"[REDACTED]\"") && config.contains(
                        "\"pass\":\"[REDACTED]\""), config);
                assertEquals(config, get("/api/v1/redacted-config", port), "the Go pgrwl's route, same document");
                assertEquals("{\"retention_enable\":false}", get("/api/v1/brief-config", port));
                String status = get("/api/v1/status", port);
                Matcher flushed = Pattern.compile("\"flushed_lsn\":\"([0-9A-F]+/[0-9A-F]+)\"").matcher(status);
                assertTrue(flushed.find(), status);
                assertTrue(status.contains("\"running_mode\":\"receive\",\"stream_status\":{\"slot\":\"pgrwl\","
                        + "\"timeline\":1,\"last_flush_lsn\":\"" + flushed.group(1) + "\",\"uptime\":\""), status);
                assertTrue(status.contains("\"running\":true}"), "the Go pgrwl's stream_status: " + status);
                String metrics = text(port, "/metrics");
                assertEquals(0, pgrwl.stop());
                String log = pgrwl.logText();
                for (String secret : List.of(TOKEN, ARCHIVE_PASS, PG_PASSWORD)) {
                    for (var doc : Map.of("/api/v1/config", config, "/api/v1/status", status, "/metrics", metrics,
                            "/api/v1/wals", wals, "/health", down, "the log", log).entrySet()) {
                        assertFalse(doc.getValue().contains(secret), secret + " appears in " + doc.getKey());
                    }
                }
                for (String line : log.split("\n")) {
                    if (!line.isBlank()) {
                        assertTrue(line.startsWith("{") && line.endsWith("}"), "log.format json: " + line);
                    }
                }
            }
        }
        Os.deleteTree(base);
    }

    @Test
    @Order(2)
    void serveModeCountsRequestsAndItsReadinessFollowsTheStorage() throws Exception {
        Path base = Os.tempDir("pgrwl-observe-serve");
        Path wal = Files.createDirectories(base.resolve("wal"));
        byte[] segment = new byte[1 << 20];
        java.util.Arrays.fill(segment, (byte) 7);
        Files.write(wal.resolve("000000010000000000000003"), segment);
        try (S3Archives s3 = S3Archives.start();
             Pgrwl serve = Pgrwl.serve(base, "serve", Pgrwl.serveConfig(wal, s3.storageYaml(),
                     "metrics:\n  enable: true")).env("S3_SECRET", S3Archives.SECRET_KEY)
                     .env("ARCHIVE_PASS", ARCHIVE_PASS).start()) {
            int port = serve.apiPort();
            Await.until("/health 200", Duration.ofSeconds(30), () -> status("/health", port, false) == 200);
            assertEquals(200, status("/api/v1/wal/000000010000000000000003", port, false));
            assertEquals(404, status("/api/v1/wal/000000010000000000000004", port, false));
            assertEquals(400, status("/api/v1/wal/not-a-wal-name", port, false));
            String metrics = body("/metrics", port);
            for (String expected : List.of("status=\"200\",} 1.0", "status=\"404\",} 1.0", "status=\"400\",} 1.0",
                    "status=\"503\",} 0.0")) {
                assertTrue(metrics.contains(expected), expected + " in\n" + metrics);
            }
            Map<String, Long> m = scrapeText(metrics);
            assertEquals(segment.length, m.get("pgrwl_serve_sent_bytes_total"), "bytes sent = the one 200 body");
            assertEquals(3, m.get("pgrwl_serve_request_duration_seconds_count"));
            assertEquals(1, m.get("pgrwl_serve_prefetch_misses_total"), "the 404 asked the archive");
            String status = get("/api/v1/status", port);
            assertTrue(status.startsWith("{\"mode\":\"serve\"") && status.contains("\"storage\":\"s3\""), status);
            assertTrue(status.contains("\"requests\":{\"200\":1,\"400\":1,\"404\":1,\"503\":0},\"sent_bytes\":"
                    + segment.length + ",\"cache\":{\"hits\":0,\"misses\":1,"), status);

            s3.stop();
            Await.until("/health 503 while S3 is down", Duration.ofSeconds(30),
                    () -> status("/health", port, false) == 503);
            String down = body("/health", port);
            assertTrue(down.contains("\"name\":\"storage\",\"status\":\"DOWN\"")
                    && down.contains("cannot reach the s3 storage"), down);
            assertEquals(200, status("/health/live", port, false));
            s3.restart();
            Await.until("/health 200 once S3 is back", Duration.ofSeconds(30),
                    () -> status("/health", port, false) == 200);
        }
        Os.deleteTree(base);
    }

    /** The dashboard and the alert rules only use metrics pgrwl exports (receive and serve mode, seen above). */
    @Test
    @Order(3)
    void theDeployFilesUseOnlyExportedMetrics() throws Exception {
        assertTrue(EXPORTED.contains("pgrwl_wal_bytes_received_total") && EXPORTED.contains(
                "pgrwl_serve_requests_total"), "the tests above ran and scraped both modes: " + EXPORTED);
        Path deploy = Path.of("../deploy");
        int used = 0;
        for (String file : List.of("grafana/pgrwl-dashboard.json", "prometheus/alerts.yml")) {
            Matcher m = Pattern.compile("pgrwl_[a-z_]+").matcher(Files.readString(deploy.resolve(file)));
            while (m.find()) {
                used++;
                assertTrue(EXPORTED.contains(m.group()), file + " uses " + m.group() + ", which pgrwl does not export");
            }
        }
        assertTrue(used > 30, "the deploy files use pgrwl's metrics: " + used);
    }


    private static long segmentStart(long lsn, long segmentSize) {
        return lsn - lsn % segmentSize;
    }

    private static long count(String text, String needle) {
        return Pattern.compile(Pattern.quote(needle)).matcher(text).results().count();
    }

    private static HttpResponse<String> request(String path, int port, boolean token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (token) {
            b.header("Authorization", "Bearer " + TOKEN);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int status(String path, int port, boolean token) throws Exception {
        return request(path, port, token).statusCode();
    }

    private static String body(String path, int port) throws Exception {
        return request(path, port, false).body();
    }

    private static String get(String path, int port) throws Exception {
        HttpResponse<String> r = request(path, port, true);
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return r.body();
    }

    private static String text(int port, String path) throws Exception {
        return get(path, port);
    }

    /** Prometheus text → name (labels dropped, the first sample of a name wins) → value, as a whole number. */
    static Map<String, Long> scrape(int port) throws Exception {
        return scrapeText(get("/metrics", port));
    }

    private static Map<String, Long> scrapeText(String text) {
        Map<String, Long> values = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^([a-z_]+)(\\{[^}]*})? ([-0-9.E+]+|NaN)$").matcher(text);
        while (m.find()) {
            EXPORTED.add(m.group(1));
            if (!m.group(3).equals("NaN")) {
                values.putIfAbsent(m.group(1), (long) Double.parseDouble(m.group(3)));
            }
        }
        return values;
    }

    private static long metric(Map<String, Long> scraped, String name) {
        Long v = scraped.get(name);
        if (v == null) {
            throw new AssertionError("no metric " + name + " in " + scraped.keySet());
        }
        return v;
    }
}
