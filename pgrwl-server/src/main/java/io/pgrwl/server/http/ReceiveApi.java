package io.pgrwl.server.http;

import io.pgrwl.server.backup.BackupCatalog;
import io.pgrwl.server.backup.BackupService;

import io.helidon.health.HealthCheck;
import io.helidon.http.HeaderNames;
import io.pgrwl.receiver.WalReceiver;
import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.config.Mode;
import io.pgrwl.server.config.PgrwlConfig;
import io.pgrwl.server.upload.RetentionWorker;
import io.pgrwl.server.upload.Uploader;
import io.pgrwl.server.http.ui.ReceiverHistory;
import io.pgrwl.server.http.ui.UiRoutes;
import io.pgrwl.server.http.ui.UiSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The HTTP API of receive mode (and its web UI): status, the info routes, readiness of the receiver, the backlog and the storage. */
public final class ReceiveApi {

    private ReceiveApi() {
    }

    /**
     * Starts the web server; blocks until it listens.
     *
     * @param uploader null without an archive
     * @param retention null when retention is off
     * @param archive null without an archive
     * @param storageProbe null without an archive
     * @param backups null without an archive (then the backup routes answer 404)
     * @param contiguity null without an archive
     * @param history the receiver's last hour, for the web UI's chart
     * @param partials the upload of the segment in progress, or null when off
     * @throws IllegalStateException when the port cannot be bound (the message names the keys)
     */
    public static HttpApi start(PgrwlConfig config, String slot, Duration statusInterval, WalReceiver receiver,
                                Uploader uploader, RetentionWorker retention, Archive archive,
                                StorageProbe storageProbe, Instant started, BackupService backups,
                                io.pgrwl.server.verify.ArchiveContiguity contiguity, ReceiverHistory history,
                                io.pgrwl.server.upload.PartialUploader partials) {
        List<HealthCheck> readiness = new ArrayList<>();
        readiness.add(Readiness.receiver(receiver::status, statusInterval));
        if (uploader != null) {
            readiness.add(Readiness.uploadBacklog(uploader, config.health().maxUploadBacklog()));
            readiness.add(storageProbe.check());
        }
        return HttpApi.start(config.http(), Mode.RECEIVE, new HttpApi.Observability(config.metricsEnabled(),
                readiness, config.pprofEnabled()), r -> {
                    r.get("/api/v1/status", (req, res) -> {
                        res.header(HeaderNames.CONTENT_TYPE, "application/json");
                        res.send(StatusDocument.receive(slot, receiver.status(), uploader, partials,
                                retention, contiguity == null ? null : contiguity.last(), started,
                                Instant.now()).toString());
                    });
                    InfoRoutes.register(r, config, archive);
                    BackupCatalog catalog = backups == null ? null
                            : new BackupCatalog(archive, java.time.Clock.systemUTC());
                    if (backups != null) {
                        BackupRoutes.register(r, backups, catalog);
                    }
                    if (config.ui().enable()) {
                        UiRoutes.register(r, new UiSource("receive", () -> StatusDocument.receive(slot,
                                receiver.status(), uploader, partials, retention,
                                contiguity == null ? null : contiguity.last(),
                                started, Instant.now()).toString(), walPages(config, archive),
                                backups == null ? null : () -> backupsJson(catalog),
                                backups == null ? null : () -> BackupRoutes.start(backups), history,
                                config.http().authToken() != null, config.ui().receivers()));
                    }
                });
    }

    /** The web UI's pages of the archive listing, as {@code /api/v1/wals?q=&ext=&offset=&limit=} answers them. */
    static UiSource.WalPages walPages(PgrwlConfig config, Archive archive) {
        return (query, ext, offset, limit) -> {
            InfoRoutes.Page p = InfoRoutes.page(config, archive, query, ext, offset, limit);
            return new UiSource.WalPage((java.util.List<?>) new org.yaml.snakeyaml.Yaml(
                    new org.yaml.snakeyaml.constructor.SafeConstructor(new org.yaml.snakeyaml.LoaderOptions()))
                    .load(p.json()), p.total());
        };
    }

    private static String backupsJson(BackupCatalog catalog) {
        try {
            return io.pgrwl.server.backup.BackupCli.json(catalog.list());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot list the backups now: " + e.getMessage(), e);
        }
    }
}
