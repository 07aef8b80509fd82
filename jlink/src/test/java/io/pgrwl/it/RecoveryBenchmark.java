package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Recovery speed, a benchmark (not part of the suite; {@code bench/run.sh --scenarios recovery} runs it, or
 * {@code -Dit.test=RecoveryBenchmark}): a base backup plus at least {@code pgrwl.bench.wal.gib} GiB (default 1) of
 * WAL, recovered in {@code pgrwl.bench.rounds} alternating rounds (default 3) of each variant, each timed from the
 * start of the restored server until it leaves recovery:
 * <ul>
 * <li>{@code cp} from a plain directory (the baseline);
 * <li>{@code pgrwl restore-command} from serve mode on pgrwl's local directory, with the prefetch spool and with
 *     {@code --no-prefetch};
 * <li>the same from an S3-compatible archive (zstd + aes-256-gcm), serve mode's read-ahead on ({@code serve.prefetch:
 *     8});
 * <li>the same with {@value #LATENCY_MS} ms one way added between serve mode and the storage ({@link LatencyProxy}),
 *     also without any read-ahead ({@code serve.prefetch: 0}, {@code --no-prefetch}): what read-ahead buys.
 * </ul>
 * Every restore_command runs under a small wrapper that records each call's duration and whether the spool held the
 * file before the call (a hit of the launcher's fast path). Each recovery must end with the same
 * {@code sum(abalance)} as the primary. Prints a table and writes it to {@code target/benchmarks/recovery.md}.
 */
class RecoveryBenchmark {

    private static final double GIB = 1024.0 * 1024 * 1024;
    static final int LATENCY_MS = 10;
    /** Each serve mode gets its own log: the port is read from it. */
    private static final java.util.concurrent.atomic.AtomicInteger SERVES = new java.util.concurrent.atomic.AtomicInteger();

    /** Where serve mode reads from. */
    private enum Source { CP, LOCAL, S3, S3_LATENCY }

    /** One way to recover. */
    private record Variant(String label, Source source, boolean spool, int serveReadAhead) {
    }

    /** One recovery and what it measured; cpu: CPU seconds by role (see {@link #role}). */
    private record Result(double seconds, List<Double> callMillis, int hits, Map<String, Double> cpu) {
    }

    /** @return the benchmark's name for a process, from its command line, or null for processes it ignores */
    private static String role(String commandLine) {
        if (commandLine.startsWith("postgres: startup")) {
            return "replay";
        }
        if (commandLine.contains(" restore-prefetch ")) {
            return "prefetcher";
        }
        if (commandLine.contains(" restore-command ")) {
            return "restore-command";
        }
        if (commandLine.contains(" -m serve")) {
            return "serve";
        }
        return null;
    }

    private static final List<Variant> VARIANTS = List.of(
            new Variant("cp", Source.CP, false, 0),
            new Variant("restore-command, serve: local directory", Source.LOCAL, true, 8),
            new Variant("restore-command --no-prefetch, serve: local directory", Source.LOCAL, false, 8),
            new Variant("restore-command, serve: S3 zstd+aes", Source.S3, true, 8),
            new Variant("restore-command --no-prefetch, serve: S3 zstd+aes", Source.S3, false, 8),
            new Variant("restore-command, serve: S3 zstd+aes, +" + LATENCY_MS + " ms each way", Source.S3_LATENCY,
                    true, 8),
            new Variant("restore-command --no-prefetch, serve: S3 zstd+aes, +" + LATENCY_MS + " ms each way",
                    Source.S3_LATENCY, false, 8),
            new Variant("restore-command --no-prefetch, serve.prefetch 0: S3 zstd+aes, +" + LATENCY_MS
                    + " ms each way", Source.S3_LATENCY, false, 0));

    @Test
    void recoveryThroughServeModeComparedWithCp() throws Exception {
        double walGib = Double.parseDouble(System.getProperty("pgrwl.bench.wal.gib", "1"));
        int rounds = Integer.parseInt(System.getProperty("pgrwl.bench.rounds", "3"));
        Path base = Os.tempDir("pgrwl-bench-recovery");
        Path localWal = base.resolve("local-wal");
        Path s3Wal = base.resolve("s3-wal");
        Map<Variant, List<Result>> results = new LinkedHashMap<>();
        long walBytes;
        try (S3Archives s3 = S3Archives.start();
             LatencyProxy slowS3 = new LatencyProxy(s3.port, LATENCY_MS);
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
                Path empty = Files.createDirectories(base.resolve("empty"));
                for (int round = 0; round < rounds; round++) {
                    List<Variant> order = new ArrayList<>(VARIANTS.stream().filter(RecoveryBenchmark::selected)
                            .toList());
                    if (round % 2 == 1) {
                        java.util.Collections.reverse(order);
                    }
                    for (Variant v : order) {
                        String yaml = switch (v.source()) {
                            case CP -> null;
                            case LOCAL -> Pgrwl.serveConfig(localWal);
                            case S3 -> Pgrwl.serveConfig(empty, s3.storageYaml(), "serve:",
                                    "  prefetch: " + v.serveReadAhead());
                            case S3_LATENCY -> Pgrwl.serveConfig(empty, s3.storageYaml().replace(s3.url(),
                                    "http://127.0.0.1:" + slowS3.port()), "serve:", "  prefetch: "
                                    + v.serveReadAhead());
                        };
                        Result r = yaml == null ? recover(base, pg, backup, v, "cp " + localWal + "/%f %p", expected)
                                : serveAndRecover(base, pg, backup, launcher, v, yaml, expected);
                        results.computeIfAbsent(v, k -> new ArrayList<>()).add(r);
                    }
                }
            }
        }
        String table = table(results, walBytes, rounds);
        System.out.println(table);
        Path report = Path.of("target/benchmarks/recovery.md");
        Files.createDirectories(report.getParent());
        Files.writeString(report, table);
        Os.deleteTree(base);
    }

    private static Result serveAndRecover(Path base, PgCluster pg, Path backup, Path launcher, Variant v,
                                          String yaml, String expected) throws Exception {
        try (Pgrwl serve = Pgrwl.serve(base, "serve-" + SERVES.incrementAndGet(), yaml.replace("level: trace", "level: info"))
                .env("S3_SECRET", S3Archives.SECRET_KEY).env("ARCHIVE_PASS", "archive-secret")
                .env("PGRWL_JAVA_OPTS", System.getProperty("pgrwl.bench.serve.opts")).start()) {
            String command = launcher + " restore-command --serve-addr 127.0.0.1:" + serve.apiPort()
                    + (v.spool() ? "" : " --no-prefetch") + " %f %p";
            Result r = recover(base, pg, backup, v, command, expected);
            assertEquals(0, serve.stop());
            return r;
        }
    }

    /** Restores the base backup with {@code command} (under the timing wrapper) and times recovery. */
    private static Result recover(Path base, PgCluster pg, Path backup, Variant v, String command,
                                  String expected) throws Exception {
        Path calls = base.resolve("calls-" + Math.abs(v.label().hashCode()) + ".log");
        Path wrapper = base.resolve("timed-restore.sh");
        Files.writeString(wrapper, """
                #!/bin/sh
                # runs restore_command and logs: exit status, nanoseconds, 1 when the spool held %f before the call, %f
                hit=0
                for p in "$@"; do f2=$f; f=$p; done
                for s in pg_wal/pgrwl-spool.*/"$f2"; do [ -f "$s" ] && hit=1; done
                t0=$(date +%s%N)
                "$@"
                rc=$?
                t1=$(date +%s%N)
                echo "$rc $((t1 - t0)) $hit $f2" >> "$PGRWL_CALLS"
                exit $rc
                """);
        Files.setPosixFilePermissions(wrapper, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.deleteIfExists(calls);
        GoldenCrash.restoreBaseBackup(pg, backup, "PGRWL_CALLS=" + calls + " " + wrapper + " " + command);
        Os.chownToPostgres(base);
        long t0 = System.nanoTime();
        double seconds;
        Map<String, Double> cpu;
        long ownTicks = ownCpuTicks();
        try (CpuSampler sampler = new CpuSampler(RecoveryBenchmark::role);
             PgCluster restored = PgCluster.existing(base, "restored", pg.data, pg.port).start()) {
            restored.awaitReady(Duration.ofMinutes(30));
            seconds = (System.nanoTime() - t0) / 1e9;
            cpu = new java.util.TreeMap<>(sampler.byRole());
            cpu.put("s3proxy", (ownCpuTicks() - ownTicks) / 100.0); // the benchmark JVM: s3proxy and the harness
            assertEquals(expected, restored.queryOne("select sum(abalance) from pgbench_accounts"), v.label());
        }
        List<Double> millis = new ArrayList<>();
        int hits = 0;
        StringBuilder slow = new StringBuilder();
        for (String line : Files.readAllLines(calls)) {
            String[] f = line.split(" ");
            if (f[2].equals("0") && v.source() != Source.CP) {
                slow.append(String.format(Locale.ROOT, " %s=%d:%.0fms", f[3], Integer.parseInt(f[0]),
                        Long.parseLong(f[1]) / 1e6));
            }
            if (f[0].equals("0")) {
                millis.add(Long.parseLong(f[1]) / 1e6);
                hits += f[2].equals("1") ? 1 : 0;
            }
        }
        assertTrue(millis.size() > 30, v.label() + ": only " + millis.size() + " files restored");
        System.out.printf(Locale.ROOT, "%s: %.1f s, %d files, %d from the spool%n", v.label(), seconds,
                millis.size(), hits);
        System.out.println("  CPU s: " + cpu);
        System.out.println("  calls not answered from the spool (name=exit:time):" + slow);
        return new Result(seconds, millis, hits, cpu);
    }

    private static long ownCpuTicks() throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** {@code -Dpgrwl.bench.only=TEXT}: only cp and the variants whose label contains TEXT (for profiling one). */
    private static boolean selected(Variant v) {
        String only = System.getProperty("pgrwl.bench.only", "");
        return v.source() == Source.CP || v.label().contains(only);
    }

    private static double medianCpu(List<Result> rs, String role) {
        return median(rs.stream().map(r -> r.cpu().getOrDefault(role, 0.0)).toList());
    }

    private static String table(Map<Variant, List<Result>> results, long walBytes, int rounds) {
        double baseline = median(results.get(VARIANTS.getFirst()).stream().map(Result::seconds).toList());
        StringBuilder t = new StringBuilder(String.format(Locale.ROOT, "Recovery of %.2f GiB of WAL (16 MiB"
                + " segments), %d alternating rounds; medians. Speed vs cp is cp's recovery time divided by the"
                + " variant's. CPU: seconds of the replaying startup process, of serve mode, of the prefetcher and"
                + " restore-command JVMs together, and of the benchmark's own JVM (s3proxy); medians.%n%n"
                + "| restore_command | recovery s | speed vs cp | files | from the spool | per call p50 ms | p95 ms |"
                + " CPU s: replay / serve / pgrwl client / s3proxy |%n|---|---:|---:|---:|---:|---:|---:|---:|%n",
                walBytes / GIB, rounds));
        for (Variant v : VARIANTS) {
            List<Result> rs = results.get(v);
            if (rs == null) {
                continue; // not selected
            }
            double seconds = median(rs.stream().map(Result::seconds).toList());
            List<Double> calls = rs.stream().flatMap(r -> r.callMillis().stream()).sorted().toList();
            int files = rs.getFirst().callMillis().size();
            double hitShare = rs.stream().mapToDouble(r -> (double) r.hits() / r.callMillis().size()).average()
                    .orElse(0);
            t.append(String.format(Locale.ROOT, "| %s | %.1f | %.2f | %d | %.0f %% | %.1f | %.1f | %.1f / %.1f /"
                    + " %.1f / %.1f |%n", v.label(), seconds, baseline / seconds, files, 100 * hitShare,
                    calls.get(calls.size() / 2), calls.get((int) Math.ceil(calls.size() * 0.95) - 1),
                    medianCpu(rs, "replay"), medianCpu(rs, "serve"), median(rs.stream().map(r -> r.cpu()
                            .getOrDefault("prefetcher", 0.0) + r.cpu().getOrDefault("restore-command", 0.0)).toList()),
                    medianCpu(rs, "s3proxy")));
        }
        return t.toString();
    }
}
