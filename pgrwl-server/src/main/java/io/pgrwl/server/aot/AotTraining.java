package io.pgrwl.server.aot;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code pgrwl aot-train}: makes the image's AOT caches (JDK 25) for the place it is installed at, because the JVM
 * refuses a cache made elsewhere. The build runs it, and so can an installation (a Dockerfile, after unpacking the
 * tar.gz). Training runs of the image's own launcher, on loopback ports chosen here:
 * <ul>
 * <li>{@code lib/daemon.aot}: receive mode with metrics and a zstd + aes-256-gcm local archive, against a PostgreSQL
 *     port nobody listens on (so it keeps retrying), uploading {@value #SEGMENTS} segments found in its directory
 *     while every route of its HTTP API is asked;</li>
 * <li>{@code lib/serve.aot}: serve mode decoding those segments from the archive, each asked for a few times: the
 *     JIT then compiles the decode path (AES-GCM, zstd, SHA-256) with the training's profiles at once, instead of
 *     running it slowly through the first segments of a recovery;</li>
 * <li>{@code lib/restore-command.aot}: restore-command fetching a whole segment from that serve mode (also used by
 *     the prefetcher).</li>
 * </ul>
 * Then {@code lib/aot.home} records the image's path, which the launcher compares before using a cache.
 *
 * <p>Blocking; not for concurrent use on one image.
 */
public final class AotTraining {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(180);
    private static final List<String> ROUTES = List.of("/health", "/health/ready", "/health/live", "/healthz",
            "/metrics", "/api/v1/status", "/api/v1/config", "/api/v1/redacted-config", "/api/v1/brief-config",
            "/api/v1/wals");
    private static final String WAL = "000000010000000000000001";
    private static final int SEGMENTS = 6;
    private static final int SEGMENT_SIZE = 16 << 20;
    private static final int PAGE_SIZE = 8192;

    private final Path home;
    private final Path work;

    public AotTraining(Path home, Path work) {
        this.home = home;
        this.work = work;
    }

    /** @throws IOException naming the step that failed */
    public void run() throws IOException, InterruptedException {
        Path lib = home.resolve("lib");
        Path daemonCache = lib.resolve("daemon.aot");
        Path serveCache = lib.resolve("serve.aot");
        Path restoreCache = lib.resolve("restore-command.aot");
        Files.deleteIfExists(lib.resolve("aot.home")); // no cache is trusted while they are rewritten
        for (Path cache : List.of(daemonCache, serveCache, restoreCache)) {
            Files.deleteIfExists(cache);
        }
        Path received = Files.createDirectories(work.resolve("receive"));
        List<String> segments = writeSegments(received);
        String archive = "storage:\n  name: local\n  local:\n    directory: " + work.resolve("archive")
                + "\n  compression:\n    algo: zstd\n  encryption:\n    algo: aes-256-gcm\n    pass: aot-training\n";
        int receivePort = freePort();
        Path receiveConfig = Files.writeString(work.resolve("receive.yml"), "main:\n  listen_port: " + receivePort
                + "\n  listen_address: 127.0.0.1\n  directory: " + received + "\nreceiver:\n  slot: aot_training\n"
                + archive + "  uploader:\n    sync_interval: 1s\n    max_concurrency: 2\nmetrics:\n  enable: true\n");
        Process receive = launch(List.of("-c", receiveConfig.toString(), "-m", "receive"), Map.of(
                "PGRWL_AOT_TRAINING_OUTPUT", daemonCache.toString(), "PGHOST", "127.0.0.1",
                "PGPORT", Integer.toString(freePort()), "PGUSER", "aot_training"), "receive.log");
        try {
            awaitHttp(receivePort, receive, "receive");
            awaitUploaded(received, segments, receive);
            for (int round = 0; round < 3; round++) {
                for (String route : ROUTES) {
                    get(receivePort, route);
                }
            }
        } finally {
            receive.destroy(); // SIGTERM: the training JVM writes its cache as it exits
        }
        awaitExit(receive, "receive");

        Files.createDirectories(work.resolve("wal"));
        Files.writeString(work.resolve("wal").resolve("00000002.history"), "1\t0/3000000\tAOT training\n");
        int servePort = freePort();
        Path serveConfig = Files.writeString(work.resolve("serve.yml"), "main:\n  listen_port: " + servePort
                + "\n  listen_address: 127.0.0.1\n  directory: " + work.resolve("wal") + "\n" + archive
                + "serve:\n  prefetch: 2\nmetrics:\n  enable: true\n");
        Process serve = launch(List.of("-c", serveConfig.toString(), "-m", "serve"), Map.of(
                "PGRWL_AOT_TRAINING_OUTPUT", serveCache.toString()), "serve.log");
        try {
            awaitHttp(servePort, serve, "serve");
            for (int round = 0; round < 3; round++) {
                for (String segment : segments) {
                    if (get(servePort, "/api/v1/wal/" + segment) != 200) {
                        throw new IOException("serve mode did not serve " + segment + " from the training archive;"
                                + " see " + work.resolve("serve.log"));
                    }
                }
                get(servePort, "/api/v1/wal/00000002.history");
                get(servePort, "/metrics");
            }
            Process restore = launch(List.of("restore-command", "--serve-addr", ":" + servePort, segments.getFirst(),
                    work.resolve("RECOVERYXLOG").toString()), Map.of("PGRWL_AOT_TRAINING_OUTPUT",
                    restoreCache.toString()), "restore-command.log");
            if (!restore.waitFor(WRITE_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || restore.exitValue() != 0) {
                throw new IOException("the restore-command training run failed; see " + work.resolve(
                        "restore-command.log"));
            }
        } finally {
            serve.destroy();
        }
        awaitExit(serve, "serve");
        for (Path cache : List.of(daemonCache, serveCache, restoreCache)) {
            if (!Files.isRegularFile(cache) || Files.size(cache) == 0) {
                throw new IOException(cache + " was not written; see the logs in " + work);
            }
        }
        Files.writeString(lib.resolve("aot.home"), home + "\n");
    }

    /** Complete segments with content that compresses somewhat, like WAL: random runs between zeros. */
    private static List<String> writeSegments(Path directory) throws IOException {
        List<String> names = new ArrayList<>();
        java.util.Random random = new java.util.Random(42);
        byte[] segment = new byte[SEGMENT_SIZE];
        for (int i = 0; i < SEGMENTS; i++) {
            java.util.Arrays.fill(segment, (byte) 0);
            java.nio.ByteBuffer headers = java.nio.ByteBuffer.wrap(segment).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int at = 0; at < SEGMENT_SIZE; at += PAGE_SIZE) {
                byte[] run = new byte[4096 + random.nextInt(2048)];
                random.nextBytes(run);
                System.arraycopy(run, 0, segment, at, run.length);
                // page headers as PostgreSQL writes them: serve mode sends a segment only when its pages say they
                // are that segment's (magic, timeline 1, the page's own address; the long header on the first)
                headers.putShort(at, (short) 0xD116).putShort(at + 2, (short) (at == 0 ? 2 : 0)).putInt(at + 4, 1)
                        .putLong(at + 8, (long) (0x10 + i) * SEGMENT_SIZE + at);
            }
            headers.putLong(24, 7_000_000_000_000_000_000L).putInt(32, SEGMENT_SIZE).putInt(36, PAGE_SIZE);
            String name = String.format("%08X%08X%08X", 1, 0, 0x10 + i);
            Files.write(directory.resolve(name), segment);
            names.add(name);
        }
        return names;
    }

    private void awaitUploaded(Path directory, List<String> segments, Process receive)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WRITE_TIMEOUT.toNanos();
        while (segments.stream().anyMatch(n -> Files.exists(directory.resolve(n)))) {
            if (!receive.isAlive() || System.nanoTime() > deadline) {
                throw new IOException("the receive-mode training run did not upload its segments; see "
                        + work.resolve("receive.log"));
            }
            Thread.sleep(100); // polling: the uploader deletes each local copy once it is archived
        }
    }

    private void awaitExit(Process process, String what) throws IOException, InterruptedException {
        if (!process.waitFor(WRITE_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("the " + what + "-mode training run did not exit; see " + work.resolve(what
                    + ".log"));
        }
    }

    private Process launch(List<String> args, Map<String, String> env, String log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(home.resolve("bin/pgrwl").toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve(log).toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        pb.environment().putAll(env);
        return pb.start();
    }

    private void awaitHttp(int port, Process process, String what) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("the " + what + " training run exited with " + process.exitValue() + "; see "
                        + work.resolve(what + ".log"));
            }
            try {
                if (get(port, "/healthz") == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100); // polling interval while the training run starts
        }
        throw new IOException("the " + what + " training run did not answer on 127.0.0.1:" + port + " within "
                + START_TIMEOUT.toSeconds() + " s; see " + work.resolve(what + ".log"));
    }

    private static int get(int port, String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL()
                .openConnection();
        c.setConnectTimeout(2000);
        c.setReadTimeout(10000);
        try {
            int status = c.getResponseCode();
            try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                if (in != null) {
                    in.readAllBytes();
                }
            }
            return status;
        } finally {
            c.disconnect();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
