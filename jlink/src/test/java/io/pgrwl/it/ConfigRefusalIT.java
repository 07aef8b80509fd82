package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A configuration pgrwl must refuse, through the image, in {@code validate} and in the modes that would start
 * something ({@code -m receive}, {@code -m serve}): exit 2, a message naming the key (its full dotted name) or the
 * file, and nothing started: the listen port not bound, no replication slot on the PostgreSQL server that
 * {@code PGHOST}/{@code PGPORT} name, {@code main.directory} not created. A missing file, a file the user cannot read,
 * and in every section a key of the wrong type, plus an out-of-range value, an unknown key and an unset placeholder.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
@TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class ConfigRefusalIT {

    private static final String S3 = "storage.name=s3;storage.s3.url=http://127.0.0.1:9;storage.s3.bucket=wal;"
            + "storage.s3.region=us-east-1;storage.s3.access_key_id=a;storage.s3.secret_access_key=b";
    private static final String LOCAL = "storage.name=local";
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final AtomicLong SLOWEST = new AtomicLong();
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    /** The scenario is reported only when every part of it passed: counted at the end of each. */
    private static final AtomicInteger PASSED = new AtomicInteger();
    private static final AtomicInteger STARTED = new AtomicInteger();

    private static Path base;
    private static PgCluster pg;

    /** What one run printed and how it ended. */
    private record Run(int exit, String output) {
    }

    /** Where a run would have started things, all checked afterwards. */
    private record Footprint(int port, Path directory, String slot) {
    }

    @BeforeAll
    static void cluster() throws Exception {
        base = Os.tempDir("pgrwl-refusal");
        pg = PgCluster.init(base, "primary", 1).start();
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
        Os.deleteTree(base);
    }

    /** @param name for the reader of a failure: the footprint's names are numbered */
    private static Footprint footprint(String name) throws Exception {
        int n = SEQUENCE.incrementAndGet();
        return new Footprint(Os.freePort(), base.resolve("never-" + n + "-" + name.replaceAll("[^a-z0-9-]", "_")),
                "refusal_" + n);
    }

    /** The flat keys, written as the nested YAML sections a user would write. */
    private static String yaml(Map<String, String> flat) {
        Map<String, Object> tree = new TreeMap<>();
        flat.forEach((key, value) -> {
            String[] parts = key.split("\\.");
            Map<String, Object> at = tree;
            for (int i = 0; i < parts.length - 1; i++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> next = (Map<String, Object>) at.computeIfAbsent(parts[i], k -> new TreeMap<>());
                at = next;
            }
            at.put(parts[parts.length - 1], value);
        });
        StringBuilder out = new StringBuilder();
        write(tree, "", out);
        return out.toString();
    }

    private static void write(Map<String, Object> section, String indent, StringBuilder out) {
        section.forEach((key, value) -> {
            if (value instanceof Map<?, ?> m) {
                out.append(indent).append(key).append(":\n");
                @SuppressWarnings("unchecked")
                Map<String, Object> child = (Map<String, Object>) m;
                write(child, indent + "  ", out);
            } else {
                out.append(indent).append(key).append(": ").append(value).append('\n');
            }
        });
    }

    /** A config that would start receive mode (or serve mode) on {@code f}, with {@code more} set or overridden. */
    private static Map<String, String> startable(Footprint f, String more) {
        Map<String, String> flat = new LinkedHashMap<>();
        flat.put("main.listen_address", "127.0.0.1");
        flat.put("main.listen_port", Integer.toString(f.port()));
        flat.put("main.directory", f.directory().toString());
        flat.put("receiver.slot", f.slot());
        flat.put("log.level", "info");
        for (String kv : more.split(";")) {
            if (!kv.isBlank()) {
                flat.put(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
            }
        }
        return flat;
    }

    /** Runs the launcher to its end (at most a minute), as root or as the postgres OS user. */
    private static Run run(List<String> args, Map<String, String> env, boolean asPostgres) throws Exception {
        List<String> command = new ArrayList<>();
        command.add((asPostgres ? Pgrwl.launcherForPostgres(base) : Pgrwl.launcher()).toString());
        command.addAll(args);
        Path output = Files.createTempFile("pgrwl-refusal", ".out");
        ProcessBuilder pb = new ProcessBuilder(asPostgres ? Os.asPostgres(command) : command)
                .redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        pb.environment().putAll(Map.of("PGHOST", "127.0.0.1", "PGPORT", Integer.toString(pg.port), "PGUSER",
                "postgres"));
        pb.environment().putAll(env);
        long started = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("pgrwl " + args + " did not exit within 60 s: " + Files.readString(output));
        }
        SLOWEST.accumulateAndGet(System.nanoTime() - started, Math::max);
        RUNS.incrementAndGet();
        String text = Files.readString(output, StandardCharsets.UTF_8);
        Files.delete(output);
        return new Run(p.exitValue(), text);
    }

    /** Exit 2, {@code expected} in the message, and nothing of {@code f} started. */
    private static void assertRefused(String what, Run r, String expected, Footprint f) throws Exception {
        assertEquals(2, r.exit(), what + ":\n" + r.output());
        assertTrue(r.output().contains(expected), what + ": expected \"" + expected + "\" in:\n" + r.output());
        assertFalse(r.output().contains("HTTP API listening"), what + ": nothing listened: " + r.output());
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", f.port()), 1000);
            throw new AssertionError(what + ": something listens on main.listen_port " + f.port());
        } catch (ConnectException e) {
            // refused: nobody listens
        }
        assertEquals("0", pg.queryOne("select count(*) from pg_replication_slots where slot_name = '" + f.slot()
                + "'"), what + ": no replication slot created");
        assertFalse(Files.exists(f.directory()), what + ": main.directory not created");
    }

    @Test
    @Order(1)
    void aMissingConfigFileIsRefusedInEveryMode() throws Exception {
        STARTED.incrementAndGet();
        Path missing = base.resolve("no-such-dir/pgrwl-" + java.util.UUID.randomUUID() + ".yml");
        for (String mode : List.of("validate", "receive", "serve")) {
            Footprint f = footprint("missing-" + mode);
            // what the file would have said comes from the environment: pgrwl could start without the file
            Map<String, String> env = Map.of("PGRWL_MAIN_LISTEN_PORT", Integer.toString(f.port()),
                    "PGRWL_MAIN_DIRECTORY", f.directory().toString(), "PGRWL_RECEIVER_SLOT", f.slot());
            List<String> args = mode.equals("validate") ? List.of("validate", "-c", missing.toString())
                    : List.of("-c", missing.toString(), "-m", mode);
            Run r = run(args, env, false);
            assertRefused("missing file, " + mode, r, missing + ": no such config file; check the path given with -c",
                    f);
            assertFalse(r.output().contains("main.directory: required"), "the file is the problem: " + r.output());
        }
        PASSED.incrementAndGet();
    }

    @Test
    @Order(2)
    void aConfigFileTheUserCannotReadIsRefusedInEveryMode() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Os.ROOT, "runs pgrwl as the postgres user, which needs root");
        STARTED.incrementAndGet();
        Path closed = Files.createDirectories(base.resolve("closed"));
        for (String mode : List.of("validate", "receive", "serve")) {
            Footprint f = footprint("unreadable-" + mode);
            // a file without read permission, and a readable file in a directory the user cannot enter
            Path file = Files.writeString(base.resolve("unreadable-" + mode + ".yml"), yaml(startable(f, "")));
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
            Path hidden = Files.writeString(closed.resolve(mode + ".yml"), yaml(startable(f, "")));
            Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
            for (Path config : List.of(file, hidden)) {
                List<String> args = mode.equals("validate") ? List.of("validate", "-c", config.toString())
                        : List.of("-c", config.toString(), "-m", mode);
                assertRefused("unreadable " + config + ", " + mode, run(args, Map.of(), true), config
                        + ": permission denied: pgrwl runs as user postgres, who cannot read this config file", f);
            }
        }
        PASSED.incrementAndGet();
    }

    /**
     * One key per section of the wrong type (and an out-of-range value, an unknown key, an unset placeholder), in a
     * config that would otherwise start receive mode; refused by {@code validate} and by {@code -m receive}.
     */
    @ParameterizedTest(name = "{0}")
    @Order(3)
    @CsvSource(delimiter = '|', textBlock = """
        main.listen_port                | eighty       |
        main.listen_port                | 70000        |
        main.colour                     | red          |
        receiver.status_interval        | soon         |
        receiver.create_slot            | perhaps      |
        receiver.uploader.sync_interval | often        | storage.name=local
        storage.compression.level       | high         | storage.name=local;storage.compression.algo=zstd
        storage.uploader.max_concurrency| many         | storage.name=local
        storage.uploader.partial_interval | 5 parsecs  | storage.name=local
        storage.retention.enable        | perhaps      | storage.name=local
        storage.s3.part_size_mb         | big          | S3
        storage.s3.use_path_style       | perhaps      | S3
        retention.keep_last             | few          | storage.name=local
        backup.max_rate                 | quick        | storage.name=local
        backup.cron                     | 61 * * * *   | storage.name=local
        backup.cron                     | every night  | storage.name=local
        receiver.allow_archive_gap      | perhaps      |
        metrics.enable                  | perhaps      |
        log.add_source                  | perhaps      |
        log.level                       | ${PGRWL_REFUSAL_UNSET} |
        serve.prefetch                  | many         |
        health.max_upload_backlog       | lots         |
        ui.enable                       | perhaps      |
        devconfig.pprof.enable          | perhaps      |
        """)
    void aWrongValueInAnySectionIsRefusedNamingItsKey(String key, String value, String context) throws Exception {
        STARTED.incrementAndGet();
        String more = context == null ? "" : context.equals("S3") ? S3 : context;
        for (String mode : List.of("validate", "receive")) {
            Footprint f = footprint(key + "-" + value.hashCode() + "-" + mode);
            Map<String, String> flat = startable(f, more);
            flat.put(key, value);
            Path config = Files.writeString(base.resolve(f.slot() + ".yml"), yaml(flat));
            List<String> args = mode.equals("validate") ? List.of("validate", "-c", config.toString())
                    : List.of("-c", config.toString(), "-m", mode);
            assertRefused(key + ": " + value + ", " + mode, run(args, Map.of(), false), "  - " + key + ": ", f);
        }
        PASSED.incrementAndGet();
    }

    @Test
    @Order(4)
    void report() {
        org.junit.jupiter.api.Assumptions.assumeTrue(STARTED.get() > 20 && PASSED.get() == STARTED.get(),
                "reported only after every case ran and passed");
        ReliabilityReport.passed(new ReliabilityReport.Row("9.config-refusals",
                "configs pgrwl must refuse, through the image: pgrwl validate, -m receive and -m serve against a"
                        + " running PostgreSQL",
                "a missing file (the rest set by PGRWL_* variables), a file without read permission and one in a"
                        + " directory the user cannot enter (run as postgres), a wrong-type value in every section"
                        + " (main, receiver, storage.*, uploader, retention, backup, metrics, log, serve, health, ui,"
                        + " devconfig), an out-of-range port, an unknown key, an unset placeholder",
                "exit 2 and the file or the key's full dotted name in the message; afterwards nothing on"
                        + " main.listen_port, no slot in pg_replication_slots, main.directory absent",
                RUNS.get() + " refused runs; slowest refusal " + TimeUnit.NANOSECONDS.toMillis(SLOWEST.get()) + " ms"));
    }
}
