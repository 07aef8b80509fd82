package io.pgrwl.server.mode;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.archive.ArchiveFactory;
import io.pgrwl.server.archive.Plugins;
import io.pgrwl.server.config.PgrwlConfig;
import io.pgrwl.server.http.HttpApi;
import io.pgrwl.server.http.PgrwlMetrics;
import io.pgrwl.server.http.ServeApi;
import io.pgrwl.server.http.StorageProbe;
import io.pgrwl.server.serve.ArchiveCache;
import io.pgrwl.server.serve.WalLookup;
import io.pgrwl.server.support.BuildInfo;
import io.pgrwl.server.support.ExitStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * Serve mode: answers {@code pgrwl restore-command} (and curl) during a recovery with WAL from {@code main.directory}
 * and the archive, until SIGTERM/SIGINT (exit 0) or a failure to start (exit 1, or 2 for configuration).
 */
public final class ServeMode {

    private static final System.Logger LOG = System.getLogger(ServeMode.class.getName());

    private final PgrwlConfig config;
    private final Plugins plugins;

    /**
     * @param config the configuration; not null
     * @param plugins the providers the configuration was loaded with; not null
     */
    public ServeMode(PgrwlConfig config, Plugins plugins) {
        this.config = config;
        this.plugins = plugins;
    }

    public int run() {
        Archive archive = null;
        ArchiveCache cache = null;
        CacheDirectory scratch;
        try {
            scratch = CacheDirectory.open(config.serve().cacheDir());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot use serve.cache_dir: " + e);
            return ExitStatus.FAILURE;
        }
        try {
            if (config.storage().name() != null) {
                archive = ArchiveFactory.create(config, plugins, "serving anyway:"
                        + " WAL in main.directory is served, requests that need the archive answer 503 and"
                        + " /health/ready is DOWN until it is reachable");
                cache = new ArchiveCache(archive, scratch.path(), config.serve().cacheMaxBytes(),
                        config.serve().prefetch());
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("pgrwl: " + e.getMessage());
            scratch.close();
            return ExitStatus.USAGE;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot set up the archive: " + e);
            scratch.close();
            return ExitStatus.FAILURE;
        }
        WalLookup lookup = new WalLookup(config.directory(), scratch.path(), cache);
        PgrwlMetrics.ServeMeters meters = PgrwlMetrics.global(BuildInfo.STARTED).serve(cache);
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        StorageProbe probe = archive != null ? StorageProbe.of(archive, config.storage().name())
                : new StorageProbe("main.directory", () -> directoryReadable(config.directory()));
        try (probe; HttpApi api = ServeApi.start(config, lookup, meters, archive, cache, probe)) {
            LOG.log(System.Logger.Level.INFO, "pgrwl " + BuildInfo.version() + " serve mode: directory="
                    + config.directory() + (archive == null ? ", no archive (storage.name not set)"
                    : ", archive " + config.storage().name() + " " + archive.objectName("<WAL>") + ", read-ahead "
                    + config.serve().prefetch() + " segments, cache " + scratch.path() + " up to "
                    + config.serve().cacheMaxBytes() + " bytes"));
            stop.await();
            LOG.log(System.Logger.Level.INFO, "stopping serve mode");
            return 0;
        } catch (IllegalStateException e) {
            LOG.log(System.Logger.Level.ERROR, e.getMessage());
            return ExitStatus.FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitStatus.FAILURE;
        } finally {
            if (cache != null) {
                cache.close();
            }
            closeQuietly(archive);
            scratch.close();
        }
    }

    private static void directoryReadable(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            files.findFirst(); // listing proves the directory exists and is readable
        }
    }

    private static void closeQuietly(Archive archive) {
        if (archive == null) {
            return;
        }
        try {
            archive.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the archive: " + e);
        }
    }

    /** {@code serve.cache_dir}, or a private temporary directory removed at exit. */
    record CacheDirectory(Path path, boolean temporary) implements AutoCloseable {

        static CacheDirectory open(Path configured) throws IOException {
            if (configured == null) {
                return new CacheDirectory(Files.createTempDirectory("pgrwl-serve-cache"), true);
            }
            Files.createDirectories(configured);
            CacheDirectory dir = new CacheDirectory(configured, false);
            dir.removeOwnFiles(); // what a previous run left is not trusted: entries are re-fetched
            return dir;
        }

        private void removeOwnFiles() throws IOException {
            try (var files = Files.list(path)) {
                for (Path f : files.toList()) {
                    String n = f.getFileName().toString();
                    if (n.endsWith(ArchiveCache.SUFFIX) || n.endsWith(".pgrwl-tmp")) {
                        Files.deleteIfExists(f);
                    }
                }
            }
        }

        @Override
        public void close() {
            try {
                removeOwnFiles();
                if (temporary) {
                    Files.deleteIfExists(path);
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot clean " + path + ": " + e);
            }
        }
    }
}
