package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The runtime image as shipped: JDK modules only, the app and plugin jars beside them, AOT caches the JVM accepts, and
 * the tar.gz, which unpacks anywhere, makes its own caches with {@code pgrwl aot-train}, starts, loads its plugins and
 * streams WAL.
 */
class ImageIT {

    private record Result(int status, String output) {
    }

    private static Result run(Path image, Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Stream.concat(Stream.of(image.resolve("bin/pgrwl").toString()),
                Stream.of(args)).toList()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    /** -XX:AOTMode=on makes the JVM fail instead of silently starting without the cache the launcher chose. */
    private static final Map<String, String> AOT_REQUIRED = Map.of("PGRWL_JAVA_OPTS", "-XX:AOTMode=on");

    @Test
    void theBuiltImageHoldsJdkModulesOnlyAndUsesItsAotCaches() throws Exception {
        Path image = Pgrwl.image().toAbsolutePath();
        Process list = new ProcessBuilder(image.resolve("bin/java").toString(), "--list-modules")
                .redirectErrorStream(true).start();
        List<String> modules = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                .toList();
        assertEquals(0, list.waitFor());
        assertTrue(modules.size() > 5, modules.toString());
        for (String m : modules) {
            assertTrue(m.startsWith("java.") || m.startsWith("jdk."), "only JDK modules are linked: " + m);
        }
        for (String part : List.of("app", "plugins/crypto", "plugins/s3", "plugins/sftp")) {
            assertTrue(Files.isDirectory(image.resolve(part)), part);
        }
        assertEquals(image.toString(), Files.readString(image.resolve("lib/aot.home")).strip());
        Result version = run(image, AOT_REQUIRED, "--version");
        assertEquals(0, version.status(), "daemon.aot accepted: " + version.output());
        Result restore = run(image, AOT_REQUIRED, "restore-command", "--help");
        assertEquals(0, restore.status(), "restore-command.aot accepted: " + restore.output());
        Result serve = run(image, AOT_REQUIRED, "daemon", "-m", "serve", "--help");
        assertEquals(0, serve.status(), "serve.aot accepted: " + serve.output());
        assertTrue(Files.size(image.resolve("lib/serve.aot")) > 0);
        // Without the AOT cache the JDK's class-data archive serves; the one for heaps over 32 GiB is not shipped,
        // and such a heap still starts, only without class-data sharing.
        assertTrue(Files.isRegularFile(image.resolve("lib/server/classes.jsa")));
        assertFalse(Files.exists(image.resolve("lib/server/classes_nocoops.jsa")));
        Result cds = run(image, Map.of("PGRWL_AOT", "off", "PGRWL_JAVA_OPTS", "-Xshare:on"), "--version");
        assertEquals(0, cds.status(), "classes.jsa accepted: " + cds.output());
        Result bigHeap = run(image, Map.of("PGRWL_AOT", "off", "PGRWL_JAVA_OPTS", "-Xmx40g"), "--version");
        assertEquals(0, bigHeap.status(), bigHeap.output());
        assertTrue(bigHeap.output().startsWith("pgrwl "), "nothing but the version: " + bigHeap.output());
    }

    @Test
    void theArchiveUnpacksAnywhereTrainsItsCachesStartsAndStreams() throws Exception {
        Path archive;
        try (Stream<Path> files = Files.list(Pgrwl.image().toAbsolutePath().getParent())) {
            archive = files.filter(f -> f.getFileName().toString().matches("pgrwl-.+-linux-x64\\.tar\\.gz"))
                    .findFirst().orElseThrow(() -> new AssertionError("no pgrwl-<version>-linux-x64.tar.gz"));
        }
        String entries = Os.run(List.of("tar", "tzf", archive.toString()), null);
        assertFalse(entries.contains(".aot"), "the AOT caches only work where they were made: " + entries);
        assertTrue(entries.contains("pgrwl/bin/pgrwl") && entries.contains("pgrwl/plugins/s3/"), entries);

        Path base = Os.tempDir("pgrwl-unpacked");
        Os.run(List.of("tar", "xzf", archive.toString(), "-C", base.toString()), null);
        Path image = base.resolve("pgrwl");
        assertEquals(0, run(image, Map.of(), "--version").status(), "runs without AOT caches");
        Result train = run(image, Map.of(), "aot-train");
        assertEquals(0, train.status(), train.output());
        assertEquals(image.toString(), Files.readString(image.resolve("lib/aot.home")).strip());
        Result trained = run(image, AOT_REQUIRED, "--version");
        assertEquals(0, trained.status(), "the new cache is accepted here: " + trained.output());
        Result plugins = run(image, Map.of(), "plugins");
        assertTrue(plugins.output().contains("storage  s3  plugins/s3") && plugins.output().contains(
                "codec    aes-256-gcm  plugins/crypto"), plugins.output());

        try (PgCluster pg = PgCluster.init(base, "primary", 1).start()) {
            pg.execute("select pg_create_physical_replication_slot('unpacked', true)", "create table t (g int, m text)");
            int port = Os.freePort();
            Path wal = base.resolve("wal");
            Path config = Files.writeString(base.resolve("receive.yml"), "main:\n  listen_address: 127.0.0.1\n"
                    + "  listen_port: " + port + "\n  directory: " + wal + "\nreceiver:\n  slot: unpacked\n"
                    + "  status_interval: 1s\nstorage:\n  name: local\n  local:\n    directory: " + base.resolve(
                    "archive") + "\n  encryption:\n    algo: aes-256-gcm\n    pass: unpacked-image-pass\n"
                    + "metrics:\n  enable: true\n");
            ProcessBuilder pb = new ProcessBuilder(image.resolve("bin/pgrwl").toString(), "-c", config.toString(),
                    "-m", "receive").redirectErrorStream(true).redirectOutput(base.resolve("receive.log").toFile());
            pb.environment().putAll(Map.of("PGHOST", "127.0.0.1", "PGPORT", Integer.toString(pg.port),
                    "PGUSER", "postgres", "PGRWL_JAVA_OPTS", "-XX:AOTMode=on"));
            Process receive = pb.start();
            try {
                java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
                java.net.URI health = java.net.URI.create("http://127.0.0.1:" + port + "/health");
                Await.until("/health 200: streaming", Duration.ofSeconds(60), () -> http.send(
                        java.net.http.HttpRequest.newBuilder(health).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
                pg.insertAndSwitch(2);
                Await.until("segments archived by the unpacked image", Duration.ofSeconds(60), () -> {
                    Path objects = base.resolve("archive/wal-archive");
                    try (Stream<Path> f = Files.isDirectory(objects) ? Files.list(objects) : Stream.empty()) {
                        return f.filter(p -> p.getFileName().toString().endsWith(".aes")).count() >= 2;
                    }
                });
            } finally {
                receive.destroy();
                assertEquals(0, receive.waitFor(), Files.readString(base.resolve("receive.log")));
            }
        }
        Os.deleteTree(base);
    }
}
