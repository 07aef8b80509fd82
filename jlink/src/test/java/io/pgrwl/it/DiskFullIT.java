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
 * main.directory on a 12 MiB file system and the SFTP server down, already when pgrwl starts: WAL piles up until the
 * disk is full. pgrwl must start anyway, keep running, never acknowledge WAL it could not write, leave no damaged file, and resume by itself once the server
 * is back and the uploader has freed space; every segment then reaches the archive identical to pg_receivewal's.
 */
class DiskFullIT {

    private static final int SEGMENT = 1024 * 1024;

    @Test
    void fullDiskStopsAcknowledgingAndRecoversByItself() throws Exception {
        Assumptions.assumeTrue(OpenSshd.canRun() && Os.ROOT, "needs root: mounts a small tmpfs and starts sshd");
        Path base = Os.tempDir("pgrwl-diskfull");
        Path wal = Files.createDirectories(base.resolve("pgrwl-wal"));
        Path reference = base.resolve("recv-wal");
        Os.run(List.of("mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", wal.toString()), base.resolve("mount.log"));
        try (OpenSshd sshd = OpenSshd.start(Files.createDirectories(base.resolve("sshd")));
             PgCluster pg = PgCluster.init(base, "primary", 1).start()) {
            String baseDir = sshd.newBaseDirectory("diskfull");
            Path objects = Path.of(baseDir, "wal-archive");
            String yaml = Pgrwl.config(wal, "pgrwl") + SftpArchives.storageYaml(sshd, baseDir);
            pg.execute("select pg_create_physical_replication_slot('pgrwl', true),"
                    + " pg_create_physical_replication_slot('recv', true)", "create table t(id int, v text)");
            sshd.stopListening(); // down from the start: pgrwl must receive WAL anyway
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, yaml).env("KEY_PASS", sshd.keyPassphrase()).start();
                 PgReceiveWal recv = new PgReceiveWal(pg, reference, "recv").start()) {
                pgrwl.awaitLog("cannot reach the sftp storage at start-up", Duration.ofSeconds(60));
                pg.insertAndSwitch(30); // 30 MiB of WAL for a 12 MiB disk
                Await.until("pgrwl runs out of space twice (it keeps retrying)", Duration.ofMinutes(2),
                        () -> occurrences(pgrwl.logText(), "No space left on device") >= 2);
                assertTrue(pgrwl.alive(), "pgrwl keeps running with a full disk");

                long acknowledged = Slots.lsn(pg.queryOne("select restart_lsn from pg_replication_slots"
                        + " where slot_name = 'pgrwl'"));
                long onDisk = endOfHighestSegment(wal);
                assertTrue(acknowledged <= onDisk, "acknowledged " + Long.toHexString(acknowledged)
                        + " but the WAL on disk ends at " + Long.toHexString(onDisk));
                assertNoDamagedFile(wal, reference);

                sshd.startListening();
                pg.insertAndSwitch(3);
                String target = pg.queryOne("select pg_current_wal_lsn()");
                Slots.awaitFlushed(pg, "pgrwl", target, Duration.ofMinutes(4));
                Slots.awaitFlushed(pg, "recv", target, Duration.ofMinutes(1));
                Await.until("the backlog drains", Duration.ofMinutes(3), () -> WalDirs.completed(wal).isEmpty()
                        && SftpArchives.decoded(objects).keySet().containsAll(WalDirs.completed(reference).keySet()));
                pgrwl.awaitLog("Nothing beyond the last fsync was acknowledged", Duration.ofSeconds(1));
                pgrwl.awaitLog("the sftp storage is reachable now", Duration.ofSeconds(1));
                assertEquals(0, pgrwl.stop());
                recv.stop();
            }
            TreeMap<String, String> expected = WalDirs.completed(reference);
            TreeMap<String, String> decoded = SftpArchives.decoded(objects);
            assertTrue(expected.size() >= 30, "expected at least 30 segments, got " + expected.size());
            for (var e : expected.entrySet()) {
                assertEquals(e.getValue(), decoded.get(e.getKey()), "decoded " + e.getKey() + ".gz");
            }
        } finally {
            Os.run(List.of("umount", wal.toString()), base.resolve("mount.log"));
        }
        Os.deleteTree(base);
    }

    /** Every complete file equals pg_receivewal's; every .partial is exactly one segment long. */
    private static void assertNoDamagedFile(Path wal, Path reference) throws Exception {
        TreeMap<String, String> ours = WalDirs.completed(wal);
        TreeMap<String, String> theirs = WalDirs.completed(reference);
        for (var e : ours.entrySet()) {
            assertEquals(theirs.get(e.getKey()), e.getValue(), e.getKey() + " equals pg_receivewal's");
        }
        try (var files = Files.list(wal)) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".partial")).toList()) {
                assertEquals(SEGMENT, Files.size(p), p + " is one whole segment");
            }
        }
    }

    /** @return the LSN just past the highest segment (complete or .partial) in {@code wal} */
    private static long endOfHighestSegment(Path wal) throws Exception {
        long segmentsPerId = 0x100000000L / SEGMENT;
        try (var files = Files.list(wal)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9A-F]{24}(\\.partial)?"))
                    .mapToLong(n -> Long.parseLong(n.substring(8, 16), 16) * segmentsPerId
                            + Long.parseLong(n.substring(16, 24), 16))
                    .max().orElseThrow() * SEGMENT + SEGMENT;
        }
    }


    private static int occurrences(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
