package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The prefetch spool behind {@code pgrwl restore-command}, run through the image's launcher exactly as PostgreSQL runs
 * it (working directory = the data directory, {@code %p} = {@code pg_wal/RECOVERYXLOG}), against a stand-in
 * postmaster: a live process named by a {@code postmaster.pid} written as PostgreSQL writes it. Segments are 1 MiB
 * (a valid {@code wal_segment_size}) to keep the test small. Whole recoveries through the spool are in
 * {@link RecoveryIT}.
 *
 * <p>The invariant every case checks: never a wrong file at {@code %p}, never exit 0 for something unverified.
 */
class PrefetchIT {

    private static final int SEG = 1 << 20;
    private static final String START_TIME = "1764630000";

    private Path base;
    private Path data;
    private Path wal;
    private Process postmaster;
    private final List<Pgrwl> serves = new ArrayList<>();

    @BeforeEach
    void fakePostmaster() throws Exception {
        base = Os.tempDir("pgrwl-prefetch");
        data = Files.createDirectories(base.resolve("data"));
        Files.createDirectories(data.resolve("pg_wal"));
        wal = Files.createDirectories(base.resolve("wal"));
        postmaster = new ProcessBuilder("sleep", "600").start();
        writePostmasterPid("starting");
        Files.writeString(data.resolve("recovery.signal"), "");
    }

    @AfterEach
    void cleanUp() throws Exception {
        postmaster.destroyForcibly().waitFor();
        Await.until("no prefetcher is left for " + data, Duration.ofSeconds(30), () -> prefetchers().isEmpty());
        for (Pgrwl s : serves) {
            s.close();
        }
        Os.deleteTree(base);
    }

    /**
     * postmaster.pid as CreateLockFile/AddToDataDirLockFile write it; line 8 is the status. A running server rewrites
     * it in place with one write at offset 0 (the status words have one length), so a reader never sees it empty:
     * the same here, as the prefetcher reads it while the test changes the status.
     */
    private void writePostmasterPid(String status) throws IOException {
        String text = String.join("\n", Long.toString(postmaster.pid()), data.toString(), START_TIME, "5432", "/tmp",
                "127.0.0.1", "  1234567     65536", status) + "\n";
        try (FileChannel file = FileChannel.open(data.resolve("postmaster.pid"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            assertEquals(bytes.remaining(), file.write(bytes, 0), "one write");
            file.truncate(bytes.limit());
        }
    }

    private Path spool() {
        return data.resolve("pg_wal/pgrwl-spool." + postmaster.pid() + "." + START_TIME);
    }

    private static String name(int segment) {
        return String.format("%08X%08X%08X", 1, 0, segment);
    }

    private static byte[] content(int segment) {
        byte[] b = new byte[SEG];
        new Random(segment).nextBytes(b);
        return b;
    }

    private void writeSegments(int from, int to) throws IOException {
        for (int s = from; s <= to; s++) {
            Files.write(wal.resolve(name(s)), content(s));
        }
    }

    private int serveMode(String... more) throws Exception {
        Pgrwl serve = Pgrwl.serve(base, "serve" + serves.size(), Pgrwl.serveConfig(wal, more)).start();
        serves.add(serve);
        return serve.apiPort();
    }

    /** Runs the launcher's restore-command in the data directory, as PostgreSQL's startup process does. */
    private RestoreCommandRun restore(String address, String name, Map<String, String> env, String... more)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(Pgrwl.launcher().toString(), "restore-command",
                "--serve-addr", address, "--timeout", "2s"));
        command.addAll(List.of(more));
        command.addAll(List.of(name, "pg_wal/RECOVERYXLOG"));
        Path output = Files.createTempFile(base, "restore", ".out");
        ProcessBuilder pb = new ProcessBuilder(command).directory(data.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        pb.environment().remove("PGRWL_AUTH_TOKEN");
        pb.environment().putAll(env);
        Process p = pb.start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "restore-command finished");
        return new RestoreCommandRun(p.exitValue(), Files.readString(output));
    }

    private byte[] restored() throws IOException {
        return Files.readAllBytes(data.resolve("pg_wal/RECOVERYXLOG"));
    }

    /** @return the running prefetcher processes of this data directory */
    private List<ProcessHandle> prefetchers() {
        return ProcessHandle.allProcesses().filter(p -> p.info().arguments().map(a -> List.of(a).contains(
                "restore-prefetch") && List.of(a).contains(data.toString())).orElse(false)).toList();
    }

    private Set<String> spooled() throws IOException {
        if (!Files.isDirectory(spool())) {
            return Set.of();
        }
        try (Stream<Path> files = Files.list(spool())) {
            return Set.copyOf(files.map(f -> f.getFileName().toString()).filter(n -> n.length() == 24).toList());
        }
    }

    /** @return the session id of a process, from /proc/PID/stat (the sixth field) */
    private static long session(long pid) throws IOException {
        return statField(pid, 6);
    }

    /** @return field {@code number} (1-based, as proc(5) numbers them) of /proc/PID/stat, from field 3 on */
    private static long statField(long pid, int number) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[number - 3]);
    }

    private static String closedPort() throws IOException {
        return "127.0.0.1:" + Os.freePort();
    }

    @Test
    void aSpooledSegmentIsHandedOverByTheLauncherWithoutAServer() throws Exception {
        Files.createDirectories(spool());
        Files.write(spool().resolve(name(5)), content(5));
        RestoreCommandRun run = restore(closedPort(), name(5), Map.of());
        assertEquals(0, run.exit(), run.output());
        assertArrayEquals(content(5), restored());
        assertFalse(Files.exists(spool().resolve(name(5))), "moved, not copied");
        assertEquals(name(5), Files.readString(spool().resolve("requested")).strip());
    }

    @Test
    void nothingButTheExactVerifiedNameOfThisPostmastersSpoolIsEverHandedOver() throws Exception {
        // another run of a postmaster (other start time), a temporary file, another timeline's copy of the segment
        Path earlier = Files.createDirectories(data.resolve("pg_wal/pgrwl-spool." + postmaster.pid() + ".1700000000"));
        Files.write(earlier.resolve(name(5)), new byte[SEG]);
        Files.createDirectories(spool());
        Files.write(spool().resolve(name(5) + ".pgrwl-77.tmp"), new byte[SEG / 2]);
        Files.write(spool().resolve("00000002" + name(5).substring(8)), new byte[SEG]);
        RestoreCommandRun down = restore(closedPort(), name(5), Map.of());
        assertTrue(down.exit() > 125, "serve down and nothing usable in the spool: " + down.exit() + down.output());
        assertFalse(Files.exists(data.resolve("pg_wal/RECOVERYXLOG")), "nothing at %p");

        writeSegments(5, 5);
        RestoreCommandRun up = restore("127.0.0.1:" + serveMode(), name(5), Map.of(), "--no-prefetch");
        assertEquals(0, up.exit(), up.output());
        assertArrayEquals(content(5), restored(), "the served segment, not a spool's");
        assertTrue(prefetchers().isEmpty(), "--no-prefetch starts no prefetcher");
    }

    @Test
    void thePrefetcherReadsAheadVerifiedSegmentsAndEndsWithTheRecovery() throws Exception {
        writeSegments(1, 30);
        String token = "prefetch-token-0123456789";
        int port = serveMode("  auth_token: " + token);
        Map<String, String> env = Map.of("PGRWL_AUTH_TOKEN", token);
        String address = "127.0.0.1:" + port;
        RestoreCommandRun first = restore(address, name(1), env, "--prefetch", "6");
        assertEquals(0, first.exit(), first.output());
        assertArrayEquals(content(1), restored());
        Set<String> ahead = Set.of(name(2), name(3), name(4), name(5), name(6), name(7));
        Await.until("segments 2-7 spooled", Duration.ofSeconds(60), () -> spooled().equals(ahead));
        List<ProcessHandle> running = prefetchers();
        assertEquals(1, running.size(), "one prefetcher");
        String commandLine = String.join(" ", running.getFirst().info().arguments().orElseThrow());
        assertFalse(commandLine.contains(token), "the token is not on the prefetcher's command line");
        assertEquals(running.getFirst().pid(), session(running.getFirst().pid()),
                "detached: leads its own session, so the postmaster's signals to its children's groups miss it");
        assertEquals(10, statField(running.getFirst().pid(), 19) - statField(ProcessHandle.current().pid(), 19),
                "runs at nice +10 relative to recovery, so that replay comes first");

        for (int s = 2; s <= 20; s++) {
            int segment = s;
            Await.until(name(s) + " spooled", Duration.ofSeconds(60), () -> spooled().contains(name(segment)));
            RestoreCommandRun r = restore(closedPort(), name(s), env, "--prefetch", "6"); // serve unreachable: spool only
            assertEquals(0, r.exit(), name(s) + ": " + r.output());
            assertArrayEquals(content(s), restored(), name(s));
        }
        Await.until("the window moved: 21-26 spooled, passed names gone", Duration.ofSeconds(60),
                () -> spooled().equals(Set.of(name(21), name(22), name(23), name(24), name(25), name(26))));
        assertEquals(1, prefetchers().size(), "still one prefetcher");

        writePostmasterPid("ready   "); // what a hot standby says too: not the end of recovery
        RestoreCommandRun more = restore(closedPort(), name(21), env, "--prefetch", "6");
        assertEquals(0, more.exit(), more.output());
        Await.until("27 spooled", Duration.ofSeconds(60), () -> spooled().contains(name(27)));
        Files.delete(data.resolve("recovery.signal")); // as PostgreSQL does at the end of archive recovery
        Await.until("the prefetcher exits when recovery has ended", Duration.ofSeconds(30),
                () -> prefetchers().isEmpty());
        assertFalse(Files.exists(spool()), "and removes the spool");
        assertTrue(Files.readString(data.resolve("pg_wal/pgrwl-prefetch.log")).contains("recovery has ended"));
    }

    @Test
    void aHistoryRequestAtTheStartOfARecoveryFromABackupStartsReadingAheadFromBackupLabel() throws Exception {
        writeSegments(1, 12);
        // START WAL LOCATION in segment 3 (1 MiB segments): 0/300028
        Files.writeString(data.resolve("backup_label"), "START WAL LOCATION: 0/300028 (file " + name(3) + ")\n"
                + "CHECKPOINT LOCATION: 0/300060\nBACKUP METHOD: streamed\n");
        RestoreCommandRun history = restore("127.0.0.1:" + serveMode(), "00000002.history", Map.of(), "--prefetch",
                "4");
        assertEquals(1, history.exit(), "serve mode has no 00000002.history: " + history.output());
        assertTrue(spooled().contains(name(3)), "the history probe spooled the first segment itself: " + spooled());
        Await.until("3-6 spooled before PostgreSQL asked for any segment", Duration.ofSeconds(60),
                () -> spooled().equals(Set.of(name(3), name(4), name(5), name(6))));
        RestoreCommandRun start = restore(closedPort(), name(3), Map.of(), "--prefetch", "4");
        assertEquals(0, start.exit(), start.output());
        assertArrayEquals(content(3), restored(), "the first segment of the recovery from the spool");
    }

    /**
     * What the spool does not hold is asked of the running prefetcher instead of a new JVM: a history file, a 404 and
     * a segment served from a .partial (which only PostgreSQL's own request may have). restore-command is given a
     * closed port here, so an answer can only have come from the prefetcher; once it is gone, the JVM path answers.
     */
    @Test
    void whatTheSpoolDoesNotHoldIsAskedOfTheRunningPrefetcherAndOnlyItsVerifiedAnswersCount() throws Exception {
        writeSegments(1, 3);
        Files.write(wal.resolve(name(9) + ".partial"), content(9));
        Files.writeString(wal.resolve("00000002.history"), "1\t0/3000000\tno recovery target specified\n");
        RestoreCommandRun first = restore("127.0.0.1:" + serveMode(), name(1), Map.of(), "--prefetch", "2");
        assertEquals(0, first.exit(), first.output());
        Await.until("the prefetcher announced itself", Duration.ofSeconds(60),
                () -> Files.exists(spool().resolve("prefetcher")));
        Await.until("2 and 3 spooled", Duration.ofSeconds(60), () -> spooled().equals(Set.of(name(2), name(3))));

        RestoreCommandRun history = restore(closedPort(), "00000002.history", Map.of());
        assertEquals(0, history.exit(), history.output());
        assertEquals(Files.readString(wal.resolve("00000002.history")), Files.readString(data.resolve(
                "pg_wal/RECOVERYXLOG")));
        Files.delete(data.resolve("pg_wal/RECOVERYXLOG"));
        RestoreCommandRun missing = restore(closedPort(), "00000003.history", Map.of());
        assertEquals(1, missing.exit(), "serve mode has no 00000003.history: " + missing.output());
        assertFalse(Files.exists(data.resolve("pg_wal/RECOVERYXLOG")), "nothing at %p");
        RestoreCommandRun partial = restore(closedPort(), name(9), Map.of());
        assertEquals(0, partial.exit(), partial.output());
        assertArrayEquals(content(9), restored(), "the .partial, verified, as PostgreSQL's own request may have it");
        assertFalse(spooled().contains(name(9)), "and not kept in the spool");
        try (Stream<Path> files = Files.list(spool())) {
            List<String> left = files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("ask.")
                    || n.startsWith("answer.")).toList();
            assertEquals(List.of(), left, "no ask or answer is left behind");
        }

        for (ProcessHandle p : prefetchers()) {
            p.destroyForcibly();
        }
        Await.until("prefetcher killed", Duration.ofSeconds(30), () -> prefetchers().isEmpty());
        Files.delete(data.resolve("pg_wal/RECOVERYXLOG"));
        RestoreCommandRun gone = restore(closedPort(), "00000002.history", Map.of());
        assertTrue(gone.exit() > 125, "the JVM path, against a closed port: " + gone.exit() + " " + gone.output());
        assertFalse(Files.exists(data.resolve("pg_wal/RECOVERYXLOG")), "nothing at %p");
    }

    @Test
    void thePrefetcherExitsWhenThePostmasterIsGone() throws Exception {
        writeSegments(1, 4);
        RestoreCommandRun first = restore("127.0.0.1:" + serveMode(), name(1), Map.of());
        assertEquals(0, first.exit(), first.output());
        Await.until("segments 2-4 spooled", Duration.ofSeconds(60), () -> spooled().size() == 3);
        postmaster.destroyForcibly().waitFor();
        Await.until("the prefetcher exits", Duration.ofSeconds(30), () -> prefetchers().isEmpty());
        assertFalse(Files.exists(spool()));
    }

    @Test
    void aPartialACorruptOrACutTransferIsNeverSpooledAndAKilledFetchLeavesNothingUsable() throws Exception {
        // 2: only a .partial behind the name; 3: a flipped bit; 4: cut short; 5: slow the first time (killed then)
        FaultyServe faulty = new FaultyServe();
        try {
            String address = "127.0.0.1:" + faulty.port();
            RestoreCommandRun first = restore(address, name(1), Map.of(), "--prefetch", "5");
            assertEquals(0, first.exit(), first.output());
            Await.until("6 spooled, 5 being fetched slowly", Duration.ofSeconds(60),
                    () -> spooled().contains(name(6)) && faulty.slowStarted.getCount() == 0);
            assertEquals(Set.of(name(6)), spooled(), "only the good segment is spooled");
            Await.until("2, 3 and 4 were each asked for again", Duration.ofSeconds(30), () -> faulty.count(name(2)) > 1
                    && faulty.count(name(3)) > 1 && faulty.count(name(4)) > 1);
            assertEquals(Set.of(name(6)), spooled(), "and still never spooled");
            try (Stream<Path> files = Files.list(spool())) {
                assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith(name(5) + ".")),
                        "the slow fetch is in a temporary file");
            }
            for (ProcessHandle p : prefetchers()) {
                p.destroyForcibly();
            }
            Await.until("prefetcher killed", Duration.ofSeconds(30), () -> prefetchers().isEmpty());
            faulty.slowRelease.countDown();

            // PostgreSQL's own requests: the partial is restorable (verified), the corrupt and cut ones are not
            RestoreCommandRun partial = restore(address, name(2), Map.of());
            assertEquals(0, partial.exit(), partial.output());
            assertArrayEquals(content(2), restored());
            for (int bad : new int[] {3, 4}) {
                Files.deleteIfExists(data.resolve("pg_wal/RECOVERYXLOG"));
                RestoreCommandRun r = restore(address, name(bad), Map.of());
                assertTrue(r.exit() > 125, name(bad) + ": " + r.exit() + " " + r.output());
                assertFalse(Files.exists(data.resolve("pg_wal/RECOVERYXLOG")), "nothing at %p for " + name(bad));
            }
            RestoreCommandRun afterKill = restore(address, name(5), Map.of());
            assertEquals(0, afterKill.exit(), afterKill.output());
            assertArrayEquals(content(5), restored(), "fetched again in full, not the killed fetch's file");
            Await.until("a new prefetcher removed the killed one's temporary file", Duration.ofSeconds(60), () -> {
                try (Stream<Path> files = Files.list(spool())) {
                    return files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp"));
                }
            });
        } finally {
            faulty.stop();
        }
    }

    @Test
    void aTargetOutsideALivePostmastersPgWalGetsNoPrefetchAsForPgRewind() throws Exception {
        writeSegments(1, 3);
        String address = "127.0.0.1:" + serveMode();
        Path rewindTarget = Files.createDirectories(base.resolve("rewind/pg_wal")).resolve("RECOVERYXLOG");
        List<String> command = List.of(Pgrwl.launcher().toString(), "restore-command", "--serve-addr", address,
                name(1), rewindTarget.toString());
        Process p = new ProcessBuilder(command).directory(data.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertArrayEquals(content(1), Files.readAllBytes(rewindTarget));
        assertFalse(Files.exists(spool()), "no spool");
        assertTrue(prefetchers().isEmpty(), "no prefetcher");
    }

    @Test
    void theSpoolNeverEatsTheLastTenPercentOfTheWalFilesystem() throws Exception {
        Assumptions.assumeTrue(Os.ROOT, "needs root: mounts a small tmpfs as pg_wal");
        Path pgWal = data.resolve("pg_wal");
        Os.run(List.of("mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", pgWal.toString()), base.resolve("mount.log"));
        try {
            writeSegments(1, 20);
            RestoreCommandRun first = restore("127.0.0.1:" + serveMode(), name(1), Map.of(), "--prefetch", "16");
            assertEquals(0, first.exit(), first.output());
            // 12 MiB, 1 MiB at %p, reserve 1.2 MiB: 9 segments fit, 16 were wanted
            Await.until("the spool stops at the reserve", Duration.ofSeconds(60), () -> spooled().size() == 9
                    && Files.readString(pgWal.resolve("pgrwl-prefetch.log")).contains("would stay free"));
            var store = Files.getFileStore(pgWal);
            assertTrue(store.getUsableSpace() >= store.getTotalSpace() / 10, "free: " + store.getUsableSpace());
            for (String n : spooled()) {
                assertArrayEquals(content(Integer.parseInt(n.substring(16), 16)), Files.readAllBytes(spool()
                        .resolve(n)), n);
            }
        } finally {
            postmaster.destroyForcibly().waitFor();
            Await.until("no prefetcher", Duration.ofSeconds(30), () -> prefetchers().isEmpty());
            Os.run(List.of("umount", pgWal.toString()), base.resolve("mount.log"));
        }
    }

    /**
     * Serve mode's protocol with faults: segment 2 answered from a {@code .partial}, 3 with a flipped bit, 4 cut
     * short, 5 stalled until released (the first time); the others as serve mode answers them.
     */
    private static final class FaultyServe {
        final CountDownLatch slowStarted = new CountDownLatch(1);
        final CountDownLatch slowRelease = new CountDownLatch(1);
        private final Map<String, Integer> requests = new ConcurrentHashMap<>();
        private final HttpServer server;

        FaultyServe() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
            server.createContext("/api/v1/wal/", exchange -> {
                String name = exchange.getRequestURI().getPath().substring("/api/v1/wal/".length());
                int n = requests.merge(name, 1, Integer::sum);
                Optional<Integer> segment = name.length() == 24 && name.startsWith("00000001")
                        ? Optional.of(Integer.parseInt(name.substring(16), 16)) : Optional.empty();
                if (segment.isEmpty() || segment.get() > 8) {
                    exchange.sendResponseHeaders(404, -1);
                    exchange.close();
                    return;
                }
                int s = segment.get();
                byte[] body = content(s);
                exchange.getResponseHeaders().add("Repr-Digest", "sha-256=:" + digest(body) + ":");
                exchange.getResponseHeaders().add("X-Pgrwl-Source", s == 2 ? "partial" : "archive");
                exchange.sendResponseHeaders(200, body.length);
                OutputStream out = exchange.getResponseBody();
                if (s == 3) {
                    body = body.clone();
                    body[4321] ^= 1;
                } else if (s == 4) {
                    out.write(body, 0, body.length / 3);
                    exchange.close();
                    return;
                } else if (s == 5 && n == 1) {
                    out.write(body, 0, 1000);
                    out.flush();
                    slowStarted.countDown();
                    try {
                        slowRelease.await(2, TimeUnit.MINUTES);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    exchange.close();
                    return;
                }
                out.write(body);
                exchange.close();
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        int count(String name) {
            return requests.getOrDefault(name, 0);
        }

        void stop() {
            slowRelease.countDown();
            server.stop(0);
        }

        private static String digest(byte[] body) {
            try {
                return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(body));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
