package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.plugins.sftp.testing.OpenSshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Faults injected into a running receive mode while a write load fills and switches a 1 MiB segment every 250 ms
 * (500 ms under the kills), so that writes, renames and uploads are always under way: pgrwl SIGKILLed ten times at
 * random moments (S3, SFTP); S3
 * answering 500, 503 SlowDown and slowly (a fault-injecting proxy in front of s3proxy); the SSH server restarted
 * while uploads run; a promotion while uploads crawl. The oracle is pg_receivewal streaming from the same server: at
 * the end every one of its segments is in the archive and decodes to the same bytes, and nothing else is there.
 * Each scenario writes its row of docs/reliability.md.
 */
@Timeout(value = 12, unit = java.util.concurrent.TimeUnit.MINUTES)
class FaultSuiteIT {

    private static final Duration LONG = Duration.ofMinutes(3);
    /** SIGKILLs per run; a soak run asks for more: -Dpgrwl.fault.kills=100 */
    private static final int KILLS = Integer.getInteger("pgrwl.fault.kills", 10);
    /** How long each storage fault lasts; a soak run asks for more: -Dpgrwl.fault.seconds=300 */
    private static final int FAULT_SECONDS = Integer.getInteger("pgrwl.fault.seconds", 20);

    @Test
    void tenSigkillsAtRandomMomentsLoseNothingInS3() throws Exception {
        Path base = Os.tempDir("pgrwl-kills-s3");
        try (S3Archives s3 = S3Archives.start(); PgCluster pg = PgCluster.init(base, "primary", 1).start()) {
            String yaml = Pgrwl.config(base.resolve("pgrwl-wal"), "pgrwl") + s3.storageYaml();
            Path backup = base.resolve("backup");
            Os.run(Os.asPostgres(List.of(Os.pg("pg_basebackup").toString(), "-D", backup.toString(), "-h",
                    "127.0.0.1", "-p", Integer.toString(pg.port), "-U", "postgres", "-X", "none", "-c", "fast",
                    "--no-sync")), pg.log);
            String figures = killRepeatedly(base, pg, yaml, Map.of("S3_SECRET", S3Archives.SECRET_KEY,
                    "ARCHIVE_PASS", "archive-secret"), s3::decodedSegments);
            String rows = pg.queryOne("select count(*) from t");
            // the archive restores: the base backup taken before the load, recovered from the bucket alone
            pg.stop();
            Path noLocalWal = Files.createDirectories(base.resolve("no-local-wal"));
            try (Pgrwl serve = Pgrwl.serve(base, "serve", Pgrwl.serveConfig(noLocalWal,
                    s3.storageYaml())).env("S3_SECRET", S3Archives.SECRET_KEY).env("ARCHIVE_PASS", "archive-secret")
                    .start()) {
                GoldenCrash.restoreBaseBackup(pg, backup, Pgrwl.launcherForPostgres(base)
                        + " restore-command --serve-addr 127.0.0.1:" + serve.apiPort() + " %f %p");
                pg.configure("recovery_target_action = 'promote'");
                try (PgCluster restored = PgCluster.existing(base, "restored", pg.data, pg.port).start()) {
                    Await.until("recovery to the end of the bucket", LONG,
                            () -> "f".equals(restored.queryOne("select pg_is_in_recovery()")));
                    assertEquals(rows, restored.queryOne("select count(*) from t"), "every row of the load");
                    restored.stop();
                }
                assertEquals(0, serve.stop());
            }
            ReliabilityReport.passed(new ReliabilityReport.Row("1.sigkill-s3", "receive mode archiving to S3"
                    + " (s3proxy), zstd + aes-256-gcm, a 1 MiB segment switched every 500 ms",
                    KILLS + " SIGKILLs of pgrwl, each 0.3–2 s after it streamed again (random, seed in the figures),"
                    + " then restarted", "every segment pg_receivewal wrote is in the bucket and decodes to its bytes;"
                    + " no other object but the upload of the segment in progress; a base backup taken before the"
                    + " load recovers from the bucket alone (serve mode, restore-command) with every row",
                    figures + "; " + rows + " rows restored, all"));
        }
        Os.deleteTree(base);
    }

    @Test
    void tenSigkillsAtRandomMomentsLoseNothingOverSftp() throws Exception {
        Assumptions.assumeTrue(OpenSshd.canRun(), "sshd must be started as root to switch to the test user");
        Path base = Os.tempDir("pgrwl-kills-sftp");
        try (OpenSshd sshd = OpenSshd.start(Files.createDirectories(base.resolve("sshd")));
             PgCluster pg = PgCluster.init(base, "primary", 1).start()) {
            String baseDir = sshd.newBaseDirectory("kills");
            Path objects = Path.of(baseDir, "wal-archive");
            // a kill between a put's write and its rename leaves its temporary file; listing removes it once
            // nobody wrote to it for stale_temp_after (15m by default, 5s here)
            String yaml = Pgrwl.config(base.resolve("pgrwl-wal"), "pgrwl") + SftpArchives.storageYaml(sshd, baseDir)
                    .replace("    connect_timeout: 5\n", "    connect_timeout: 5\n    stale_temp_after: 5s\n");
            String figures = killRepeatedly(base, pg, yaml, Map.of("KEY_PASS", sshd.keyPassphrase()),
                    () -> SftpArchives.decoded(objects));
            int leftovers = otherFiles(objects).size();
            Pgrwl verify = Pgrwl.command(base, "verify", null, yaml, "verify").env("KEY_PASS", sshd.keyPassphrase());
            assertEquals(0, verify.run(LONG), verify.logText());
            assertTrue(verify.logText().contains("archive OK"), verify.logText());
            assertEquals(List.of(), otherFiles(objects), "the temporary files of interrupted puts are gone after a"
                    + " listing");
            ReliabilityReport.passed(new ReliabilityReport.Row("1.sigkill-sftp", "receive mode archiving over SFTP"
                    + " (OpenSSH sshd), gzip, a 1 MiB segment switched every 500 ms",
                    KILLS + " SIGKILLs of pgrwl, each 0.3–2 s after it streamed again (random, seed in the figures),"
                    + " then restarted", "every segment pg_receivewal wrote is on the server and decompresses to its"
                    + " bytes; `pgrwl verify` passes; the temporary files of puts a kill interrupted are removed by"
                    + " a listing once stale (stale_temp_after)", figures + "; temporary files left by the kills: "
                    + leftovers + ", after `pgrwl verify`'s listing: 0"));
        }
        Os.deleteTree(base);
    }

    @Test
    void s3AnsweringErrorsSlowDownAndSlowlyLosesNothing() throws Exception {
        Path base = Os.tempDir("pgrwl-s3-faults");
        Path wal = base.resolve("pgrwl-wal");
        Path reference = base.resolve("recv-wal");
        try (S3Archives s3 = S3Archives.start(); FaultyHttpProxy proxy = new FaultyHttpProxy(s3.port, 256 * 1024);
             PgCluster pg = PgCluster.init(base, "primary", 1).start()) {
            String yaml = Pgrwl.config(wal, "pgrwl")
                    + s3.storageYaml().replace(s3.url(), "http://127.0.0.1:" + proxy.port());
            createSlots(pg);
            List<String> phases = new ArrayList<>();
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, yaml).env("S3_SECRET", S3Archives.SECRET_KEY)
                    .env("ARCHIVE_PASS", "archive-secret").start();
                 PgReceiveWal recv = new PgReceiveWal(pg, reference, "recv").start();
                 SwitchingLoad load = new SwitchingLoad(pg)) {
                Await.until("segments reach S3", LONG, () -> s3.segmentCount() >= 3);
                for (FaultyHttpProxy.Mode mode : List.of(FaultyHttpProxy.Mode.INTERNAL_ERROR,
                        FaultyHttpProxy.Mode.SLOW_DOWN, FaultyHttpProxy.Mode.SLOW)) {
                    long answers = proxy.madeUpAnswers();
                    long slowed = proxy.slowedConnections();
                    long flushedBefore = flushed(pg, "pgrwl");
                    proxy.mode(mode);
                    // the fault's duration (not a synchronisation); it is met by requests
                    Thread.sleep(FAULT_SECONDS * 1000L);
                    boolean met = mode == FaultyHttpProxy.Mode.SLOW ? proxy.slowedConnections() > slowed
                            : proxy.madeUpAnswers() > answers;
                    assertTrue(met, mode + " met no request");
                    long flushedAfter = flushed(pg, "pgrwl");
                    assertTrue(flushedAfter > flushedBefore, "WAL kept being received and acknowledged during "
                            + mode + " (a storage fault never stops the stream)");
                    phases.add(mode.name().toLowerCase(Locale.ROOT) + ": " + (mode == FaultyHttpProxy.Mode.SLOW
                            ? (proxy.slowedConnections() - slowed) + " connections slowed"
                            : (proxy.madeUpAnswers() - answers) + " answers made up") + ", "
                            + (flushedAfter - flushedBefore) / (1024 * 1024) + " MiB acknowledged meanwhile");
                    proxy.mode(FaultyHttpProxy.Mode.PASS);
                }
                load.close();
                String figures = drainAndCompare(pg, pgrwl, wal, reference, s3::decodedSegments);
                ReliabilityReport.passed(new ReliabilityReport.Row("3.s3-errors-slow", "receive mode archiving to S3"
                        + " through a fault-injecting HTTP proxy, zstd + aes-256-gcm, a continuous load",
                        FAULT_SECONDS + " s of 500 InternalError, " + FAULT_SECONDS + " s of 503 SlowDown, "
                        + FAULT_SECONDS + " s of answers at "
                        + proxy.slowBytesPerSecond() / 1024 + " KiB/s each burst "
                        + FaultyHttpProxy.SLOW_BURST_DELAY_MS + " ms late; open connections cut at each switch",
                        "WAL acknowledged throughout every fault; every segment of pg_receivewal's in the bucket, equal",
                        String.join("; ", phases) + "; " + figures));
            }
        }
        Os.deleteTree(base);
    }

    @Test
    void theSshServerRestartedWhileUploadsRunLosesNothing() throws Exception {
        Assumptions.assumeTrue(OpenSshd.canRun(), "sshd must be started as root to switch to the test user");
        Path base = Os.tempDir("pgrwl-sshd-restart");
        Path wal = base.resolve("pgrwl-wal");
        Path reference = base.resolve("recv-wal");
        try (OpenSshd sshd = OpenSshd.start(Files.createDirectories(base.resolve("sshd")));
             PgCluster pg = PgCluster.init(base, "primary", 1).start()) {
            String baseDir = sshd.newBaseDirectory("restarts");
            Path objects = Path.of(baseDir, "wal-archive");
            String yaml = Pgrwl.config(wal, "pgrwl") + SftpArchives.storageYaml(sshd, baseDir);
            createSlots(pg);
            int restarts = 0;
            int withBacklog = 0;
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, yaml).env("KEY_PASS", sshd.keyPassphrase()).start();
                 PgReceiveWal recv = new PgReceiveWal(pg, reference, "recv").start();
                 SwitchingLoad load = new SwitchingLoad(pg)) {
                Await.until("segments reach the server", LONG, () -> SftpArchives.decoded(objects).size() >= 3);
                Random random = new Random();
                for (int i = 0; i < 3; i++) {
                    int before = SftpArchives.decoded(objects).size();
                    Await.until("uploads under way", LONG, () -> SftpArchives.decoded(objects).size() > before);
                    Thread.sleep(200 + random.nextInt(800)); // a random moment within the uploads: the fault's timing
                    withBacklog += backlogFiles(pgrwl) > 0 ? 1 : 0;
                    sshd.stopListening(); // the server and every session end, as a restart does
                    sshd.startListening();
                    restarts++;
                }
                load.close();
                String figures = drainAndCompare(pg, pgrwl, wal, reference, () -> SftpArchives.decoded(objects));
                List<String> others = otherFiles(objects);
                ReliabilityReport.passed(new ReliabilityReport.Row("3.sshd-restart", "receive mode archiving over"
                        + " SFTP (OpenSSH sshd), gzip, a continuous load", restarts + " restarts of sshd (every"
                        + " session cut) while segments were being uploaded", "every segment of pg_receivewal's on"
                        + " the server, equal", figures + "; restarts with a backlog waiting: " + withBacklog
                        + "; files besides NAME.gz on the server: " + others.size()));
            }
        }
        Os.deleteTree(base);
    }

    @Test
    void aPromotionWhileUploadsCrawlKeepsTheArchiveContinuous() throws Exception {
        Path base = Os.tempDir("pgrwl-promote-uploading");
        Path wal = base.resolve("pgrwl-wal");
        try (S3Archives s3 = S3Archives.start(); FaultyHttpProxy proxy = new FaultyHttpProxy(s3.port, 32 * 1024);
             PgCluster primary = PgCluster.init(base, "primary", 1).start();
             PgCluster standby = PgCluster.standbyOf(primary, "standby").start()) {
            String storage = s3.storageYaml().replace(s3.url(), "http://127.0.0.1:" + proxy.port());
            String yaml = Pgrwl.config(wal, "pgrwl") + storage;
            primary.execute("create table t(id int, v text)");
            Await.until("the standby streams", LONG, () -> "t".equals(standby.queryOne("select pg_is_in_recovery()")));
            int backlogAtPromotion;
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", standby, yaml).env("S3_SECRET", S3Archives.SECRET_KEY)
                    .env("ARCHIVE_PASS", "archive-secret").start()) {
                primary.insertAndSwitch(4);
                Await.until("segments reach S3", LONG, () -> s3.segmentCount() >= 2);
                proxy.mode(FaultyHttpProxy.Mode.SLOW); // uploads crawl: the promotion meets them under way
                primary.insertAndSwitch(8);
                String target = primary.queryOne("select pg_current_wal_lsn()");
                Await.until("the standby replayed", LONG, () -> "t".equals(standby.queryOne(
                        "select pg_last_wal_replay_lsn() >= '" + target + "'::pg_lsn")));
                Slots.awaitFlushed(standby, "pgrwl", target, LONG);
                backlogAtPromotion = backlogFiles(pgrwl);
                assertTrue(backlogAtPromotion > 0, "uploads were under way at the promotion");
                standby.promote();
                pgrwl.awaitLog("switched to timeline 2", Duration.ofSeconds(60));
                standby.insertAndSwitch(6);
                proxy.mode(FaultyHttpProxy.Mode.PASS);
                String end = standby.queryOne("select pg_current_wal_lsn()");
                Slots.awaitFlushed(standby, "pgrwl", end, LONG);
                Await.until("every completed segment is archived", LONG, () -> WalDirs.completed(wal).keySet()
                        .stream().noneMatch(n -> n.length() == 24) && backlogFiles(pgrwl) == 0);
                assertEquals(0, pgrwl.stop());
            }
            TreeMap<String, String> archived = s3.decodedSegments();
            long tl1 = archived.keySet().stream().filter(n -> n.startsWith("00000001")).count();
            long tl2 = archived.keySet().stream().filter(n -> n.startsWith("00000002")).count();
            assertTrue(tl1 >= 10 && tl2 >= 5, "segments of both timelines: " + archived.keySet());
            Pgrwl verify = Pgrwl.command(base, "verify", null, yaml, "verify", "--deep")
                    .env("S3_SECRET", S3Archives.SECRET_KEY).env("ARCHIVE_PASS", "archive-secret");
            assertEquals(0, verify.run(LONG), verify.logText());
            assertTrue(verify.logText().matches("(?s).*present  00000001[0-9A-F]{16} \\.\\. 00000002[0-9A-F]{16}.*"),
                    "one run from timeline 1 into timeline 2: " + verify.logText());
            ReliabilityReport.passed(new ReliabilityReport.Row("5.promotion-uploading", "receive mode streaming"
                    + " from a standby into S3 (zstd + aes-256-gcm) through the fault proxy", "the standby promoted"
                    + " while uploads crawled at " + proxy.slowBytesPerSecond() / 1024 + " KiB/s",
                    "`pgrwl verify --deep`: one contiguous run from timeline 1 into timeline 2, every object decoded"
                    + " and its page headers checked", backlogAtPromotion + " segments waiting for upload at the"
                    + " promotion; " + tl1 + " segments of timeline 1 and " + tl2 + " of timeline 2 verified"));
        }
        Os.deleteTree(base);
    }

    // ------------------------------------------------------------------------------------------------ the kills

    /**
     * Kills pgrwl {@link #KILLS} times at random moments of a continuous load, restarting it each time, then drains
     * and compares. @return the figures
     */
    private static String killRepeatedly(Path base, PgCluster pg, String yaml, Map<String, String> env,
                                         Callable<TreeMap<String, String>> archived) throws Exception {
        Path wal = base.resolve("pgrwl-wal");
        Path reference = base.resolve("recv-wal");
        createSlots(pg);
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int withBacklog = 0;
        Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, yaml);
        env.forEach(pgrwl::env);
        try (pgrwl; PgReceiveWal recv = new PgReceiveWal(pg, reference, "recv").start();
             SwitchingLoad load = new SwitchingLoad(pg, 2 * SwitchingLoad.PACE_MS)) {
            pgrwl.start();
            for (int i = 0; i < KILLS; i++) {
                awaitStreaming(pg);
                Thread.sleep(300 + random.nextInt(1700)); // the random moment of the kill: the fault itself
                withBacklog += backlogFiles(pgrwl) > 0 ? 1 : 0;
                pgrwl.kill();
                pgrwl.start();
            }
            awaitStreaming(pg);
            load.close();
            return drainAndCompare(pg, pgrwl, wal, reference, archived) + "; kills with uploads waiting: "
                    + withBacklog + " of " + KILLS + "; seed " + seed;
        }
    }

    // ------------------------------------------------------------------------------------------------ shared

    /**
     * Waits until both receivers flushed the server's current position and every completed segment left pgrwl's
     * directory for the archive, then compares the archive with pg_receivewal's segments. @return the figures
     */
    private static String drainAndCompare(PgCluster pg, Pgrwl pgrwl, Path wal, Path reference,
                                          Callable<TreeMap<String, String>> archived) throws Exception {
        pg.execute("select pg_switch_wal()");
        String target = pg.queryOne("select pg_current_wal_lsn()");
        long t0 = System.nanoTime();
        Slots.awaitFlushed(pg, "pgrwl", target, LONG);
        Slots.awaitFlushed(pg, "recv", target, LONG);
        Await.until("the backlog drains", LONG, () -> WalDirs.completed(wal).isEmpty()
                && archived.call().keySet().containsAll(WalDirs.completed(reference).keySet()));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, pgrwl.stop());
        TreeMap<String, String> expected = WalDirs.completed(reference);
        TreeMap<String, String> got = archived.call();
        assertTrue(expected.size() >= 20, "a load of at least 20 segments, got " + expected.size());
        for (var e : expected.entrySet()) {
            assertEquals(e.getValue(), got.get(e.getKey()), "archived " + e.getKey() + " equals pg_receivewal's");
        }
        assertEquals(expected.keySet(), got.keySet(), "nothing in the archive that pg_receivewal did not write");
        return expected.size() + " segments compared, all equal; drained " + String.format(Locale.ROOT, "%.1f s",
                seconds) + " after the last fault";
    }

    private static void createSlots(PgCluster pg) throws Exception {
        pg.execute("select pg_create_physical_replication_slot('pgrwl', true),"
                + " pg_create_physical_replication_slot('recv', true)", "create table t(id int, v text)");
    }

    private static void awaitStreaming(PgCluster pg) throws Exception {
        Await.until("pgrwl streams", LONG, () -> "1".equals(pg.queryOne("select count(*) from pg_stat_replication"
                + " where application_name = 'pgrwl' and state = 'streaming'")));
    }

    /** @return the slot's flush position as the server holds it (restart_lsn follows what pgrwl acknowledged) */
    private static long flushed(PgCluster pg, String slot) throws Exception {
        return Slots.lsn(pg.queryOne("select restart_lsn from pg_replication_slots where slot_name = '" + slot + "'"));
    }

    /** @return the upload backlog's file count from /api/v1/status, 0 when pgrwl does not answer */
    private static int backlogFiles(Pgrwl pgrwl) {
        try {
            return (int) Pgrwl.jsonNumber(pgrwl.get("/api/v1/status"), "backlog_files");
        } catch (Exception e) {
            return 0;
        }
    }

    /** What a gzip archive over SFTP holds: segments, the upload of the segment in progress, histories. */
    private static final String ARCHIVED_GZ = "[0-9A-F]{24}\\.gz|[0-9A-F]{24}\\.pgrwl\\.partial\\.gz"
            + "|[0-9A-F]{8}\\.history\\.gz";

    private static List<String> otherFiles(Path objects) throws Exception {
        try (var files = Files.list(objects)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> !n.matches(ARCHIVED_GZ)).sorted().toList();
        }
    }

    /**
     * A write load on its own thread until closed: a 1 MiB segment filled and switched every {@link #PACE_MS}; a
     * failure of it fails the test at close.
     */
    private static final class SwitchingLoad implements AutoCloseable {
        private static final long PACE_MS = 250;
        private final AtomicInteger switches = new AtomicInteger();
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        private final Thread thread;
        private volatile boolean stopped;

        SwitchingLoad(PgCluster pg) {
            this(pg, PACE_MS);
        }

        SwitchingLoad(PgCluster pg, long paceMs) {
            thread = Thread.ofPlatform().name("switching-load").start(() -> {
                while (!stopped) {
                    try {
                        pg.insertAndSwitch(1);
                        switches.incrementAndGet();
                        Thread.sleep(paceMs); // the load's pace, not a synchronisation
                    } catch (Exception e) {
                        failure.set(e);
                        return;
                    }
                }
            });
        }

        @Override
        public void close() throws Exception {
            if (thread.isAlive() || !stopped) {
                stopped = true;
                thread.join();
                if (failure.get() != null) {
                    throw new AssertionError("the write load failed", failure.get());
                }
            }
        }
    }
}
