package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * No secret (the S3 secret key, the archive pass, the API token, the PostgreSQL password), each a long random string
 * given through the environment the way a deployment gives it, shows up anywhere pgrwl puts text: the command line
 * of its process and of every process under it ({@code /proc/PID/cmdline}), the log at {@code trace} from start-up
 * on, every API document and UI fragment, the thread dump and a JDK Flight Recorder recording, {@code pgrwl validate}
 * and {@code pgrwl verify}; nor in the errors of a wrong S3 secret key (s3proxy refusing the signatures).
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class SecretsIT {

    private static final Duration LONG = Duration.ofMinutes(2);
    private static final String S3_SECRET = secret("s3");
    private static final String WRONG_S3_SECRET = secret("wrong-s3");
    private static final String ARCHIVE_PASS = secret("pass");
    private static final String TOKEN = secret("token");
    private static final String PG_PASSWORD = secret("pgpw");
    private static final List<String> SECRETS = List.of(S3_SECRET, WRONG_S3_SECRET, ARCHIVE_PASS, TOKEN, PG_PASSWORD);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static String secret(String what) {
        byte[] random = new byte[24];
        new java.security.SecureRandom().nextBytes(random);
        return what + "-" + HexFormat.of().formatHex(random);
    }

    @Test
    void secretsAppearNowhere() throws Exception {
        Path base = Os.tempDir("pgrwl-secrets");
        Path wal = base.resolve("wal");
        int port = Os.freePort();
        Map<String, String> seen = new LinkedHashMap<>(); // where -> what pgrwl wrote there
        try (S3Archives s3 = S3Archives.withSecret(S3_SECRET);
             PgCluster pg = PgCluster.init(base, "primary", 1).start()) {
            Path hba = pg.data.resolve("pg_hba.conf");
            List<String> lines = new ArrayList<>(List.of("host replication pgrwl_user 127.0.0.1/32 scram-sha-256",
                    "host all pgrwl_user 127.0.0.1/32 scram-sha-256"));
            lines.addAll(Files.readAllLines(hba));
            Files.write(hba, lines);
            pg.execute("create role pgrwl_user login replication password '" + PG_PASSWORD + "'",
                    "select pg_reload_conf()", "create table t(id int, v text)");
            // the S3 secret and the token straight from PGRWL_* variables, the pass through a placeholder
            String yaml = "main:\n  listen_address: 127.0.0.1\n  listen_port: " + port + "\n  directory: " + wal
                    + "\nreceiver:\n  slot: pgrwl\n  status_interval: 1s\n"
                    + "storage:\n  name: s3\n  prefix: secrets\n  s3:\n    url: " + s3.url() + "\n    bucket: wal\n"
                    + "    region: us-east-1\n    access_key_id: " + S3Archives.ACCESS_KEY + "\n"
                    + "    use_path_style: true\n    read_timeout: 10\n    connect_timeout: 5\n"
                    + "  compression:\n    algo: zstd\n  encryption:\n    algo: aes-256-gcm\n    pass: ${ARCHIVE_PASS}\n"
                    + "  uploader:\n    sync_interval: 1s\n"
                    + "metrics:\n  enable: true\nui:\n  enable: true\ndevconfig:\n  pprof:\n    enable: true\n"
                    + "log:\n  level: trace\n";
            Map<String, String> env = Map.of("PGUSER", "pgrwl_user", "PGPASSWORD", PG_PASSWORD,
                    "PGRWL_MAIN_AUTH_TOKEN", TOKEN, "ARCHIVE_PASS", ARCHIVE_PASS,
                    "PGRWL_STORAGE_S3_SECRET_ACCESS_KEY", S3_SECRET);

            Pgrwl validate = with(Pgrwl.command(base, "validate", pg, yaml, "validate", "-m", "receive"), env);
            assertEquals(0, validate.run(LONG), validate.logText());
            seen.put("pgrwl validate", validate.logText());

            int processes;
            try (Pgrwl receive = with(Pgrwl.receive(base, "receive", pg, yaml), env).start()) {
                receive.awaitLog("streaming WAL from", LONG);
                pg.insertAndSwitch(3);
                try (var client = s3.client()) {
                    Await.until("segments uploaded to S3", LONG, () -> client.listObjectsV2(r -> r.bucket("wal")
                            .prefix("secrets/wal-archive/")).keyCount() >= 3);
                }
                Map<Long, String> commandLines = commandLines(receive.pid());
                processes = commandLines.size();
                commandLines.forEach((pid, line) -> seen.put("/proc/" + pid + "/cmdline", line));
                assertTrue(commandLines.get(receive.pid()).contains("io.pgrwl.server.cli.Main"), commandLines
                        .toString());
                seen.putAll(documents(port));
                assertEquals(0, receive.stop());
                seen.put("receive mode's log", receive.logText());
            }
            String segment;
            try (var client = s3.client()) {
                segment = client.listObjectsV2(r -> r.bucket("wal").prefix("secrets/wal-archive/")).contents()
                        .getFirst().key().substring("secrets/wal-archive/".length(), "secrets/wal-archive/".length()
                                + 24);
            }
            Pgrwl verify = with(Pgrwl.command(base, "verify", pg, yaml, "verify"), env);
            assertEquals(0, verify.run(LONG), verify.logText());
            seen.put("pgrwl verify", verify.logText());

            // a wrong S3 secret: every request refused (SignatureDoesNotMatch); the errors must not quote either key
            Map<String, String> wrong = new LinkedHashMap<>(env);
            wrong.put("PGRWL_STORAGE_S3_SECRET_ACCESS_KEY", WRONG_S3_SECRET);
            Pgrwl wrongValidate = with(Pgrwl.command(base, "validate-wrong", pg, yaml, "validate", "-m", "receive"),
                    wrong);
            wrongValidate.run(LONG);
            seen.put("pgrwl validate, wrong S3 secret", wrongValidate.logText());
            Pgrwl wrongVerify = with(Pgrwl.command(base, "verify-wrong", pg, yaml, "verify"), wrong);
            assertTrue(wrongVerify.run(LONG) != 0, wrongVerify.logText());
            seen.put("pgrwl verify, wrong S3 secret", wrongVerify.logText());
            try (Pgrwl receive = with(Pgrwl.receive(base, "receive-wrong", pg, yaml), wrong).start()) {
                receive.awaitLog("streaming WAL from", LONG);
                pg.insertAndSwitch(1);
                receive.awaitLog("failed: ", LONG);
                seen.put("/api/v1/status, wrong S3 secret", get(port, "/api/v1/status", TOKEN).body());
                seen.put("/health, wrong S3 secret", get(port, "/health", TOKEN).body());
                assertEquals(0, receive.stop());
                seen.put("receive mode's log, wrong S3 secret", receive.logText());
            }
            String serveYaml = yaml.replace("  listen_port: " + port, "  listen_port: 0")
                    .replace("receiver:\n  slot: pgrwl\n  status_interval: 1s\n", "")
                    .replace("  directory: " + wal, "  directory: " + Files.createDirectories(base.resolve("empty")));
            try (Pgrwl serve = with(Pgrwl.serve(base, "serve-wrong", serveYaml), wrong).start()) {
                HttpResponse<String> refused = get(serve.apiPort(), "/api/v1/wal/" + segment, TOKEN);
                assertEquals(503, refused.statusCode(), refused.body());
                seen.put("serve mode's 503, wrong S3 secret", refused.body());
                assertEquals(0, serve.stop());
                seen.put("serve mode's log, wrong S3 secret", serve.logText());
            }
            assertTrue(seen.get("receive mode's log, wrong S3 secret").contains("uploading "), "the failure is"
                    + " logged: " + seen.get("receive mode's log, wrong S3 secret"));

            List<String> leaks = new ArrayList<>();
            seen.forEach((where, text) -> SECRETS.stream().filter(text::contains)
                    .forEach(s -> leaks.add(s.substring(0, s.indexOf('-')) + " secret in " + where)));
            assertEquals(List.of(), leaks);
            assertTrue(seen.get("receive mode's log").contains("TRACE") || seen.get("receive mode's log")
                    .contains("DEBUG"), "the log was at trace level");
            ReliabilityReport.passed(new ReliabilityReport.Row("10.secrets",
                    "receive mode on s3proxy (zstd + aes-256-gcm) with scram login, API token, UI, metrics and"
                            + " profiling on; validate, verify; then a wrong S3 secret key in receive, serve,"
                            + " validate and verify",
                    "5 random 54-character secrets (S3 key, wrong S3 key, archive pass, token, PGPASSWORD) through"
                            + " PGRWL_* variables, a ${} placeholder and the libpq variable",
                    "none of them in /proc/PID/cmdline of pgrwl and its descendants, the trace log, any API"
                            + " document, UI fragment, 401 body, thread dump or JFR recording, nor in the outputs of"
                            + " validate and verify, nor in the errors of the refused S3 signatures",
                    seen.size() + " outputs searched; /proc of pgrwl's process and its " + (processes - 1)
                            + " descendants"));
        }
        Os.deleteTree(base);
    }

    private static Pgrwl with(Pgrwl pgrwl, Map<String, String> env) {
        env.forEach(pgrwl::env);
        return pgrwl;
    }

    /** @return the command line of {@code root} and of each process under it, found by walking /proc's PPid lines */
    private static Map<Long, String> commandLines(long root) throws Exception {
        Map<Long, Long> parents = new LinkedHashMap<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(d -> d.getFileName().toString().matches("[0-9]+")).toList()) {
                try {
                    for (String line : Files.readAllLines(p.resolve("status"))) {
                        if (line.startsWith("PPid:")) {
                            parents.put(Long.parseLong(p.getFileName().toString()), Long.parseLong(line.substring(5)
                                    .trim()));
                        }
                    }
                } catch (java.io.IOException e) {
                    // the process ended meanwhile
                }
            }
        }
        Set<Long> tree = new TreeSet<>(Set.of(root));
        for (boolean grew = true; grew; ) {
            grew = false;
            for (var e : parents.entrySet()) {
                if (tree.contains(e.getValue()) && tree.add(e.getKey())) {
                    grew = true;
                }
            }
        }
        Map<Long, String> lines = new LinkedHashMap<>();
        for (long pid : tree) {
            byte[] raw = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
            lines.put(pid, new String(raw, StandardCharsets.UTF_8).replace('\0', ' '));
        }
        return lines;
    }

    /** Every document the API and the UI serve, the thread dump and a short JFR recording; also 401 bodies. */
    private static Map<String, String> documents(int port) throws Exception {
        Map<String, String> docs = new LinkedHashMap<>();
        assertEquals(200, HTTP.send(request(port, "/debug/jfr/start", TOKEN).POST(HttpRequest.BodyPublishers
                .noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        for (String path : List.of("/api/v1/config", "/api/v1/redacted-config", "/api/v1/brief-config",
                "/api/v1/status", "/api/v1/wals", "/api/v1/backups", "/api/v1/basebackup/status", "/metrics",
                "/health", "/health/live", "/health/ready", "/healthz", "/ui", "/ui/", "/ui/f/overview",
                "/ui/f/wals", "/ui/f/backups", "/ui/f/chart", "/debug/threads")) {
            HttpResponse<String> r = get(port, path, TOKEN);
            assertTrue(r.statusCode() < 500 || path.startsWith("/health"), path + ": " + r.statusCode());
            docs.put(path, r.body());
            docs.put(path + " headers", r.headers().map().toString());
        }
        docs.put("/api/v1/config without the token", get(port, "/api/v1/config", null).body());
        docs.put("/api/v1/config with a wrong token", get(port, "/api/v1/config", "x" + TOKEN.substring(1)).body());
        assertTrue(docs.get("/api/v1/config").contains("[REDACTED]"), docs.get("/api/v1/config"));
        assertEquals(200, HTTP.send(request(port, "/debug/jfr/stop", TOKEN).POST(HttpRequest.BodyPublishers
                .noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        byte[] jfr = HTTP.send(request(port, "/debug/jfr", TOKEN).build(), HttpResponse.BodyHandlers.ofByteArray())
                .body();
        assertTrue(jfr.length > 1000, "a recording: " + jfr.length + " bytes");
        // JFR writes strings as UTF-8, Latin-1 or one char per varint: an ASCII secret is its bytes in all three
        docs.put("/debug/jfr", new String(jfr, StandardCharsets.ISO_8859_1));
        return docs;
    }

    private static HttpRequest.Builder request(int port, String path, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30));
        return token == null ? b : b.header("Authorization", "Bearer " + token);
    }

    private static HttpResponse<String> get(int port, String path, String token) throws Exception {
        return HTTP.send(request(port, path, token).build(), HttpResponse.BodyHandlers.ofString());
    }
}
