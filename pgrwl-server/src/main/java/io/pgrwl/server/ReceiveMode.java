package io.pgrwl.server;

import io.pgrwl.receiver.ConnectionSettings;
import io.pgrwl.receiver.ReceiverException;
import io.pgrwl.receiver.ReceiverSettings;
import io.pgrwl.receiver.WalReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import sun.misc.Signal;

/**
 * Receive mode: streams WAL into {@code main.directory} until SIGTERM/SIGINT (then fsyncs, sends the final status and
 * exits 0) or a fatal error (exits 1 with the reason in the log).
 */
final class ReceiveMode {

    private static final System.Logger LOG = System.getLogger(ReceiveMode.class.getName());

    private final PgrwlConfig config;
    private final Map<String, String> env;
    private RetentionWorker retention;
    private Archive archive;
    private StorageProbe storageProbe;

    ReceiveMode(PgrwlConfig config, Map<String, String> env) {
        this.config = config;
        this.env = env;
    }

    int run() {
        ConnectionSettings connection;
        try {
            String home = System.getProperty("user.home");
            connection = ConnectionSettings.fromEnvironment(env, config.receiver().applicationName(),
                    System.getProperty("user.name"), home == null ? null : Path.of(home));
        } catch (IllegalArgumentException e) {
            System.err.println("pgrwl: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        ReceiverSettings settings = new ReceiverSettings(config.directory(), config.receiver().slot(),
                config.receiver().createSlot(), config.receiver().noLoop(), config.receiver().statusInterval(),
                Duration.ofSeconds(1), Duration.ofSeconds(30));
        WalReceiver receiver = new WalReceiver(settings, connection);
        Uploader uploader;
        try {
            uploader = startUploader(receiver);
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("pgrwl: " + e.getMessage());
            return Main.EXIT_USAGE;
        } catch (java.io.IOException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot set up the archive: " + e);
            return Main.EXIT_FAILURE;
        }
        // Handle the signals ourselves (not with a shutdown hook) so the process ends with status 0 after the final
        // fsync and status update, as pg_receivewal does.
        Instant started = Main.STARTED;
        PgrwlMetrics metrics = PgrwlMetrics.global(started);
        metrics.receiver(receiver);
        metrics.uploader(uploader);
        metrics.retention(retention);
        List<io.helidon.health.HealthCheck> readiness = new ArrayList<>();
        readiness.add(Readiness.receiver(receiver::status, settings.statusInterval()));
        if (uploader != null) {
            readiness.add(Readiness.uploadBacklog(uploader, config.health().maxUploadBacklog()));
            storageProbe = StorageProbe.of(archive, config.storage().name());
            readiness.add(storageProbe.check());
        }
        HttpApi api;
        try {
            Uploader u = uploader;
            api = HttpApi.start(config.http(), Mode.RECEIVE, new HttpApi.Observability(config.metricsEnabled(),
                    readiness), r -> {
                        r.get("/api/v1/status", (req, res) -> {
                            res.header(io.helidon.http.HeaderNames.CONTENT_TYPE, "application/json");
                            res.send(StatusDocument.receive(settings.slot(), receiver.status(), u, retention, started,
                                    Instant.now()).toString());
                        });
                        InfoRoutes.register(r, config, archive);
                    });
        } catch (IllegalStateException e) {
            LOG.log(System.Logger.Level.ERROR, e.getMessage());
            closeUploader(uploader);
            return Main.EXIT_FAILURE;
        }
        Signal.handle(new Signal("TERM"), s -> receiver.requestStop());
        Signal.handle(new Signal("INT"), s -> receiver.requestStop());
        LOG.log(System.Logger.Level.INFO, "pgrwl " + Main.version() + " receive mode: directory=" + config.directory()
                + " slot=" + settings.slot() + " server=" + connection.address() + " user=" + connection.user()
                + " application_name=" + connection.applicationName() + " status_interval="
                + Durations.format(settings.statusInterval()));
        try {
            receiver.run();
            return 0;
        } catch (ReceiverException e) {
            LOG.log(System.Logger.Level.ERROR, e.getMessage());
            return Main.EXIT_FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.EXIT_FAILURE;
        } finally {
            api.close();
            closeUploader(uploader);
        }
    }

    /** @return the uploader, or null when {@code storage.name} is not set (WAL then stays in main.directory) */
    private Uploader startUploader(WalReceiver receiver) throws java.io.IOException {
        PgrwlConfig.Storage storage = config.storage();
        if (storage.name() == null) {
            return null;
        }
        archive = ArchiveFactory.create(config, Plugins.load(Main.pluginsDirectory()), "receiving WAL anyway:"
                + " completed segments wait in main.directory and uploads are retried until it is reachable");
        java.nio.file.Files.createDirectories(config.directory());
        if (storage.keepPeriod() != null) {
            retention = new RetentionWorker(archive, new KeepPeriodRetentionProvider().create(new io.pgrwl.spi
                    .PluginConfig("storage.retention", java.util.Map.of("keep_period", storage.keepPeriod()),
                    java.util.Set.of())), storage.retentionInterval());
            LOG.log(System.Logger.Level.INFO, "retention: deleting archived WAL older than " + storage.keepPeriod()
                    + ", checked every " + Durations.format(storage.retentionInterval()));
        }
        Uploader uploader = new Uploader(config.directory(), archive, storage.maxConcurrency(), storage.syncInterval());
        receiver.onCompletedFile(uploader::submit);
        LOG.log(System.Logger.Level.INFO, "archiving completed WAL to " + storage.name() + " storage as "
                + archive.objectName("<WAL>") + " (up to " + storage.maxConcurrency() + " uploads at once)");
        return uploader;
    }

    private void closeUploader(Uploader uploader) {
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
