package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.S3Object;
import org.junit.jupiter.api.Test;

/**
 * An archive as the Go pgrwl lays it out in S3, under its {@code main.directory} without the leading slash
 * ({@code <dir>/wal-archive/NAME<ext>}, {@code <dir>/backups/<YYYYMMDDHHMMSS>/base.tar<ext>} and the marker
 * {@code <ts>.json<ext>}), read by pgrwl started with the Go user's unchanged configuration: its AEADv1 objects served
 * byte-exact, its base backup listed, restored and recovered through its WAL, its WAL verified.
 */
@org.junit.jupiter.api.Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
class GoArchiveIT {

    private static final Duration LONG = Duration.ofMinutes(2);
    /** The known-answer files of the Go pgrwl's format, kept with the crypto plugin's tests. */
    private static final Path FIXTURES = Path.of("../pgrwl-plugins-crypto/src/test/resources/aeadv1");

    /** The Go user's configuration: no prefix (the Go pgrwl has none), the archive under main.directory. */
    private static String goConfig(Path directory, S3Archives s3, String codecs) {
        return "main:\n  listen_port: 0\n  directory: " + directory + "\n"
                + "receiver:\n  slot: pgrwl\n"
                + "storage:\n  name: s3\n  s3:\n    url: " + s3.url() + "\n    bucket: wal\n    region: us-east-1\n"
                + "    access_key_id: " + S3Archives.ACCESS_KEY + "\n    secret_access_key: ${S3_SECRET}\n"
                + "    use_path_style: true\n" + codecs
                + "  uploader:\n    sync_interval: 1s\n    max_concurrency: 2\n"
                + "log:\n  level: trace\n";
    }

    private static String goRoot(Path directory) {
        return directory.toString().substring(1);
    }

    @Test
    void aeadV1ObjectsInTheGoLayoutInS3AndLocallyAreServedByteExact() throws Exception {
        Path base = Os.tempDir("pgrwl-go-aead");
        Path directory = Files.createDirectories(base.resolve("pgwal"));
        try (S3Archives s3 = S3Archives.start()) {
            for (String name : List.of("000000010000000000000001.aes", "000000010000000000000002.gz.aes")) {
                put(s3, goRoot(directory) + "/wal-archive/" + name, Files.readAllBytes(FIXTURES.resolve(name)));
            }
            String yaml = goConfig(directory, s3, "  encryption:\n    algo: aes-256-gcm\n    pass: pgrwl-known-answer\n");
            servedByteExact(base, "serve-s3", yaml);
        }
        // locally the Go pgrwl keeps <main.directory>/wal-archive/, where pgrwl's local storage looks by default
        Path local = Files.createDirectories(base.resolve("pgwal-local"));
        Files.createDirectories(local.resolve("wal-archive"));
        for (String name : List.of("000000010000000000000001.aes", "000000010000000000000002.gz.aes")) {
            Files.copy(FIXTURES.resolve(name), local.resolve("wal-archive").resolve(name));
        }
        servedByteExact(base, "serve-local", "main:\n  listen_port: 0\n  directory: " + local + "\n"
                + "storage:\n  name: local\n  encryption:\n    algo: aes-256-gcm\n    pass: pgrwl-known-answer\n"
                + "log:\n  level: info\n");
        Os.deleteTree(base);
    }

    private static void servedByteExact(Path base, String name, String yaml) throws Exception {
        try (Pgrwl serve = Pgrwl.serve(base, name, yaml).env("S3_SECRET", S3Archives.SECRET_KEY).start()) {
            byte[] plain = Files.readAllBytes(FIXTURES.resolve("plain.bin"));
            for (String wal : List.of("000000010000000000000001", "000000010000000000000002")) {
                HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + serve.apiPort() + "/api/v1/wal/" + wal)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, r.statusCode(), name + " " + wal);
                assertArrayEquals(plain, r.body(), name + ": " + wal + " decodes to plain.bin");
            }
            String wals = serve.get("/api/v1/wals");
            assertTrue(wals.contains("000000010000000000000001") && wals.contains("000000010000000000000002"), wals);
            assertEquals(0, serve.stop());
        }
    }

    @Test
    void aBaseBackupInTheGoLayoutIsListedRestoredAndRecoveredThroughItsWal() throws Exception {
        Path base = Os.tempDir("pgrwl-go-backup");
        Path directory = base.resolve("pgwal");
        try (S3Archives s3 = S3Archives.start();
             PgCluster pg = PgCluster.init(base, "primary", 16, "synchronous_standby_names = 'pgrwl'",
                     "synchronous_commit = on").start()) {
            String yaml = goConfig(directory, s3, "  compression:\n    algo: gzip\n");
            String rows;
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, yaml).env("S3_SECRET", S3Archives.SECRET_KEY)
                    .start()) {
                pg.execute("create table rows (id int)", "insert into rows select generate_series(1, 100)");
                Pgrwl backup = Pgrwl.command(base, "backup", pg, yaml, "backup").env("S3_SECRET",
                        S3Archives.SECRET_KEY);
                assertEquals(0, backup.run(LONG), backup.logText());
                pg.execute("insert into rows select generate_series(101, 250)", "select pg_switch_wal()");
                rows = pg.queryOne("select count(*) from rows");
                String end = pg.queryOne("select pg_current_wal_lsn()");
                Slots.awaitFlushed(pg, "pgrwl", end, LONG);
                Await.until("the archive holds the backup's and the rows' WAL", LONG, () -> pgrwl.get(
                        "/api/v1/backups").contains("\"status\":\"completed\"") && WalDirs.completed(directory)
                        .keySet().stream().noneMatch(n -> n.length() == 24));
                assertEquals(0, pgrwl.stop());
            }
            String ts = toGoLayout(s3, goRoot(directory));

            Pgrwl list = Pgrwl.command(base, "backups", null, yaml, "backups").env("S3_SECRET", S3Archives.SECRET_KEY);
            assertEquals(0, list.run(LONG), list.logText());
            assertTrue(list.logText().matches("(?s).*" + ts + " +completed .*"), list.logText());
            Pgrwl verify = Pgrwl.command(base, "verify", null, yaml, "verify", "--deep").env("S3_SECRET",
                    S3Archives.SECRET_KEY);
            assertEquals(0, verify.run(LONG), verify.logText());

            try (Pgrwl serve = Pgrwl.serve(base, "serve", yaml).env("S3_SECRET", S3Archives.SECRET_KEY).start()) {
                Path dest = base.resolve("restored");
                Pgrwl restore = Pgrwl.command(base, "restore", null, yaml, "restore", "--id", ts, "--dest",
                        dest.toString(), "--serve-addr", "127.0.0.1:" + serve.apiPort(), "--target-action",
                        "promote").env("S3_SECRET", S3Archives.SECRET_KEY);
                assertEquals(0, restore.run(LONG), restore.logText());
                assertTrue(restore.logText().contains("does not keep the raw backup_manifest"), restore.logText());
                Os.chownToPostgres(dest);
                try (PgCluster restored = PgCluster.existing(base, "restored", dest, Os.freePort())) {
                    restored.configure("synchronous_standby_names = ''");
                    restored.start();
                    Await.until("recovery to the end of the Go archive", LONG,
                            () -> "f".equals(restored.queryOne("select pg_is_in_recovery()")));
                    assertEquals(rows, restored.queryOne("select count(*) from rows"));
                    restored.stop();
                }
                assertTrue(serve.logText().contains("bytes from archive)"), "WAL came from the Go layout");
                assertEquals(0, serve.stop());
            }
        }
        Os.deleteTree(base);
    }

    /**
     * Moves what pgrwl wrote into the Go pgrwl's layout: WAL under {@code <root>/wal-archive/}, the backup's
     * {@code base.tar.gz} under {@code <root>/backups/<ts>/} with the Go pgrwl's marker {@code <ts>.json.gz} (its
     * fields only: no parts, no raw manifest), and nothing left in pgrwl's own layout.
     *
     * @return the Go backup id
     */
    private static String toGoLayout(S3Archives s3, String root) throws Exception {
        String ts = null;
        for (String key : keys(s3)) {
            if (key.startsWith("wal-archive/")) {
                put(s3, root + "/" + key, get(s3, key));
            } else if (key.matches("backups/[0-9]{14}-[0-9a-f]{6}/[0-9]{14}-[0-9a-f]{6}\\.json\\.gz")) {
                String ours = new String(gunzip(get(s3, key)), StandardCharsets.UTF_8);
                String id = key.split("/")[1];
                ts = id.substring(0, 14);
                String goMarker = "{\"start_lsn\":" + number(ours, "start_lsn") + ",\"stop_lsn\":"
                        + number(ours, "stop_lsn") + ",\"timeline_id\":" + number(ours, "timeline_id")
                        + ",\"tablespaces\":[],\"bytes_total\":" + number(ours, "bytes_total") + ",\"started_at\":\""
                        + text(ours, "started_at") + "\",\"finished_at\":\"" + text(ours, "finished_at")
                        + "\",\"manifest\":{\"PostgreSQL-Backup-Manifest-Version\":1,\"Files\":[]}}";
                put(s3, root + "/backups/" + ts + "/" + ts + ".json.gz", gzip(goMarker.getBytes(StandardCharsets.UTF_8)));
                put(s3, root + "/backups/" + ts + "/base.tar.gz", get(s3, "backups/" + id + "/base.tar.gz"));
            }
        }
        try (var c = s3.client()) {
            for (String key : keys(s3)) {
                if (!key.startsWith(root + "/")) {
                    c.deleteObject(b -> b.bucket("wal").key(key));
                }
            }
        }
        assertTrue(ts != null, "pgrwl's backup marker was found");
        return ts;
    }

    private static List<String> keys(S3Archives s3) {
        try (var c = s3.client()) {
            return c.listObjectsV2Paginator(b -> b.bucket("wal")).contents().stream().map(S3Object::key).toList();
        }
    }

    private static void put(S3Archives s3, String key, byte[] data) {
        try (var c = s3.client()) {
            c.putObject(b -> b.bucket("wal").key(key), RequestBody.fromBytes(data));
        }
    }

    private static byte[] get(S3Archives s3, String key) {
        try (var c = s3.client()) {
            return c.getObjectAsBytes(b -> b.bucket("wal").key(key)).asByteArray();
        }
    }

    private static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] gunzip(byte[] data) throws Exception {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(data))) {
            return in.readAllBytes();
        }
    }

    private static String number(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":(\\d+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return m.group(1);
    }

    private static String text(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\"([^\"]+)\"").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return m.group(1);
    }
}
