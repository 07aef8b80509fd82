package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The web UI at {@code /ui/} in a real headless Chromium against a running receive mode (with a bearer token, asked
 * for by the page) and serve mode: what it shows is checked against the archive on disk and the API, the backup button
 * starts a backup, the search filters on the server, and the browser reports no console error, script exception or
 * Content-Security-Policy violation. Screenshots go to {@code target/ui/}.
 */
@org.junit.jupiter.api.Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
class UiIT {

    private static final Duration LONG = Duration.ofMinutes(2);
    private static final Path SHOTS = Path.of("target", "ui");

    @Test
    void theUiShowsTheReceiverTheArchiveAndTheBackupsAndStartsOne() throws Exception {
        Path base = Os.tempDir("pgrwl-ui");
        Path wal = base.resolve("pgrwl-wal");
        Path archive = base.resolve("archive");
        String token = "ui-token-" + Long.toHexString(System.nanoTime());
        String storage = "storage:\n  name: local\n  local:\n    directory: " + archive + "\n"
                + "  compression:\n    algo: zstd\n  uploader:\n    sync_interval: 1s\n";
        String serveToken = "serve-token-" + Long.toHexString(System.nanoTime());
        try (Pgrwl serve = Pgrwl.serve(base, "serve", "main:\n  listen_port: 0\n  directory: " + wal + "\n"
                + "  auth_token: ${API_TOKEN}\n" + storage + "log:\n  level: info\n").env("API_TOKEN", serveToken)
                .start();
             PgCluster pg = PgCluster.init(base, "primary", 16, "synchronous_standby_names = 'pgrwl'",
                "synchronous_commit = on").start();
             Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, "main:\n  listen_port: 0\n  directory: " + wal + "\n"
                     + "  auth_token: ${API_TOKEN}\nreceiver:\n  slot: pgrwl\n  status_interval: 1s\n" + storage
                     + "ui:\n  receivers:\n    - label: archive-serve\n      addr: 127.0.0.1:" + serve.apiPort() + "\n"
                     + "      token: ${SERVE_TOKEN}\nlog:\n  level: info\n").env("API_TOKEN", token)
                     .env("SERVE_TOKEN", serveToken).start()) {
            pg.execute("create table rows (id int)", "insert into rows select generate_series(1, 1000)",
                    "select pg_switch_wal()", "insert into rows select generate_series(1, 1000)",
                    "select pg_switch_wal()");
            String api = "http://127.0.0.1:" + pgrwl.apiPort();
            assertEquals(200, send(api, "POST", "/api/v1/basebackup", token).statusCode());
            Await.until("the first backup completed", LONG, () -> send(api, "GET", "/api/v1/backups", token).body()
                    .contains("\"status\":\"completed\""));
            String firstBackup = field(send(api, "GET", "/api/v1/backups", token).body(), "id");
            Await.until("three segments archived", LONG, () -> archived(archive).size() >= 3);
            List<String> segments = archived(archive);
            assertEquals(200, send("http://127.0.0.1:" + serve.apiPort(), "GET", "/api/v1/wal/" + segments.get(0),
                    serveToken).statusCode(), "one WAL request answered by serve mode");

            // from outside the browser: the page and its assets need no token and carry the policy; data does
            HttpResponse<String> page = send(api, "GET", "/ui/", null);
            assertEquals(200, page.statusCode());
            String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
            assertTrue(csp.contains("script-src 'self'") && csp.contains("default-src 'none'")
                    && !csp.contains("unsafe-inline"), csp);
            assertTrue(!page.body().contains(token) && !page.body().matches("(?s).*<script>.*"), "no token, no"
                    + " inline script in the page");
            assertEquals(200, send(api, "GET", "/ui/assets/htmx.min.js", null).statusCode());
            assertEquals(401, send(api, "GET", "/ui/f/overview", null).statusCode());
            assertEquals(401, send(api, "POST", "/ui/f/backup", null).statusCode());

            try (Browser b = Browser.start(base)) {
                b.navigate(api + "/ui/");
                Await.until("the page to ask for the token", LONG, () -> "false".equals(
                        b.evaluate("String(document.getElementById('token-form').hidden)")));
                b.evaluate("document.getElementById('token').value = '" + token + "';"
                        + " document.getElementById('token-form').requestSubmit(); 'sent'");
                Await.until("the receiver's table", LONG, () -> {
                    String r = b.text("#receiver");
                    return r != null && r.contains("streaming") && r.contains("pgrwl") && r.matches("(?s).*"
                            + "timeline\\s+1\\b.*");
                });
                Await.until("every archived segment in the WAL table", LONG, () -> {
                    String t = b.text("#wal-table");
                    return t != null && segments.stream().allMatch(t::contains);
                });
                Await.until("the completed backup in the backups table", LONG, () -> {
                    String t = b.text("#backup-table");
                    return t != null && t.contains(firstBackup) && t.contains("completed");
                });
                String contiguity = b.text("#contiguity");
                assertTrue(contiguity != null, "the archive card");

                // the search is done by the server: one name, one row
                String wanted = segments.get(1);
                b.evaluate("document.querySelector('#wal-filter input[name=q]').value = '" + wanted + "';"
                        + " document.getElementById('wal-filter').requestSubmit(); 'sent'");
                Await.until("the search to leave one row", LONG, () -> "1".equals(b.evaluate(
                        "String(document.querySelectorAll('#wal-table tbody tr').length)"))
                        && b.text("#wal-table").contains(wanted));

                // the button starts a second backup, which the table then lists
                b.evaluate("document.getElementById('start-backup').click(); 'clicked'");
                Await.until("the button's answer", LONG, () -> {
                    String t = b.text("#backup-result");
                    return t != null && t.contains("base backup started");
                });
                Await.until("two backups in the API and in the table", LONG, () -> count(send(api, "GET",
                        "/api/v1/backups", token).body()) == 2 && "2".equals(b.evaluate(
                        "String(document.querySelectorAll('#backup-table tbody tr').length)")));

                // the other instance of ui.receivers, polled by this pgrwl with its own token
                b.evaluate("document.querySelector('#wal-filter input[name=q]').value = '';"
                        + " document.querySelector('#instances button[data-instance=\"1\"]').click(); 'clicked'");
                Await.until("the serve instance's requests and archive through this pgrwl", LONG, () -> {
                    String r = b.text("#requests");
                    String t = b.text("#wal-table");
                    return r != null && r.matches("(?s).*HTTP 200\\s+[1-9].*") && t != null && segments.stream().allMatch(t::contains);
                });
                Await.until("its backups card", LONG, () -> String.valueOf(b.text("#backups")).contains("takes none"));
                b.screenshot(SHOTS.resolve("receive-other-instance.png"));
                b.evaluate("document.querySelector('#instances button[data-instance=\"0\"]').click(); 'clicked'");
                Await.until("this pgrwl again", LONG, () -> String.valueOf(b.text("#receiver")).contains("streaming"));

                assertEquals("true", b.evaluate("String(sessionStorage.getItem('pgrwl-token') === '" + token
                        + "')"), "the token is kept in the tab's sessionStorage");
                assertEquals("false", b.evaluate("String(document.documentElement.outerHTML.includes('" + token
                        + "'))"), "the token is never in the page");
                assertEquals("", b.evaluate("document.cookie"), "no cookie");
                b.screenshot(SHOTS.resolve("receive.png"));
                assertEquals(List.of(), b.problems(), "console errors, exceptions, CSP violations");
            }

            try (Browser b = Browser.start(base)) {
                String serveApi = "http://127.0.0.1:" + serve.apiPort();
                b.navigate(serveApi + "/ui/");
                Await.until("serve mode's page to ask for its token", LONG, () -> "false".equals(
                        b.evaluate("String(document.getElementById('token-form').hidden)")));
                b.evaluate("document.getElementById('token').value = '" + serveToken + "';"
                        + " document.getElementById('token-form').requestSubmit(); 'sent'");
                Await.until("serve mode's requests and the archive", LONG, () -> {
                    String r = b.text("#requests");
                    String t = b.text("#wal-table");
                    return r != null && r.matches("(?s).*HTTP 200\\s+[1-9].*") && t != null && segments.stream().allMatch(t::contains);
                });
                assertEquals("true", b.evaluate("String(document.getElementById('start-backup') === null)"),
                        "no backups in serve mode");
                b.screenshot(SHOTS.resolve("serve.png"));
                assertEquals(List.of(), b.problems(), "console errors, exceptions, CSP violations");
            }
            assertEquals(0, serve.stop());
            assertTrue(Files.size(SHOTS.resolve("receive.png")) > 10_000 && Files.size(SHOTS.resolve("serve.png"))
                    > 10_000, "screenshots written");
            assertEquals(0, pgrwl.stop());
        }
        Os.deleteTree(base);
    }

    /** @return the archived segments' names, from the archive directory itself */
    private static List<String> archived(Path archive) throws Exception {
        Path dir = archive.resolve("wal-archive");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.matches("[0-9A-F]{24}\\.zst"))
                    .map(n -> n.substring(0, 24)).sorted().toList();
        }
    }

    private static HttpResponse<String> send(String api, String method, String path, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String field(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\"([^\"]+)\"").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return m.group(1);
    }

    private static int count(String backupsJson) {
        return backupsJson.split("\"status\":", -1).length - 1;
    }
}
