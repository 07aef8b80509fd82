package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Size of the runtime image and its start-up time, with and without the AOT cache, side by side with pg_receivewal.
 * Not part of the suite: {@code mvn verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=StartupBenchmark}. Prints a table and writes it to {@code target/benchmarks/startup.md}.
 *
 * <p>Start-up is the time from starting the process to: {@code /health} 200 in serve mode; {@code /health} 200 in
 * receive mode, which means connected and streaming (a message from PostgreSQL); and, for pg_receivewal, its first
 * {@code .partial} segment file, i.e. its first WAL message.
 */
class StartupBenchmark {

    private static final int RUNS = 9;

    private record Variant(String name, Map<String, String> env) {
    }

    private static final List<Variant> VARIANTS = List.of(
            new Variant("AOT cache (lib/daemon.aot)", Map.of()),
            new Variant("no AOT cache: the JDK's CDS archive (PGRWL_AOT=off)", Map.of("PGRWL_AOT", "off")),
            new Variant("no class-data sharing at all (-Xshare:off)", Map.of("PGRWL_AOT", "off",
                    "PGRWL_JAVA_OPTS", "-Xshare:off")));

    @Test
    void startupWithAndWithoutTheAotCache() throws Exception {
        Path base = Os.tempDir("pgrwl-startup");
        StringBuilder report = new StringBuilder(sizes()).append('\n');
        report.append(String.format(Locale.ROOT, "Start-up, median of %d runs (min-max), 2 cores%n%n", RUNS))
                .append("| process | until | median ms | min-max ms | × pg_receivewal |\n|---|---|---:|---:|---:|\n");
        try (PgCluster pg = PgCluster.init(base, "primary", 16).start()) {
            pg.execute("select pg_create_physical_replication_slot('bench', true)",
                    "select pg_create_physical_replication_slot('recv', true)");
            List<Long> reference = new ArrayList<>();
            for (int i = 0; i < RUNS; i++) {
                reference.add(pgReceiveWal(pg, base.resolve("recv-" + i)));
            }
            double recv = median(reference);
            report.append(row("pg_receivewal --synchronous", "first .partial file (first WAL message)", reference,
                    recv));
            for (Variant v : VARIANTS) {
                List<Long> receive = new ArrayList<>();
                for (int i = 0; i < RUNS; i++) {
                    receive.add(pgrwlReceive(pg, base, v, i));
                }
                report.append(row("pgrwl receive, " + v.name(), "/health 200 (connected, streaming)", receive, recv));
            }
            for (Variant v : VARIANTS) {
                List<Long> serve = new ArrayList<>();
                for (int i = 0; i < RUNS; i++) {
                    serve.add(pgrwlServe(base, v, i));
                }
                report.append(row("pgrwl serve, " + v.name(), "/health 200", serve, recv));
            }
        }
        System.out.println(report);
        Path out = Path.of("target/benchmarks/startup.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        Os.deleteTree(base);
    }

    private static long pgReceiveWal(PgCluster pg, Path dir) throws Exception {
        Files.createDirectories(dir);
        long start = System.nanoTime();
        try (PgReceiveWal recv = new PgReceiveWal(pg, dir, "recv").start()) {
            awaitCondition(() -> {
                try (Stream<Path> files = Files.list(dir)) {
                    return files.anyMatch(f -> f.getFileName().toString().endsWith(".partial"));
                }
            });
            return System.nanoTime() - start;
        }
    }

    private static long pgrwlReceive(PgCluster pg, Path base, Variant v, int run) throws Exception {
        int port = Os.freePort();
        String name = "receive-" + VARIANTS.indexOf(v) + "-" + run;
        String yaml = "main:\n  listen_address: 127.0.0.1\n  listen_port: " + port + "\n  directory: "
                + base.resolve(name) + "\nreceiver:\n  slot: bench\nmetrics:\n  enable: true\nlog:\n  level: warn\n";
        Pgrwl p = Pgrwl.receive(base, name, pg, yaml);
        v.env().forEach(p::env);
        return timeToHealthy(p, port);
    }

    private static long pgrwlServe(Path base, Variant v, int run) throws Exception {
        int port = Os.freePort();
        String name = "serve-" + VARIANTS.indexOf(v) + "-" + run;
        Path dir = Files.createDirectories(base.resolve(name));
        Pgrwl p = Pgrwl.serve(base, name, "main:\n  listen_address: 127.0.0.1\n  listen_port: " + port
                + "\n  directory: " + dir + "\nmetrics:\n  enable: true\nlog:\n  level: warn\n");
        v.env().forEach(p::env);
        return timeToHealthy(p, port);
    }

    private static long timeToHealthy(Pgrwl p, int port) throws Exception {
        long start = System.nanoTime();
        try (p) {
            p.start();
            awaitCondition(() -> status(port) == 200);
            long elapsed = System.nanoTime() - start;
            p.stop();
            return elapsed;
        }
    }

    private static int status(int port) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/health").toURL()
                    .openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(5000);
            int s = c.getResponseCode();
            c.disconnect();
            return s;
        } catch (IOException e) {
            return -1;
        }
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls every 2 ms (the resolution of the measurement) for at most 60 s. */
    private static void awaitCondition(Condition c) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!c.holds()) {
            assertTrue(System.nanoTime() < deadline, "not started within 60 s");
            TimeUnit.MILLISECONDS.sleep(2);
        }
    }

    private static String sizes() throws IOException {
        Path image = Pgrwl.image();
        Path archive = Files.list(image.getParent()).filter(f -> f.getFileName().toString().endsWith("-linux-x64.tar.gz"))
                .findFirst().orElseThrow();
        StringBuilder t = new StringBuilder("Runtime image\n\n| part | MiB |\n|---|---:|\n");
        for (String part : List.of("", "lib/modules", "lib/server/classes.jsa",
                "lib/daemon.aot", "lib/restore-command.aot", "app", "plugins")) {
            t.append(String.format(Locale.ROOT, "| %s | %.1f |%n", part.isEmpty() ? "whole image (target/pgrwl)"
                    : part, size(image.resolve(part)) / 1048576.0));
        }
        t.append(String.format(Locale.ROOT, "| %s (without the AOT caches) | %.1f |%n", archive.getFileName(),
                Files.size(archive) / 1048576.0));
        return t.toString();
    }

    private static long size(Path p) throws IOException {
        try (Stream<Path> files = Files.walk(p)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static String row(String process, String until, List<Long> nanos, double reference) {
        double median = median(nanos);
        return String.format(Locale.ROOT, "| %s | %s | %.0f | %.0f-%.0f | %.2f |%n", process, until, median / 1e6,
                nanos.stream().mapToLong(Long::longValue).min().orElseThrow() / 1e6,
                nanos.stream().mapToLong(Long::longValue).max().orElseThrow() / 1e6, median / reference);
    }

    private static double median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
