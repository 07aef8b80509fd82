package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.plugins.crypto.AesGcmCodecProvider;
import io.pgrwl.plugins.s3.S3StorageProvider;
import io.pgrwl.server.builtin.ZstdCodecProvider;
import io.pgrwl.spi.Codec;
import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Storage;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Receive mode archiving to an S3-compatible server (s3proxy on a loopback port) through plugins/s3 and
 * plugins/crypto, with zstd: the server is stopped for 60 s mid-run and restarted; nothing is lost, the backlog
 * drains, and every decoded object equals pg_receivewal's segment.
 */
class S3ArchiveIT {

    private static final Duration OUTAGE = Duration.ofSeconds(60);

    @Test
    void survivesAnS3OutageAndArchivesEverySegment() throws Exception {
        Path base = Os.tempDir("pgrwl-s3");
        Path wal = base.resolve("pgrwl-wal");
        Path reference = base.resolve("recv-wal");
        S3Archives proxy = S3Archives.start();
        Map<String, String> s3 = proxy.settings();
        String yaml = Pgrwl.config(wal, "pgrwl") + proxy.storageYaml();
        try (PgCluster pg = PgCluster.init(base, "primary", 1).start()) {
            pg.execute("select pg_create_physical_replication_slot('pgrwl', true),"
                    + " pg_create_physical_replication_slot('recv', true)", "create table t(id int, v text)");
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, yaml).env("S3_SECRET", "secret")
                    .env("ARCHIVE_PASS", "archive-secret").start();
                 PgReceiveWal recv = new PgReceiveWal(pg, reference, "recv").start()) {
                pg.insertAndSwitch(10);
                Await.until("segments reach S3", Duration.ofMinutes(1), () -> count(s3) >= 5);

                proxy.stop();
                long down = System.nanoTime();
                pg.insertAndSwitch(20);
                pgrwl.awaitLog("failed: java.io.IOException: S3 ", OUTAGE); // the existence check or the put
                Await.until("segments pile up locally while S3 is down", OUTAGE,
                        () -> WalDirs.completed(wal).size() >= 10);
                // the fault's duration, as the scenario prescribes (not a synchronisation)
                Thread.sleep(Math.max(0, OUTAGE.toMillis() - (System.nanoTime() - down) / 1_000_000));
                proxy.restart();

                pg.insertAndSwitch(5);
                String target = pg.queryOne("select pg_current_wal_lsn()");
                Slots.awaitFlushed(pg, "pgrwl", target, Duration.ofMinutes(2));
                Slots.awaitFlushed(pg, "recv", target, Duration.ofMinutes(2));
                Await.until("the backlog drains", Duration.ofMinutes(3), () -> WalDirs.completed(wal).isEmpty()
                        && decoded(s3).keySet().containsAll(WalDirs.completed(reference).keySet()));
                assertEquals(0, pgrwl.stop());
                recv.stop();
                String log = pgrwl.logText();
                assertTrue(!log.contains("archive-secret") && !log.contains("secret_access_key: secret"), "no secret"
                        + " in the log");
            }
            TreeMap<String, String> expected = WalDirs.completed(reference);
            TreeMap<String, String> decoded = decoded(s3);
            assertTrue(expected.size() >= 35, "expected at least 35 segments, got " + expected.size());
            for (var e : expected.entrySet()) {
                assertEquals(e.getValue(), decoded.get(e.getKey()), "decoded " + e.getKey());
            }
        } finally {
            proxy.stop();
        }
        Os.deleteTree(base);
    }

    private static Storage storage(Map<String, String> s3) throws Exception {
        return new S3StorageProvider().create(new PluginConfig("storage.s3", s3, Set.of("secret_access_key")));
    }

    private static int count(Map<String, String> s3) throws Exception {
        try (Storage st = storage(s3)) {
            return st.list("cluster1/wal-archive/").size();
        }
    }

    /** @return WAL name to SHA-256 of the decoded object, for every cluster1/wal-archive/NAME.zst.aes */
    private static TreeMap<String, String> decoded(Map<String, String> s3) throws Exception {
        Codec zstd = new ZstdCodecProvider().create(new PluginConfig("storage.compression", Map.of(), Set.of()));
        Codec aes = new AesGcmCodecProvider().create(new PluginConfig("storage.encryption",
                Map.of("pass", "archive-secret"), Set.of("pass")));
        TreeMap<String, String> result = new TreeMap<>();
        try (Storage st = storage(s3)) {
            for (ObjectInfo o : st.list("cluster1/wal-archive/")) {
                String name = o.name().substring("cluster1/wal-archive/".length());
                if (name.matches("[0-9A-F]{24}\\.pgrwl\\.partial\\.zst\\.aes")) {
                    continue; // the upload of the segment in progress (storage.uploader.partial_interval)
                }
                assertTrue(name.matches("[0-9A-F]{24}\\.zst\\.aes"), "unexpected object " + o.name());
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                try (InputStream in = zstd.decode(aes.decode(st.get(o.name())))) {
                    sha.update(in.readAllBytes());
                }
                result.put(name.substring(0, 24), HexFormat.of().formatHex(sha.digest()));
            }
        }
        return result;
    }
}
