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
 * disk is full. pgrwl must start anyway, keep running, never acknowledge WAL it could not write, leave no damaged file,
 * and resume by itself once the server is back and the uploader has freed space; every segment then reaches the
 * archive identical to pg_receivewal's.
 *
 * <p>The file system is a loop-mounted ext4 image (a real block file system, with its own allocation and journal)
 * where the machine allows loop devices, else a tmpfs; docs/reliability.md says which one ran.
 */
class DiskFullIT {

    private static final int SEGMENT = 1024 * 1024;

    @Test
    void fullDiskStopsAcknowledgingAndRecoversByItself() throws Exception {
        Assumptions.assumeTrue(OpenSshd.canRun() && Os.ROOT, "needs root: mounts a small tmpfs and starts sshd");
        Path base = Os.tempDir("pgrwl-diskfull");
        Path wal = Files.createDirectories(base.resolve("pgrwl-wal"));
        Path reference = base.resolve("recv-wal");
        String fileSystem = mountSmallFileSystem(base, wal);
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

                // what the server holds as acknowledged: the walsender's flush position while connected, else the
                // slot's restart_lsn (it follows the flush position pgrwl reported)
                String flush = pg.queryOne("select coalesce((select r.flush_lsn from pg_stat_replication r join"
                        + " pg_replication_slots s on s.active_pid = r.pid where s.slot_name = 'pgrwl'),"
                        + " (select restart_lsn from pg_replication_slots where slot_name = 'pgrwl'))");
                long acknowledged = Slots.lsn(flush);
                long onDisk = endOfHighestSegment(wal);
                assertTrue(acknowledged <= onDisk, "acknowledged " + Long.toHexString(acknowledged)
                        + " but the WAL on disk ends at " + Long.toHexString(onDisk));
                Slots.awaitFlushed(pg, "recv", flush, Duration.ofMinutes(1));
                assertNoDamagedFile(wal, reference);
                int comparedSegments = assertAcknowledgedBytesOnDisk(wal, reference, acknowledged);

                long restarted = System.nanoTime();
                sshd.startListening();
                pg.insertAndSwitch(3);
                String target = pg.queryOne("select pg_current_wal_lsn()");
                Slots.awaitFlushed(pg, "pgrwl", target, Duration.ofMinutes(4));
                Slots.awaitFlushed(pg, "recv", target, Duration.ofMinutes(1));
                Await.until("the backlog drains", Duration.ofMinutes(3), () -> WalDirs.completed(wal).isEmpty()
                        && SftpArchives.decoded(objects).keySet().containsAll(WalDirs.completed(reference).keySet()));
                double recoverySeconds = (System.nanoTime() - restarted) / 1e9;
                pgrwl.awaitLog("Nothing beyond the last fsync was acknowledged", Duration.ofSeconds(1));
                pgrwl.awaitLog("the sftp storage is reachable now", Duration.ofSeconds(1));
                assertEquals(0, pgrwl.stop());
                recv.stop();
                TreeMap<String, String> expected = WalDirs.completed(reference);
                TreeMap<String, String> decoded = SftpArchives.decoded(objects);
                assertTrue(expected.size() >= 30, "expected at least 30 segments, got " + expected.size());
                for (var e : expected.entrySet()) {
                    assertEquals(e.getValue(), decoded.get(e.getKey()), "decoded " + e.getKey() + ".gz");
                }
                ReliabilityReport.passed(new ReliabilityReport.Row("4.disk-full", "main.directory on a 12 MiB "
                        + fileSystem + ", SFTP (OpenSSH) down from the start, 30 MiB of WAL",
                        "disk full (\"No space left on device\" " + occurrences(pgrwl.logText(),
                        "No space left on device") + " times), then sshd back",
                        "the server's acknowledged flush position lies in bytes on disk equal to pg_receivewal's;"
                        + " every file equals pg_receivewal's, every .partial one whole segment; pgrwl alive; the"
                        + " backlog drains by itself; every archived segment decodes equal to pg_receivewal's",
                        "acknowledged " + flush + " (" + comparedSegments + " segments compared up to it); "
                        + expected.size() + " segments archived and compared; drained "
                        + String.format(java.util.Locale.ROOT, "%.1f", recoverySeconds) + " s after sshd returned"));
            }
        } finally {
            Os.run(List.of("umount", wal.toString()), base.resolve("mount.log"));
        }
        Os.deleteTree(base);
    }

    /**
     * Mounts a 12 MiB file system over {@code wal}: ext4 in a loop-mounted image file (no reserved blocks) when the
     * machine allows loop devices, else tmpfs. @return which one, for the report
     */
    private static String mountSmallFileSystem(Path base, Path wal) throws Exception {
        Path image = base.resolve("wal.ext4");
        Path log = base.resolve("mount.log");
        try {
            Os.run(List.of("truncate", "-s", "12M", image.toString()), log);
            Os.run(List.of("mkfs.ext4", "-q", "-F", "-m", "0", image.toString()), log);
            Os.run(List.of("mount", "-o", "loop", image.toString(), wal.toString()), log);
            return "ext4 (loop-mounted image)";
        } catch (java.io.IOException | RuntimeException e) {
            // no loop devices here (a container without them): the same size in memory
            Os.run(List.of("mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", wal.toString()), log);
            return "tmpfs (loop devices unavailable: " + e.getMessage().lines().findFirst().orElse("") + ")";
        }
    }

    /**
     * The bytes PostgreSQL counts as acknowledged are on pgrwl's disk: every segment before the acknowledged position
     * is complete and equal to pg_receivewal's, and the segment holding it has the same bytes as pg_receivewal's up
     * to that position. @return how many segments were compared
     */
    private static int assertAcknowledgedBytesOnDisk(Path wal, Path reference, long acknowledged) throws Exception {
        long segmentsPerId = 0x100000000L / SEGMENT;
        TreeMap<String, String> ours = WalDirs.completed(wal);
        TreeMap<String, String> theirs = WalDirs.completed(reference);
        long last = acknowledged / SEGMENT;
        int offset = (int) (acknowledged % SEGMENT);
        int compared = 0;
        for (String name : theirs.keySet()) {
            long segno = Long.parseLong(name.substring(8, 16), 16) * segmentsPerId
                    + Long.parseLong(name.substring(16, 24), 16);
            if (segno < last) {
                assertEquals(theirs.get(name), ours.get(name), name + " (before the acknowledged position) is on"
                        + " pgrwl's disk, complete and equal to pg_receivewal's");
                compared++;
            }
        }
        if (offset > 0) {
            String name = String.format("%08X%08X%08X", 1, last / segmentsPerId, last % segmentsPerId);
            Path mine = Files.exists(wal.resolve(name)) ? wal.resolve(name) : wal.resolve(name + ".partial");
            Path other = Files.exists(reference.resolve(name)) ? reference.resolve(name)
                    : reference.resolve(name + ".partial");
            byte[] a = java.util.Arrays.copyOf(Files.readAllBytes(mine), offset);
            byte[] b = java.util.Arrays.copyOf(Files.readAllBytes(other), offset);
            assertTrue(java.util.Arrays.equals(a, b), "the first " + offset + " bytes of " + mine.getFileName()
                    + " (up to the acknowledged position) equal pg_receivewal's");
            compared++;
        }
        return compared;
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
