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
            var q = req.query();
            boolean paged = q.contains("q") || q.contains("ext") || q.contains("offset") || q.contains("limit");
            Page page;
            try {
                int offset = whole(q.first("offset").orElse("0"), "offset");
                int limit = whole(q.first("limit").orElse(paged ? "100" : String.valueOf(Integer.MAX_VALUE)),
                        "limit");
                page = page(config, archive, q.first("q").orElse(""), q.first("ext").orElse(""), offset, limit);
            } catch (IllegalArgumentException e) {
                res.status(Status.BAD_REQUEST_400);
                json(res, Json.object().put("error", e.getMessage()).toString());
                return;
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot list WAL for /api/v1/wals: " + e);
                res.status(Status.SERVICE_UNAVAILABLE_503).header(HeaderNames.RETRY_AFTER, "5");
                json(res, Json.object().put("error", "cannot list the archive now: " + e.getMessage()).toString());
                return;
            }
            res.header("X-Total-Count", String.valueOf(page.total()));
            json(res, page.json());
        });
    }

    /**
     * One page of the listing, oldest first.
     *
     * @param json the rows as a JSON array
     * @param total how many rows match in all
     */
    public record Page(String json, int total) {
    }

    /**
     * The listing filtered and cut: the paging of {@code /api/v1/wals?q=&ext=&offset=&limit=}, done here so that an
     * archive of hundreds of thousands of segments is not sent whole to a browser.
     *
     * @param query a substring of the file name (case-insensitive), or empty
     * @param extension the suffix exactly ({@code .zst.aes}), {@code none} for objects without one, {@code .history}
     *     or {@code .partial} for those files whatever their codecs, empty for any
     * @throws IOException when the archive cannot be listed
     */
    public static Page page(PgrwlConfig config, Archive archive, String query, String extension, int offset,
            int limit) throws IOException {
        String needle = query.trim().toUpperCase(java.util.Locale.ROOT);
        String ext = extension.trim();
        List<Row> all = archive == null ? directory(config.directory()) : archive(archive);
        List<Row> matching = all.stream().filter(w -> needle.isEmpty()
                || w.fileName().toUpperCase(java.util.Locale.ROOT).contains(needle))
                .filter(w -> matchesSuffix(w, ext))
                .toList();
        int from = Math.min(offset, matching.size());
        int to = (int) Math.min(matching.size(), (long) from + limit);
        return new Page(Json.array(matching.subList(from, to).stream().map(Row::json).toList()), matching.size());
    }

    /** {@code .history} and {@code .partial} are kinds of file, whatever codecs follow; the others are the suffix. */
    private static boolean matchesSuffix(Row w, String ext) {
        if (ext.isEmpty()) {
            return true;
        }
        if (ext.equals(".history") || ext.equals(".partial")) {
            return w.fileName().contains(ext);
        }
        return ext.equals("none") ? w.ext().isEmpty() : w.ext().equals(ext);
    }

    private static int whole(String text, String name) {
        try {
            int v = Integer.parseInt(text.trim());
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": \"" + text + "\" is not a whole number of at least 0");
        }
    }

    /**
     * A row of the listing: the Go pgrwl's fields ({@code name}, {@code ext}, {@code filename}, {@code size_mb},
     * {@code uploaded_at}, {@code encrypted}, the last from the object's own suffix here) plus {@code size} in bytes
     * and {@code location}.
     */
    private record Row(String name, String ext, String fileName, long size, String time, String location) {
        Json json() {
            return Json.object()
                    .put("name", name)
                    .put("ext", ext)
                    .put("filename", fileName)
                    .put("size", size)
                    .put("size_mb", Math.round(size / 10485.76) / 100.0)
                    .put("uploaded_at", time)
                    .put("encrypted", ext.contains(".aes"))
                    .put("location", location);
        }
    }

    private static List<Row> archive(Archive archive) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (ArchivedWal w : archive.listWal()) {
            String object = w.object().name();
            String fileName = object.substring(object.lastIndexOf('/') + 1);
            String ext = fileName.substring(w.walFileName().length());
            rows.add(new Row(w.walFileName(), ext, fileName, w.object().size(), w.object().modified().toString(),
                    "archive"));
        }
        return rows;
    }

    private static List<Row> directory(Path dir) throws IOException {
        List<Row> rows = new ArrayList<>();
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
                rows.add(new Row(wal, partial ? ".partial" : "", n, Files.size(f),
                        Files.getLastModifiedTime(f).toInstant().toString(), "directory"));
            }
        }
        return rows;
    }

    private static void json(ServerResponse res, String body) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(body);
    }
}
