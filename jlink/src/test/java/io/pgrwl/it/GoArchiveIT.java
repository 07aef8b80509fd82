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
import java.util.Map;
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
 * byte-exact, its base backup listed, restored and recovered through its WAL, its WAL verified; and with
 * {@code storage.compat: go}, what pgrwl writes is that layout and AEADv1, read back the Go pgrwl's way.
 */
@org.junit.jupiter.api.Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
class GoArchiveIT {

    private static final Duration LONG = Duration.ofMinutes(2);
    /** The known-answer files of the Go pgrwl's format, kept with the crypto plugin's tests. */
    private static final Path FIXTURES = Path.of("../pgrwl-plugins-crypto/src/test/resources/aeadv1");
    /**
     * The known-answer objects, stored as history files: their plaintext is no WAL, and serve mode sends a segment
     * only when its page headers say it is that segment.
     */
    private static final Map<String, String> STORED_AS = Map.of("000000010000000000000001.aes",
            "00000002.history.aes", "000000010000000000000002.gz.aes", "00000003.history.gz.aes");

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
            for (Map.Entry<String, String> f : STORED_AS.entrySet()) {
                put(s3, goRoot(directory) + "/wal-archive/" + f.getValue(), Files.readAllBytes(FIXTURES.resolve(
                        f.getKey())));
            }
            String yaml = goConfig(directory, s3, "  encryption:\n    algo: aes-256-gcm\n    pass: pgrwl-known-answer\n");
            servedByteExact(base, "serve-s3", yaml);
        }
        // locally the Go pgrwl keeps <main.directory>/wal-archive/, where pgrwl's local storage looks by default
        Path local = Files.createDirectories(base.resolve("pgwal-local"));
        Files.createDirectories(local.resolve("wal-archive"));
        for (Map.Entry<String, String> f : STORED_AS.entrySet()) {
            Files.copy(FIXTURES.resolve(f.getKey()), local.resolve("wal-archive").resolve(f.getValue()));
        }
        servedByteExact(base, "serve-local", "main:\n  listen_port: 0\n  directory: " + local + "\n"
                + "storage:\n  name: local\n  encryption:\n    algo: aes-256-gcm\n    pass: pgrwl-known-answer\n"
                + "log:\n  level: info\n");
        Os.deleteTree(base);
    }

    private static void servedByteExact(Path base, String name, String yaml) throws Exception {
        try (Pgrwl serve = Pgrwl.serve(base, name, yaml).env("S3_SECRET", S3Archives.SECRET_KEY).start()) {
            byte[] plain = Files.readAllBytes(FIXTURES.resolve("plain.bin"));
            for (String wal : List.of("00000002.history", "00000003.history")) {
                HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + serve.apiPort() + "/api/v1/wal/" + wal)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, r.statusCode(), name + " " + wal);
                assertArrayEquals(plain, r.body(), name + ": " + wal + " decodes to plain.bin");
            }
            String wals = serve.get("/api/v1/wals");
            assertTrue(wals.contains("00000002.history") && wals.contains("00000003.history"), wals);
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

    @Test
    void withCompatGoTheArchiveIsWhatTheGoPgrwlReadsAndStillRestores() throws Exception {
        Path base = Os.tempDir("pgrwl-go-compat");
        Path directory = base.resolve("pgwal");
        String root = goRoot(directory);
        try (S3Archives s3 = S3Archives.start();
             PgCluster pg = PgCluster.init(base, "primary", 16, "synchronous_standby_names = 'pgrwl'",
                     "synchronous_commit = on").start()) {
            String yaml = goConfig(directory, s3, "  compat: go\n  compression:\n    algo: zstd\n"
                    + "  encryption:\n    algo: aesgcm\n    pass: ${PGRWL_ENCRYPT_PASSWD}\n");
            String rows;
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, yaml).env("S3_SECRET", S3Archives.SECRET_KEY)
                    .env("PGRWL_ENCRYPT_PASSWD", "go-pass").start()) {
                pg.execute("create table rows (id int)", "insert into rows select generate_series(1, 100)");
                Pgrwl backup = Pgrwl.command(base, "backup", pg, yaml, "backup").env("S3_SECRET",
                        S3Archives.SECRET_KEY).env("PGRWL_ENCRYPT_PASSWD", "go-pass");
                assertEquals(0, backup.run(LONG), backup.logText());
                pg.execute("insert into rows select generate_series(101, 300)", "select pg_switch_wal()");
                rows = pg.queryOne("select count(*) from rows");
                String end = pg.queryOne("select pg_current_wal_lsn()");
                Slots.awaitFlushed(pg, "pgrwl", end, LONG);
                Await.until("the archive holds the backup's and the rows' WAL", LONG, () -> pgrwl.get(
                        "/api/v1/backups").contains("\"status\":\"completed\"") && WalDirs.completed(directory)
                        .keySet().stream().noneMatch(n -> n.length() == 24));
                assertEquals(0, pgrwl.stop());
            }

            // every object is where the Go pgrwl looks, named as it names them
            List<String> keys = keys(s3);
            List<String> wal = keys.stream().filter(k -> k.startsWith(root + "/wal-archive/")).toList();
            List<String> backupKeys = keys.stream().filter(k -> k.startsWith(root + "/backups/")).toList();
            assertEquals(keys.size(), wal.size() + backupKeys.size(), "nothing outside the Go root: " + keys);
            assertTrue(wal.size() >= 2 && wal.stream().allMatch(k -> k.matches(Pattern.quote(root)
                    + "/wal-archive/[0-9A-F]{24}\\.zst\\.aes")), wal.toString());
            Matcher marker = Pattern.compile(Pattern.quote(root) + "/backups/([0-9]{14})/\\1\\.json\\.zst\\.aes")
                    .matcher(String.join("\n", backupKeys));
            assertTrue(marker.find(), "a Go backup id and marker: " + backupKeys);
            String ts = marker.group(1);
            assertTrue(backupKeys.contains(root + "/backups/" + ts + "/base.tar.zst.aes"), backupKeys.toString());

            // read as the Go pgrwl reads: AEADv1 (the nonce taken from the stream), then zstd
            String json = new String(goRead(get(s3, marker.group()), "go-pass"), StandardCharsets.UTF_8);
            assertTrue(json.matches("(?s)\\{\"start_lsn\":[0-9]+,\"stop_lsn\":[0-9]+,\"timeline_id\":1,.*"
                    + "\"started_at\":\"[^\"]+\".*"), "the Go marker's fields, LSNs as numbers: " + json);
            String first = wal.stream().sorted().findFirst().orElseThrow();
            byte[] segment = goRead(get(s3, first), "go-pass");
            assertEquals(16 << 20, segment.length, first);
            java.nio.ByteBuffer page = java.nio.ByteBuffer.wrap(segment).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            assertEquals(0xD110, page.getShort(0) & 0xFFFF, "PostgreSQL 15's page magic in " + first);
            assertEquals(pg.queryOne("select system_identifier from pg_control_system()"),
                    Long.toUnsignedString(page.getLong(24)), "the cluster's system identifier in the long header");

            // and pgrwl reads it back: listed, verified, restored and recovered
            Pgrwl list = Pgrwl.command(base, "backups", null, yaml, "backups").env("S3_SECRET", S3Archives.SECRET_KEY)
                    .env("PGRWL_ENCRYPT_PASSWD", "go-pass");
            assertEquals(0, list.run(LONG), list.logText());
            assertTrue(list.logText().matches("(?s).*" + ts + " +completed .*"), list.logText());
            Pgrwl verify = Pgrwl.command(base, "verify", null, yaml, "verify", "--deep").env("S3_SECRET",
                    S3Archives.SECRET_KEY).env("PGRWL_ENCRYPT_PASSWD", "go-pass");
            assertEquals(0, verify.run(LONG), verify.logText());
            try (Pgrwl serve = Pgrwl.serve(base, "serve", yaml).env("S3_SECRET", S3Archives.SECRET_KEY)
                    .env("PGRWL_ENCRYPT_PASSWD", "go-pass").start()) {
                Path dest = base.resolve("restored");
                Pgrwl restore = Pgrwl.command(base, "restore", null, yaml, "restore", "--dest", dest.toString(),
                        "--serve-addr", "127.0.0.1:" + serve.apiPort(), "--target-action", "promote")
                        .env("S3_SECRET", S3Archives.SECRET_KEY).env("PGRWL_ENCRYPT_PASSWD", "go-pass");
                assertEquals(0, restore.run(LONG), restore.logText());
                Os.chownToPostgres(dest);
                Os.run(Os.asPostgres(List.of(Os.pg("pg_verifybackup").toString(), "-n", dest.toString())), null);
                try (PgCluster restored = PgCluster.existing(base, "restored", dest, Os.freePort())) {
                    restored.configure("synchronous_standby_names = ''");
                    restored.start();
                    Await.until("recovery to the end of the archive", LONG,
                            () -> "f".equals(restored.queryOne("select pg_is_in_recovery()")));
                    assertEquals(rows, restored.queryOne("select count(*) from rows"));
                    restored.stop();
                }
                assertEquals(0, serve.stop());
            }
        }
        Os.deleteTree(base);
    }

    /**
     * The Go pgrwl's reader, as its source reads AEADv1: the 22-byte header, then for each chunk a 12-byte nonce
     * taken from the stream as it is and up to 64 KiB + 16 of ciphertext opened with it, no AAD; then zstd.
     */
    private static byte[] goRead(byte[] object, String pass) throws Exception {
        assertArrayEquals("AEADv1".getBytes(StandardCharsets.US_ASCII), java.util.Arrays.copyOf(object, 6));
        var argon2 = new org.bouncycastle.crypto.generators.Argon2BytesGenerator();
        argon2.init(new org.bouncycastle.crypto.params.Argon2Parameters.Builder(
                org.bouncycastle.crypto.params.Argon2Parameters.ARGON2_id)
                .withVersion(org.bouncycastle.crypto.params.Argon2Parameters.ARGON2_VERSION_13).withIterations(1)
                .withMemoryAsKB(64 * 1024).withParallelism(4).withSalt(java.util.Arrays.copyOfRange(object, 6, 22))
                .build());
        byte[] key = new byte[32];
        argon2.generateBytes(pass.getBytes(StandardCharsets.UTF_8), key);
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        int at = 22;
        while (at < object.length) {
            byte[] nonce = java.util.Arrays.copyOfRange(object, at, at + 12);
            at += 12;
            int sealed = Math.min(65536 + 16, object.length - at);
            var cipher = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(javax.crypto.Cipher.DECRYPT_MODE, new javax.crypto.spec.SecretKeySpec(key, "AES"),
                    new javax.crypto.spec.GCMParameterSpec(128, nonce));
            plain.write(cipher.doFinal(object, at, sealed));
            at += sealed;
        }
        try (InputStream in = new com.github.luben.zstd.ZstdInputStream(new java.io.ByteArrayInputStream(
                plain.toByteArray()))) {
            return in.readAllBytes();
        }
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
