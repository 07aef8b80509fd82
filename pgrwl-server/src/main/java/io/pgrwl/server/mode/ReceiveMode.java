package io.pgrwl.server.mode;

import io.pgrwl.server.backup.BackupService;

import io.pgrwl.receiver.ConnectionSettings;
import io.pgrwl.receiver.ReceiverException;
import io.pgrwl.receiver.ReceiverSettings;
import io.pgrwl.receiver.WalReceiver;
import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.archive.ArchiveFactory;
import io.pgrwl.server.archive.Plugins;
import io.pgrwl.server.config.PgrwlConfig;
import io.pgrwl.server.http.EarlyFsyncs;
import io.pgrwl.server.http.HttpApi;
import io.pgrwl.server.http.PgrwlMetrics;
import io.pgrwl.server.http.ReceiveApi;
import io.pgrwl.server.http.ui.ReceiverHistory;
import io.pgrwl.server.http.StorageProbe;
import io.pgrwl.server.support.BuildInfo;
import io.pgrwl.server.support.Durations;
import io.pgrwl.server.support.ExitStatus;
import io.pgrwl.server.support.HeapCeiling;
import io.pgrwl.server.upload.RetentionWorker;
import io.pgrwl.server.upload.PartialUploader;
import io.pgrwl.server.upload.Uploader;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.RetentionPolicyProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import sun.misc.Signal;

/**
 * Receive mode: streams WAL into {@code main.directory} until SIGTERM/SIGINT (then fsyncs, sends the final status and
 * exits 0) or a fatal error (exits 1 with the reason in the log).
 */
public final class ReceiveMode {

    private static final System.Logger LOG = System.getLogger(ReceiveMode.class.getName());

    private final PgrwlConfig config;
    private final Map<String, String> env;
    private final Plugins plugins;
    private RetentionWorker retention;
    private Archive archive;
    private StorageProbe storageProbe;
    /** Null without an archive or with storage.uploader.partial_interval 0. */
    private PartialUploader partials;

    /**
     * @param config the configuration; not null
     * @param env the environment (libpq connection variables); not null
     * @param plugins the providers the configuration was loaded with; not null
     */
    public ReceiveMode(PgrwlConfig config, Map<String, String> env, Plugins plugins) {
        this.config = config;
        this.env = env;
        this.plugins = plugins;
    }

    public int run() {
        ConnectionSettings connection;
        try {
            String home = System.getProperty("user.home");
            connection = ConnectionSettings.fromEnvironment(env, config.receiver().applicationName(),
                    System.getProperty("user.name"), home == null ? null : Path.of(home));
        } catch (IllegalArgumentException e) {
            System.err.println("pgrwl: " + e.getMessage());
            return ExitStatus.USAGE;
        }
        ReceiverSettings settings = new ReceiverSettings(config.directory(), config.receiver().slot(),
                config.receiver().createSlot(), config.receiver().noLoop(), config.receiver().statusInterval(),
                config.receiver().timeout(), config.receiver().allowArchiveGap(),
                Duration.ofSeconds(1), Duration.ofSeconds(30));
        WalReceiver receiver = new WalReceiver(settings, connection);
        Uploader uploader;
        try {
            uploader = startUploader(receiver);
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("pgrwl: " + e.getMessage());
            return ExitStatus.USAGE;
        } catch (java.io.IOException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot set up the archive: " + e);
            return ExitStatus.FAILURE;
        }
        // Stream first: the metrics registry and the HTTP server take a good part of the start-up (about 0.3 s here:
        // 1.73 s to streaming before, 1.39 s after, medians of 8 starts), and a receiver catching up from a backlog,
        // or a synchronous primary waiting for its standby, should not wait for them. They are set up while the
        // receiver connects.
        EarlyFsyncs fsyncs = new EarlyFsyncs();
        receiver.onFsync(fsyncs);
        // Handle the signals ourselves (not with a shutdown hook) so the process ends with status 0 after the final
        // fsync and status update, as pg_receivewal does.
        Signal.handle(new Signal("TERM"), s -> receiver.requestStop());
        Signal.handle(new Signal("INT"), s -> receiver.requestStop());
        LOG.log(System.Logger.Level.INFO, "pgrwl " + BuildInfo.version() + " receive mode: directory=" + config.directory()
                + " slot=" + settings.slot() + " server=" + connection.address() + " user=" + connection.user()
                + " application_name=" + connection.applicationName() + " status_interval="
                + Durations.format(settings.statusInterval()) + " timeout=" + Durations.format(settings.timeout()));
        ReceiverRun run = ReceiverRun.start(receiver);
        HeapCeiling ceiling = HeapCeiling.start(HeapCeiling.Policy.DEFAULT).orElse(null);
        BackupService backups = null;
        io.pgrwl.server.verify.ArchiveContiguity contiguity = null;
        HttpApi api = null;
        ReceiverHistory history = null;
        try {
            Instant started = BuildInfo.STARTED;
            PgrwlMetrics metrics = PgrwlMetrics.global(started);
            metrics.receiver(receiver, fsyncs);
            metrics.uploader(uploader);
            if (partials != null) {
                metrics.partials(partials);
            }
            metrics.retention(retention);
            if (uploader != null) {
                storageProbe = StorageProbe.of(archive, config.storage().name());
            }
            if (archive != null) {
                contiguity = new io.pgrwl.server.verify.ArchiveContiguity(archive,
                        new io.pgrwl.server.backup.BackupCatalog(archive, java.time.Clock.systemUTC()),
                        () -> receiver.status().segmentSize(), java.time.Clock.systemUTC());
                metrics.contiguity(contiguity);
                // its own connection, named so that synchronous_standby_names never matches it
                backups = new BackupService(archive, connection.withApplicationName("pgrwl_basebackup"),
                        config.backup(), java.time.Clock.systemUTC());
                metrics.backups(backups::bytesReceived, backups::bytesDeleted);
            }
            // the web UI's chart of the last hour
            history = ReceiverHistory.sampling(() -> receiver.status().lagBytes(),
                    () -> receiver.status().bytesReceived());
            try {
                api = ReceiveApi.start(config, settings.slot(), settings.statusInterval(), receiver, uploader,
                        retention, archive, storageProbe, started, backups, contiguity, history, partials);
            } catch (IllegalStateException e) {
                LOG.log(System.Logger.Level.ERROR, e.getMessage());
                receiver.requestStop(); // fsyncs, acknowledges what it wrote and ends the stream
                run.await();
                return ExitStatus.FAILURE;
            }
            if (contiguity != null) {
                contiguity.start();
            }
            if (backups != null) {
                backups.schedule();
                backups.scheduleRetention(config.retention());
            } else if (config.backup().cron() != null || config.retention().enable()) {
                LOG.log(System.Logger.Level.WARNING, "backup.cron or retention.enable is set but storage.name is not:"
                        + " base backups live in the archive, so none are taken and nothing is retained");
            }
            return run.await();
        } catch (RuntimeException | Error e) {
            // the set-up failed while the receiver streams: stop it cleanly rather than leave it running unwatched
            receiver.requestStop();
            run.await();
            throw e;
        } finally {
            if (backups != null) {
                backups.close();
            }
            if (contiguity != null) {
                contiguity.close();
            }
            if (api != null) {
                api.close();
            }
            if (history != null) {
                history.close();
            }
            closeUploader(uploader);
            if (ceiling != null) {
                ceiling.close();
            }
        }
    }

    /** The receiver on its own thread, and how it ended. */
    private static final class ReceiverRun {

        private final Thread thread;
        private volatile int exitStatus = ExitStatus.FAILURE;

        private ReceiverRun(WalReceiver receiver) {
            thread = Thread.ofPlatform().name("pgrwl-receiver").unstarted(() -> {
                try {
                    receiver.run();
                    exitStatus = 0;
                } catch (ReceiverException e) {
                    LOG.log(System.Logger.Level.ERROR, e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException | Error e) {
                    LOG.log(System.Logger.Level.ERROR, "the receiver stopped on an unexpected error: " + e, e);
                }
            });
        }

        static ReceiverRun start(WalReceiver receiver) {
            ReceiverRun run = new ReceiverRun(receiver);
            run.thread.start();
            return run;
        }

        /** @return 0 after a requested stop, {@link ExitStatus#FAILURE} after a fatal error (logged) */
        int await() {
            boolean interrupted = false;
            while (true) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the receiver ends only by requestStop or a fatal error: wait for it
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return exitStatus;
        }
    }

    /** @return the uploader, or null when {@code storage.name} is not set (WAL then stays in main.directory) */
    private Uploader startUploader(WalReceiver receiver) throws java.io.IOException {
        PgrwlConfig.Storage storage = config.storage();
        if (storage.name() == null) {
            return null;
        }
        archive = ArchiveFactory.create(config, plugins, "receiving WAL anyway:"
                + " completed segments wait in main.directory and uploads are retried until it is reachable");
        java.nio.file.Files.createDirectories(config.directory());
        if (storage.keepPeriod() != null) {
            RetentionPolicyProvider keepPeriod = plugins.retention("storage.retention", "keep_period");
            retention = new RetentionWorker(archive, keepPeriod.create(new PluginConfig("storage.retention",
                    java.util.Map.of("keep_period", storage.keepPeriod()), keepPeriod.secretKeys())),
                    storage.retentionInterval());
            LOG.log(System.Logger.Level.INFO, "retention: deleting archived WAL older than " + storage.keepPeriod()
                    + ", checked every " + Durations.format(storage.retentionInterval()));
        }
        Uploader uploader = new Uploader(config.directory(), archive, storage.maxConcurrency(), storage.syncInterval());
        receiver.onCompletedFile(uploader::submit);
        // the first start looks at what the archive holds (io.pgrwl.receiver.StartDecision): complete segments only
        receiver.archivedSegments(() -> archive.listWal().stream().map(io.pgrwl.spi.ArchivedWal::walFileName)
                .filter(io.pgrwl.spi.WalFileName::isSegment).toList());
        if (!storage.partialInterval().isZero()) {
            partials = new PartialUploader(config.directory(), archive, config.receiver().slot(),
                    storage.partialInterval(), () -> {
                        var s = receiver.status();
                        return new PartialUploader.Flushed(s.flushedLsn().value(), s.timeline(), s.segmentSize());
                    }, () -> uploader.waiting() == 0);
            LOG.log(System.Logger.Level.INFO, "uploading the segment in progress every "
                    + Durations.format(storage.partialInterval()) + " as "
                    + archive.partialObjectName("<WAL>", config.receiver().slot())
                    + " (storage.uploader.partial_interval; 0 turns it off)");
        }
        LOG.log(System.Logger.Level.INFO, "archiving completed WAL to " + storage.name() + " storage as "
                + archive.objectName("<WAL>") + " (up to " + storage.maxConcurrency() + " uploads at once)");
        return uploader;
    }

    private void closeUploader(Uploader uploader) {
        if (partials != null) {
            partials.close(); // its last upload, before the uploader closes the archive
        }
        if (storageProbe != null) {
            storageProbe.close();
        }
        if (retention != null) {
            retention.close();
        }
        if (uploader == null) {
            return;
        }
        try {
            uploader.close();
        } catch (java.io.IOException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the archive: " + e);
        }
    }
}
