package io.pgrwl.server.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;
import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.config.ConfigDocument;
import io.pgrwl.server.config.PgrwlConfig;
import io.pgrwl.server.support.Json;
import io.pgrwl.spi.ArchivedWal;
import io.pgrwl.spi.WalFileName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Routes both modes answer: {@code GET /api/v1/config} (the effective configuration, secrets redacted; also at the Go
 * pgrwl's {@code /api/v1/redacted-config}), {@code GET /api/v1/brief-config} (the Go pgrwl's
 * {@code {"retention_enable":…}}) and {@code GET /api/v1/wals} (the archive listing; {@code main.directory} when there
 * is no archive).
 */
public final class InfoRoutes {

    private static final System.Logger LOG = System.getLogger(InfoRoutes.class.getName());

    private InfoRoutes() {
    }

    /** @param archive the archive, or null when WAL stays in main.directory */
    public static void register(HttpRouting.Builder r, PgrwlConfig config, Archive archive) {
        String configJson = ConfigDocument.of(config, archive == null ? Set.of() : archive.storageSecretKeys())
                .toString();
        r.get("/api/v1/config", (req, res) -> json(res, configJson));
        r.get("/api/v1/redacted-config", (req, res) -> json(res, configJson));
        String brief = Json.object().put("retention_enable", config.storage().keepPeriod() != null).toString();
        r.get("/api/v1/brief-config", (req, res) -> json(res, brief));
        r.get("/api/v1/wals", (req, res) -> {
            List<Json> rows;
            try {
                rows = archive == null ? directory(config.directory()) : archive(archive);
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot list WAL for /api/v1/wals: " + e);
                res.status(Status.SERVICE_UNAVAILABLE_503).header(HeaderNames.RETRY_AFTER, "5");
                json(res, Json.object().put("error", "cannot list the archive now: " + e.getMessage()).toString());
                return;
            }
            json(res, Json.array(rows));
        });
    }

    /**
     * The Go pgrwl's fields ({@code name}, {@code ext}, {@code filename}, {@code size_mb}, {@code uploaded_at},
     * {@code encrypted}, the last from the object's own suffix here) plus {@code size} in bytes and {@code location}.
     */
    private static List<Json> archive(Archive archive) throws IOException {
        List<Json> rows = new ArrayList<>();
        for (ArchivedWal w : archive.listWal()) {
            String object = w.object().name();
            String fileName = object.substring(object.lastIndexOf('/') + 1);
            String ext = fileName.substring(w.walFileName().length());
            rows.add(row(w.walFileName(), ext, fileName, w.object().size(), w.object().modified().toString())
                    .put("location", "archive"));
        }
        return rows;
    }

    private static List<Json> directory(Path dir) throws IOException {
        List<Json> rows = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return rows;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String n = f.getFileName().toString();
                if (!WalFileName.isServable(n) || !Files.isRegularFile(f)) {
                    continue;
                }
                boolean partial = WalFileName.isPartialSegment(n);
                String wal = partial ? n.substring(0, n.length() - WalFileName.PARTIAL_SUFFIX.length()) : n;
                rows.add(row(wal, partial ? ".partial" : "", n, Files.size(f),
                        Files.getLastModifiedTime(f).toInstant().toString()).put("location", "directory"));
            }
        }
        return rows;
    }

    private static Json row(String name, String ext, String fileName, long size, String time) {
        return Json.object()
                .put("name", name)
                .put("ext", ext)
                .put("filename", fileName)
                .put("size", size)
                .put("size_mb", Math.round(size / 10485.76) / 100.0)
                .put("uploaded_at", time)
                .put("encrypted", ext.contains(".aes"));
    }

    private static void json(ServerResponse res, String body) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(body);
    }
}
