package io.pgrwl.server.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;
import io.pgrwl.server.backup.BackupCatalog;
import io.pgrwl.server.backup.BackupCli;
import io.pgrwl.server.backup.BackupService;
import io.pgrwl.server.support.Json;
import java.io.IOException;
import java.time.Instant;

/**
 * The Go pgrwl's base-backup routes of receive mode: {@code POST /api/v1/basebackup} (starts one: 200 with the state,
 * 409 {@code {"status":"already_running",…}} while one runs), {@code GET /api/v1/basebackup/status} and
 * {@code GET /api/v1/backups} (newest first, with the status and the reason of each).
 */
final class BackupRoutes {

    private static final System.Logger LOG = System.getLogger(BackupRoutes.class.getName());

    private BackupRoutes() {
    }

    static void register(HttpRouting.Builder r, BackupService service, BackupCatalog catalog) {
        r.post("/api/v1/basebackup", (req, res) -> {
            io.pgrwl.server.http.ui.UiSource.BackupStart start = start(service);
            if (!start.started()) {
                res.status(Status.CONFLICT_409);
            }
            json(res, start.json());
        });
        r.get("/api/v1/basebackup/status", (req, res) -> json(res, state(service.state(), service).toString()));
        r.get("/api/v1/backups", (req, res) -> {
            try {
                json(res, BackupCli.json(catalog.list()));
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot list the backups for /api/v1/backups: " + e);
                res.status(Status.SERVICE_UNAVAILABLE_503).header(HeaderNames.RETRY_AFTER, "5");
                json(res, Json.object().put("error", "cannot list the backups now: " + e.getMessage()).toString());
            }
        });
    }

    /**
     * Starts a manual backup, as {@code POST /api/v1/basebackup} and the web UI's button do.
     *
     * @return started, with the state; or not, with the Go pgrwl's {@code already_running} document
     */
    static io.pgrwl.server.http.ui.UiSource.BackupStart start(BackupService service) {
        if (service.start("manual").isEmpty()) {
            return new io.pgrwl.server.http.ui.UiSource.BackupStart(false, Json.object().put("status", "already_running")
                    .put("error", "basebackup is already running").toString());
        }
        return new io.pgrwl.server.http.ui.UiSource.BackupStart(true, state(service.state(), service).toString());
    }

    /** The Go pgrwl's {@code BackupRunState}, and the progress while one runs. */
    static Json state(BackupService.State s, BackupService service) {
        Json j = Json.object().put("running", s.running()).put("status", s.status()).put("source", s.source())
                .put("id", s.id()).put("started_at", text(s.startedAt())).put("finished_at", text(s.finishedAt()))
                .put("last_error", s.lastError());
        service.progress().ifPresent(p -> j.put("bytes_done", p[0]).put("bytes_total", p[1]).put("eta_seconds", p[2]));
        return j;
    }

    private static String text(Instant t) {
        return t == null ? null : t.toString();
    }

    private static void json(ServerResponse res, String body) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(body);
    }
}
