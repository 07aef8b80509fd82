package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Recovery speed, a benchmark (not part of the suite; run with {@code -Dit.test=RecoveryBenchmark}): a base backup
 * plus at least {@code pgrwl.bench.wal.gib} GiB (default 2) of WAL, recovered four ways, each timed from the start of
 * the restored server until it leaves recovery:
 * <ol>
 * <li>{@code cp} from a plain directory (the baseline),
 * <li>{@code pgrwl restore-command} from serve mode on pgrwl's local directory,
 * <li>the same from an S3-compatible archive (zstd + aes-256-gcm) with read-ahead ({@code serve.prefetch: 8}),
 * <li>the same without read-ahead ({@code serve.prefetch: 0}).
 * </ol>
 * Every restore_command runs under a small wrapper that records each call's duration, for the per-call latency.
 * Each recovery must end with the same {@code sum(abalance)} as the primary. Prints a table and writes it to
 * {@code target/benchmarks/recovery.md}.
 */
class RecoveryBenchmark {

    private static final double GIB = 1024.0 * 1024 * 1024;

    /** One way to recover and what it measured. */
    private record Result(String variant, double seconds, List<Double> callMillis) {
    }

    @Test
    void recoveryThroughServeModeComparedWithCp() throws Exception {
        double walGib = Double.parseDouble(System.getProperty("pgrwl.bench.wal.gib", "2"));
        Path base = Os.tempDir("pgrwl-bench-recovery");
        Path localWal = base.resolve("local-wal");
        Path s3Wal = base.resolve("s3-wal");
        List<Result> results = new ArrayList<>();
        long walBytes;
        try (S3Archives s3 = S3Archives.start();
             PgCluster pg = PgCluster.init(base, "primary", 16, "max_wal_size = '8GB'", "checkpoint_timeout = '1h'")
                     .start()) {
            pg.execute("select pg_create_physical_replication_slot('local', true),"
                    + " pg_create_physical_replication_slot('s3', true)");
            try (Pgrwl local = Pgrwl.receive(base, "receive-local", pg, Pgrwl.config(localWal, "local")).start();
                 Pgrwl archived = Pgrwl.receive(base, "receive-s3", pg, Pgrwl.config(s3Wal, "s3") + s3.storageYaml())
                         .env("S3_SECRET", S3Archives.SECRET_KEY).env("ARCHIVE_PASS", "archive-secret").start()) {
                Path backup = base.resolve("backup");
                Os.run(Os.asPostgres(List.of(Os.pg("pg_basebackup").toString(), "-D", backup.toString(), "-h",
                        "127.0.0.1", "-p", Integer.toString(pg.port), "-U", "postgres", "-X", "none", "-c", "fast",
                        "--no-sync")), pg.log);
                long start = Slots.lsn(pg.queryOne("select pg_current_wal_lsn()"));
                pg.pgbenchInit(40);
                while (Slots.lsn(pg.queryOne("select pg_current_wal_lsn()")) - start < walGib * GIB) {
                    pg.execute("update pgbench_accounts set abalance = abalance + 1");
                }
                pg.execute("select pg_switch_wal()");
                String end = pg.queryOne("select pg_current_wal_lsn()");
                walBytes = Slots.lsn(end) - start;
                Slots.awaitFlushed(pg, "local", end, Duration.ofMinutes(5));
                Slots.awaitFlushed(pg, "s3", end, Duration.ofMinutes(5));
                Await.until("every completed segment is in S3", Duration.ofMinutes(15),
                        () -> WalDirs.completed(s3Wal).keySet().stream().noneMatch(n -> n.length() == 24));
                String expected = pg.queryOne("select sum(abalance) from pgbench_accounts");
                pg.stop();
                assertEquals(0, local.stop());
                assertEquals(0, archived.stop());
                Path launcher = Pgrwl.launcherForPostgres(base);
                results.add(recover(base, pg, backup, "cp", "cp " + localWal + "/%f %p", expected));
                results.add(serveAndRecover(base, pg, backup, launcher, "restore-command, serve: local directory",
                        Pgrwl.serveConfig(localWal), null, expected));
                Path empty = Files.createDirectories(base.resolve("empty"));
                for (int prefetch : new int[] {8, 0}) {
                    results.add(serveAndRecover(base, pg, backup, launcher, "restore-command, serve: S3 zstd+aes,"
                            + " prefetch " + prefetch, Pgrwl.serveConfig(empty, s3.storageYaml(), "serve:",
                            "  prefetch: " + prefetch), s3, expected));
                }
            }
        }
        String table = table(results, walBytes);
        System.out.println(table);
        Path report = Path.of("target/benchmarks/recovery.md");
        Files.createDirectories(report.getParent());
        Files.writeString(report, table);
        Os.deleteTree(base);
    }

    private static Result serveAndRecover(Path base, PgCluster pg, Path backup, Path launcher, String variant,
                                          String yaml, S3Archives s3, String expected) throws Exception {
        try (Pgrwl serve = Pgrwl.serve(base, "serve-" + Math.abs(variant.hashCode()), yaml.replace("level: trace",
                "level: info")).env("S3_SECRET", S3Archives.SECRET_KEY).env("ARCHIVE_PASS", "archive-secret")
                .start()) {
            String command = launcher + " restore-command --serve-addr 127.0.0.1:" + serve.apiPort() + " %f %p";
            Result r = recover(base, pg, backup, variant, command, expected);
            assertEquals(0, serve.stop());
            return r;
        }
    }

    /** Restores the base backup with {@code command} (under the timing wrapper) and times recovery. */
    private static Result recover(Path base, PgCluster pg, Path backup, String variant, String command,
                                  String expected) throws Exception {
        Path calls = base.resolve("calls-" + Math.abs(variant.hashCode()) + ".log");
        Path wrapper = base.resolve("timed-restore.sh");
        Files.writeString(wrapper, "#!/bin/sh\n# runs restore_command and logs: exit status, nanoseconds\n"
                + "t0=$(date +%s%N)\n\"$@\"\nrc=$?\nt1=$(date +%s%N)\necho \"$rc $((t1 - t0))\" >> \"$PGRWL_CALLS\"\n"
                + "exit $rc\n");
        Files.setPosixFilePermissions(wrapper, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.deleteIfExists(calls);
        GoldenCrash.restoreBaseBackup(pg, backup, "PGRWL_CALLS=" + calls + " " + wrapper + " " + command);
        Os.chownToPostgres(base);
        long t0 = System.nanoTime();
        double seconds;
        try (PgCluster restored = PgCluster.existing(base, "restored", pg.data, pg.port).start()) {
            restored.awaitReady(Duration.ofMinutes(30));
            seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals(expected, restored.queryOne("select sum(abalance) from pgbench_accounts"), variant);
        }
        List<Double> millis = new ArrayList<>();
        for (String line : Files.readAllLines(calls)) {
            String[] f = line.split(" ");
            if (f[0].equals("0")) {
                millis.add(Long.parseLong(f[1]) / 1e6);
            }
        }
        assertTrue(millis.size() > 100, variant + ": only " + millis.size() + " files restored");
        System.out.printf(Locale.ROOT, "%s: %.1f s, %d files%n", variant, seconds, millis.size());
        return new Result(variant, seconds, millis);
    }

    private static String table(List<Result> results, long walBytes) {
        double baseline = results.getFirst().seconds();
        StringBuilder t = new StringBuilder(String.format(Locale.ROOT, "Recovery of %.2f GiB of WAL (%d files restored"
                + " by cp)%n%n| restore_command | recovery s | × cp | files | per call median ms | p95 ms |%n"
                + "|---|---:|---:|---:|---:|---:|%n", walBytes / GIB, results.getFirst().callMillis().size()));
        for (Result r : results) {
            List<Double> sorted = r.callMillis().stream().sorted().toList();
            t.append(String.format(Locale.ROOT, "| %s | %.1f | %.2f | %d | %.0f | %.0f |%n", r.variant(), r.seconds(),
                    r.seconds() / baseline, sorted.size(), sorted.get(sorted.size() / 2),
                    sorted.get((int) Math.ceil(sorted.size() * 0.95) - 1)));
        }
        return t.toString();
    }

}
