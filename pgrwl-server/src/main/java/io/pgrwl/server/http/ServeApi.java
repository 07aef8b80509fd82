package io.pgrwl.server.http;

import io.helidon.http.HeaderNames;
import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.config.Mode;
import io.pgrwl.server.config.PgrwlConfig;
import io.pgrwl.server.serve.ArchiveCache;
import io.pgrwl.server.serve.WalLookup;
import io.pgrwl.server.support.BuildInfo;
import java.time.Instant;
import java.util.List;

/** The HTTP API of serve mode: the WAL routes, status, the info routes, readiness of the storage, the web UI. */
public final class ServeApi {

    private ServeApi() {
    }

    /**
     * Starts the web server; blocks until it listens.
     *
     * @param archive null without an archive
     * @param cache null without an archive
     * @throws IllegalStateException when the port cannot be bound (the message names the keys)
     */
    public static HttpApi start(PgrwlConfig config, WalLookup lookup, PgrwlMetrics.ServeMeters meters,
                                Archive archive, ArchiveCache cache, StorageProbe probe) {
        HttpApi.Observability observability = new HttpApi.Observability(config.metricsEnabled(),
                List.of(probe.check()), config.pprofEnabled());
        return HttpApi.start(config.http(), Mode.SERVE, observability, r -> {
            WalRoutes.register(r, lookup, meters);
            InfoRoutes.register(r, config, archive);
            java.util.function.Supplier<String> status = () -> StatusDocument.serve(meters.requests(),
                    meters.sentBytes(), cache, config.storage().name(), BuildInfo.STARTED, Instant.now()).toString();
            r.get("/api/v1/status", (req, res) -> {
                res.header(HeaderNames.CONTENT_TYPE, "application/json");
                res.send(status.get());
            });
            if (config.ui().enable()) {
                io.pgrwl.server.http.ui.UiRoutes.register(r, new io.pgrwl.server.http.ui.UiSource("serve", status,
                        ReceiveApi.walPages(config, archive), null, null, null, config.http().authToken() != null,
                        config.ui().receivers()));
            }
        });
    }
}
