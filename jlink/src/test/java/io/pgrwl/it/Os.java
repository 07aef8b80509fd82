package io.pgrwl.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Running commands for the tests: PostgreSQL refuses root, so server commands run as "postgres" when we are root. */
final class Os {

    static final boolean ROOT = "root".equals(System.getProperty("user.name"));
    static final String PG_USER = "postgres";

    private Os() {
    }

    /** The PostgreSQL server binaries: -Dpgrwl.test.pgbin, else pg_config --bindir, else /usr/lib/postgresql/N/bin. */
    static Path pgBin() {
        String configured = System.getProperty("pgrwl.test.pgbin", "");
        if (!configured.isBlank()) {
            return Path.of(configured);
        }
        try {
            Path lib = Path.of("/usr/lib/postgresql");
            if (Files.isDirectory(lib)) {
                try (var versions = Files.list(lib)) {
                    var best = versions.filter(p -> Files.isExecutable(p.resolve("bin/initdb")))
                            .max((a, b) -> Integer.compare(Integer.parseInt(a.getFileName().toString()),
                                    Integer.parseInt(b.getFileName().toString())));
                    if (best.isPresent()) {
                        return best.get().resolve("bin");
                    }
                }
            }
            String out = run(List.of("pg_config", "--bindir"), null).trim();
            return Path.of(out);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("PostgreSQL server binaries not found: install postgresql or pass"
                    + " -Dpgrwl.test.pgbin=/path/to/bin", e);
        }
    }

    static Path pg(String tool) {
        return pgBin().resolve(tool);
    }

    /** Runs a command to completion; throws with its output when it fails. */
    static String run(List<String> command, Path logTo) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (logTo != null) {
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logTo.toFile()));
        }
        Process p = pb.start();
        try {
            String out = logTo == null ? new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8) : "";
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + command);
            }
            if (p.exitValue() != 0) {
                String log = logTo == null ? out : Files.readString(logTo);
                throw new IOException("command failed with exit " + p.exitValue() + ": " + command + "\n" + log);
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** The command, prefixed to run as the postgres OS user when we are root. */
    static List<String> asPostgres(List<String> command) {
        if (!ROOT) {
            return command;
        }
        List<String> c = new ArrayList<>(List.of("runuser", "-u", PG_USER, "--"));
        c.addAll(command);
        return c;
    }

    static void chownToPostgres(Path path) throws IOException {
        if (ROOT) {
            run(List.of("chown", "-R", PG_USER, path.toString()), null);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static Path tempDir(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        chownToPostgres(dir);
        return dir;
    }

    static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
