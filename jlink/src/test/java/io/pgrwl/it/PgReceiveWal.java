package io.pgrwl.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** pg_receivewal --synchronous, the reference pgrwl must match byte for byte. */
final class PgReceiveWal implements AutoCloseable {

    final Path directory;
    private final Path log;
    private final PgCluster cluster;
    private final String slot;
    private Process process;

    PgReceiveWal(PgCluster cluster, Path directory, String slot) throws IOException {
        this.cluster = cluster;
        this.directory = directory;
        this.slot = slot;
        this.log = directory.resolveSibling(directory.getFileName() + ".log");
        Files.createDirectories(directory);
    }

    PgReceiveWal start() throws IOException {
        ProcessBuilder pb = new ProcessBuilder(List.of(Os.pg("pg_receivewal").toString(), "-D", directory.toString(),
                "-h", "127.0.0.1", "-p", Integer.toString(cluster.port), "-U", "postgres", "-S", slot, "--synchronous",
                "-v")).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        process = pb.start();
        return this;
    }

    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
