package io.pgrwl.server.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.pgrwl.server.serve.ServedFile;
import io.pgrwl.server.serve.WalLookup;
import io.pgrwl.server.serve.WalRequestName;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Optional;

/**
 * Serve mode's routes: {@code GET} and {@code HEAD} of {@code /api/v1/wal/<name>} and the older {@code /wal/<name>}.
 *
 * <p>200 carries {@code Content-Length} and {@code Repr-Digest: sha-256=:…:} (RFC 9530), so a client can tell a
 * complete transfer from a cut one; 400 for anything but a WAL file name; 405 for any other method; 404 only when the
 * file is nowhere; 503 with {@code Retry-After} when a place could not be read, so that a restore never mistakes an
 * outage for the end of WAL.
 */
public final class WalRoutes {

    private static final System.Logger LOG = System.getLogger(WalRoutes.class.getName());
    static final String RETRY_AFTER_SECONDS = "2";

    private WalRoutes() {
    }

    public static void register(HttpRouting.Builder routing, WalLookup lookup, PgrwlMetrics.ServeMeters meters) {
        for (String prefix : new String[] {"/api/v1/wal", "/wal"}) {
            routing.get(prefix + "/*", (req, res) -> measured(meters, res, () -> serve(prefix, req, res, lookup, true)));
            routing.head(prefix + "/*", (req, res) -> measured(meters, res, () -> serve(prefix, req, res, lookup,
                    false)));
            // 405 with Allow for any other method on a WAL path (Helidon's own answer would be 404, which reads as
            // "no such file" to a client that merely used the wrong method)
            routing.any(prefix + "/*", (req, res) -> {
                res.header(HeaderNames.ALLOW, "GET, HEAD");
                refuse(res, Status.METHOD_NOT_ALLOWED_405, req.prologue().method().text()
                        + " is not allowed on WAL files: they are read with GET or HEAD");
            });
            routing.get(prefix, (req, res) -> measured(meters, res, () -> {
                refuse(res, Status.BAD_REQUEST_400, "no WAL file name after the path");
                return 0L;
            }));
        }
    }

    @FunctionalInterface
    private interface Answer {
        /** @return the body bytes sent */
        long send() throws IOException;
    }

    private static void measured(PgrwlMetrics.ServeMeters meters, ServerResponse res, Answer answer)
            throws IOException {
        long started = System.nanoTime();
        long sent = 0;
        try {
            sent = answer.send();
        } finally {
            meters.record(res.status().code(), sent, System.nanoTime() - started);
        }
    }

    /** @return the body bytes sent */
    private static long serve(String prefix, ServerRequest req, ServerResponse res, WalLookup lookup, boolean body)
            throws IOException {
        String raw = req.prologue().uriPath().rawPathNoParams();
        String name;
        try {
            if (!raw.startsWith(prefix + "/")) {
                throw new IllegalArgumentException("not a WAL file path");
            }
            name = WalRequestName.parse(raw.substring(prefix.length() + 1));
        } catch (IllegalArgumentException e) {
            refuse(res, Status.BAD_REQUEST_400, e.getMessage());
            return 0;
        }
        Optional<ServedFile> found;
        try {
            found = lookup.find(name);
        } catch (IOException | RuntimeException e) {
            // an IOException's message says what failed (the storage, or which object is damaged and how)
            String why = e instanceof IOException && e.getMessage() != null ? e.getMessage() : e.toString();
            LOG.log(System.Logger.Level.WARNING, "cannot serve " + name + " now (answering 503): " + why);
            res.header(HeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
            refuse(res, Status.SERVICE_UNAVAILABLE_503, "cannot read " + name + " now: " + e.getMessage());
            return 0;
        }
        if (found.isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, "not found: " + name);
            refuse(res, Status.NOT_FOUND_404, name + " is neither in main.directory nor in the archive");
            return 0;
        }
        try (ServedFile file = found.get()) {
            res.header(HeaderNames.CONTENT_TYPE, "application/octet-stream");
            res.header(HeaderNames.CONTENT_LENGTH, Long.toString(file.length()));
            res.header("Repr-Digest", file.reprDigest());
            res.header("X-Pgrwl-Source", file.origin());
            if (!body) {
                res.send();
                return 0;
            }
            OutputStream out = res.outputStream();
            file.sendTo(out);
            out.close(); // only after every byte: on failure the exception makes Helidon drop the connection, so the
                         // client sees fewer bytes than Content-Length instead of a response that looks complete
            LOG.log(System.Logger.Level.DEBUG, "served " + name + " (" + file.length() + " bytes from "
                    + file.origin() + ")");
            return file.length();
        }
    }

    private static void refuse(ServerResponse res, Status status, String message) {
        res.status(status).header(HeaderNames.CONTENT_TYPE, "text/plain").send(message + "\n");
    }
}
