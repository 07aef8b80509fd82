package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
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
        String yaml = Pgrwl.config(wal, "pgrwl") + proxy.storageYaml();
        try (PgCluster pg = PgCluster.init(base, "primary", 1).start()) {
            pg.execute("select pg_create_physical_replication_slot('pgrwl', true),"
                    + " pg_create_physical_replication_slot('recv', true)", "create table t(id int, v text)");
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, yaml).env("S3_SECRET", "secret")
                    .env("ARCHIVE_PASS", "archive-secret").start();
                 PgReceiveWal recv = new PgReceiveWal(pg, reference, "recv").start()) {
                pg.insertAndSwitch(10);
                Await.until("segments reach S3", Duration.ofMinutes(1), () -> proxy.segmentCount() >= 5);

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
                        && proxy.decodedSegments().keySet().containsAll(WalDirs.completed(reference).keySet()));
                assertEquals(0, pgrwl.stop());
                recv.stop();
                String log = pgrwl.logText();
                assertTrue(!log.contains("archive-secret") && !log.contains("secret_access_key: secret"), "no secret"
                        + " in the log");
            }
            TreeMap<String, String> expected = WalDirs.completed(reference);
            TreeMap<String, String> decoded = proxy.decodedSegments();
            assertTrue(expected.size() >= 35, "expected at least 35 segments, got " + expected.size());
            for (var e : expected.entrySet()) {
                assertEquals(e.getValue(), decoded.get(e.getKey()), "decoded " + e.getKey());
            }
            ReliabilityReport.passed(new ReliabilityReport.Row("3.s3-down", "receive mode archiving to S3 (s3proxy),"
                    + " zstd + aes-256-gcm", "S3 stopped for " + OUTAGE.toSeconds() + " s mid-run, then restarted",
                    "segments pile up locally and the backlog drains by itself; every segment of pg_receivewal's"
                    + " in the bucket, decoded equal", expected.size() + " segments compared"));
        } finally {
            proxy.stop();
        }
        Os.deleteTree(base);
    }
}
