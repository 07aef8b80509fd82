package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.plugins.sftp.testing.OpenSshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Receive mode archiving over SFTP (plugins/sftp) to Debian's OpenSSH sshd, with gzip, key authentication (an
 * ed25519 key with a passphrase) and host-key verification: sshd is stopped for 60 s mid-run and restarted; nothing is
 * lost, the backlog drains, and every decoded file equals pg_receivewal's segment.
 */
class SftpArchiveIT {

    private static final Duration OUTAGE = Duration.ofSeconds(60);

    @Test
    void survivesAnSftpOutageAndArchivesEverySegment() throws Exception {
        Assumptions.assumeTrue(OpenSshd.canRun(), "sshd must be started as root to switch to the test user");
        Path base = Os.tempDir("pgrwl-sftp");
        Path wal = base.resolve("pgrwl-wal");
        Path reference = base.resolve("recv-wal");
        try (OpenSshd sshd = OpenSshd.start(Files.createDirectories(base.resolve("sshd")));
             PgCluster pg = PgCluster.init(base, "primary", 1).start()) {
            String baseDir = sshd.newBaseDirectory("archive");
            Path objects = Path.of(baseDir, "wal-archive");
            String yaml = Pgrwl.config(wal, "pgrwl") + SftpArchives.storageYaml(sshd, baseDir);
            pg.execute("select pg_create_physical_replication_slot('pgrwl', true),"
                    + " pg_create_physical_replication_slot('recv', true)", "create table t(id int, v text)");
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, yaml).env("KEY_PASS", sshd.keyPassphrase()).start();
                 PgReceiveWal recv = new PgReceiveWal(pg, reference, "recv").start()) {
                pg.insertAndSwitch(10);
                Await.until("segments reach the SFTP server", Duration.ofMinutes(1), () -> count(objects) >= 5);

                sshd.stopListening();
                long down = System.nanoTime();
                pg.insertAndSwitch(20);
                pgrwl.awaitLog("cannot connect to SFTP server 127.0.0.1:" + sshd.port(), OUTAGE);
                Await.until("segments pile up locally while the server is down", OUTAGE,
                        () -> WalDirs.completed(wal).size() >= 10);
                // the status API shows the backlog and the failures
                Await.until("the status API reports the backlog", OUTAGE, () -> Pgrwl.jsonNumber(
                        pgrwl.get("/api/v1/status"), "backlog_files") >= 10);
                String during = pgrwl.get("/api/v1/status");
                assertTrue(Pgrwl.jsonNumber(during, "backlog_bytes") >= 10L * 1024 * 1024, during);
                assertTrue(Pgrwl.jsonNumber(during, "failures") > 0, during);
                assertTrue(Pgrwl.jsonNumber(during, "backlog_oldest_age_seconds") >= 0, during);
                assertTrue(during.contains("\"connected\":true"), during);
                // the fault's duration, as the scenario prescribes (not a synchronisation)
                Thread.sleep(Math.max(0, OUTAGE.toMillis() - (System.nanoTime() - down) / 1_000_000));
                sshd.startListening();

                pg.insertAndSwitch(5);
                String target = pg.queryOne("select pg_current_wal_lsn()");
                Slots.awaitFlushed(pg, "pgrwl", target, Duration.ofMinutes(2));
                Slots.awaitFlushed(pg, "recv", target, Duration.ofMinutes(2));
                Await.until("the backlog drains", Duration.ofMinutes(3), () -> WalDirs.completed(wal).isEmpty()
                        && SftpArchives.decoded(objects).keySet().containsAll(WalDirs.completed(reference).keySet()));
                String after = pgrwl.get("/api/v1/status");
                assertEquals(0, Pgrwl.jsonNumber(after, "backlog_files"), after);
                long uploaded = Pgrwl.jsonNumber(after, "uploaded");
                assertTrue(uploaded >= 30 && uploaded <= SftpArchives.decoded(objects).size(), after);
                assertEquals(0, pgrwl.stop());
                recv.stop();
                assertTrue(!pgrwl.logText().contains(sshd.keyPassphrase()), "the key passphrase never appears in the log");
            }
            TreeMap<String, String> expected = WalDirs.completed(reference);
            TreeMap<String, String> decoded = SftpArchives.decoded(objects);
            assertTrue(expected.size() >= 35, "expected at least 35 segments, got " + expected.size());
            for (var e : expected.entrySet()) {
                assertEquals(e.getValue(), decoded.get(e.getKey()), "decoded " + e.getKey() + ".gz");
            }
            try (var names = Files.list(objects)) {
                List<String> others = names.map(p -> p.getFileName().toString())
                        .filter(n -> !n.matches("[0-9A-F]{24}\\.gz")).toList();
                // besides them only the upload of the segment in progress, newer than every complete one
                assertTrue(others.size() <= 1 && others.stream().allMatch(n -> n.matches("[0-9A-F]{24}\\.pgrwl"
                        + "\\.partial\\.gz") && expected.lastKey().compareTo(n.substring(0, 24)) < 0),
                        "only completed segments, compressed, are archived (no temp files): " + others);
            }
            ReliabilityReport.passed(new ReliabilityReport.Row("3.sftp-down", "receive mode archiving over SFTP"
                    + " (OpenSSH sshd), gzip", "sshd stopped for " + OUTAGE.toSeconds() + " s mid-run, then started",
                    "the status API reports the backlog; it drains by itself; every segment of pg_receivewal's on the"
                    + " server, equal; no temporary file left", expected.size() + " segments compared"));
        }
        Os.deleteTree(base);
    }

    private static long count(Path objects) throws Exception {
        if (!Files.isDirectory(objects)) {
            return 0;
        }
        try (var files = Files.list(objects)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".gz")).count();
        }
    }
}
