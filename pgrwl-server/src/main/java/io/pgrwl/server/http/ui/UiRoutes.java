package io.pgrwl.server.http.ui;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The web UI at {@code /ui/}: one page and its assets (htmx, a small script, a style sheet, all inside the jar, so it
 * works offline), and the HTML fragments the page polls every 5 s ({@code /ui/f/*}), rendered from the same documents
 * as {@code /api/v1/*}.
 *
 * <p>Security: every answer carries a Content-Security-Policy that allows scripts, styles and requests from this
 * origin only and no inline script or style; the page and its assets need no token (so the page can ask for it), the
 * fragments need {@code main.auth_token} as every API route does. The page never contains the token: the script keeps
 * it in {@code sessionStorage} and sends it as the {@code Authorization} header, so no cookie exists and the backup
 * button cannot be triggered across sites. Thread-safe.
 */
public final class UiRoutes {

    /** Paths the bearer-token filter lets through: the page and its static assets, nothing with data. */
    public static boolean isPublic(String path) {
        return path.equals("/ui") || path.equals("/ui/") || path.startsWith("/ui/assets/");
    }

    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
            + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static final Map<String, String> ASSETS = Map.of(
            "htmx.min.js", "htmx.min.js",
            "ui.js", "ui.js",
            "ui.css", "ui.css",
            "favicon.svg", "favicon.svg");

    private UiRoutes() {
    }

    /**
     * Mounts {@code /ui} (a redirect), {@code /ui/}, {@code /ui/assets/*} and {@code /ui/f/*}. Each fragment takes
     * {@code instance}: 0 (or none) for this process, {@code n} for the n-th entry of {@code ui.receivers}.
     */
    public static void register(HttpRouting.Builder r, UiSource source) {
        byte[] page = page(source);
        List<RemoteInstance> others = source.others().stream().map(RemoteInstance::new).toList();
        r.get("/ui", (req, res) -> {
            res.status(Status.MOVED_PERMANENTLY_301).header(HeaderNames.LOCATION, "/ui/");
            secure(res).send();
        });
        r.get("/ui/", (req, res) -> {
            res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
            secure(res).send(page);
        });
        r.get("/ui/assets/{name}", (req, res) -> asset(req.path().pathParameters().get("name"), res));
        r.get("/ui/f/overview", (req, res) -> fragment(req, res, others, () -> Fragments.overview(source.mode(),
                source.status().get(), Instant.now()), remote -> {
                    String status = remote.get("/api/v1/status");
                    return Fragments.overview(Fragments.modeOf(status), status, Instant.now());
                }));
        r.get("/ui/f/chart", (req, res) -> fragment(req, res, others, () -> source.history() == null
                ? "" : Fragments.chart(source.history().samples()),
                remote -> Fragments.unavailable("chart", "each pgrwl keeps its own last hour: open " + remote.label()
                        + "'s own /ui/")));
        r.get("/ui/f/wals", (req, res) -> {
            String query = param(req, "q");
            String ext = param(req, "ext");
            int offset = offset(param(req, "offset"));
            fragment(req, res, others, () -> {
                try {
                    return Fragments.wals(source.wals().page(query, ext, offset, Fragments.PAGE_SIZE), query, ext,
                            offset);
                } catch (IOException e) {
                    return Fragments.unavailable("cannot list the archive now", e.getMessage());
                }
            }, remote -> {
                String path = "/api/v1/wals?q=" + enc(query) + "&ext=" + enc(ext) + "&offset=" + offset + "&limit="
                        + Fragments.PAGE_SIZE;
                var answer = remote.send("GET", path);
                if (answer.statusCode() != 200) {
                    return Fragments.unavailable(remote.label(), "answered " + answer.statusCode() + " to " + path);
                }
                var total = answer.headers().firstValue("X-Total-Count");
                UiSource.WalPage walPage = total.isPresent()
                        ? new UiSource.WalPage((List<?>) Fragments.parse(answer.body()), Integer.parseInt(total.get()))
                        : Fragments.pageOf(answer.body(), query, ext, offset, Fragments.PAGE_SIZE); // no paging there
                return Fragments.wals(walPage, query, ext, offset);
            });
        });
        r.get("/ui/f/backups", (req, res) -> fragment(req, res, others, () -> source.backups() == null
                ? Fragments.unavailable("base backups", "this pgrwl takes none (serve mode, or no archive)")
                : Fragments.backups(source.backups().get()), remote -> {
                    var answer = remote.send("GET", "/api/v1/backups");
                    return answer.statusCode() == 404 ? Fragments.unavailable("base backups", remote.label()
                            + " takes none (serve mode, or no archive)") : answer.statusCode() != 200
                            ? Fragments.unavailable(remote.label(), "answered " + answer.statusCode())
                            : Fragments.backups(answer.body());
                }));
        r.post("/ui/f/backup", (req, res) -> fragment(req, res, others, () -> source.startBackup() == null
                ? Fragments.unavailable("base backups", "this pgrwl takes none")
                : Fragments.backupStarted(source.startBackup().get()), remote -> {
                    var answer = remote.send("POST", "/api/v1/basebackup");
                    if (answer.statusCode() != 200 && answer.statusCode() != 409) {
                        return Fragments.unavailable(remote.label(), "answered " + answer.statusCode()
                                + " to POST /api/v1/basebackup");
                    }
                    return Fragments.backupStarted(new UiSource.BackupStart(answer.statusCode() == 200,
                            answer.body()));
                }));
    }

    /** A fragment of another instance: rendered from what its API answers. */
    @FunctionalInterface
    private interface RemoteFragment {
        String render(RemoteInstance remote) throws IOException;
    }

    private static byte[] page(UiSource source) {
        String html = new String(resource("index.html"), StandardCharsets.UTF_8)
                .replace("{{mode}}", source.mode())
                .replace("{{token-required}}", Boolean.toString(source.tokenRequired()));
        // sections no instance shown has are left out of the page
        boolean others = !source.others().isEmpty();
        html = keep(html, "receive", source.history() != null || others);
        html = keep(html, "backups", source.backups() != null || others);
        StringBuilder nav = new StringBuilder();
        if (others) {
            nav.append("<nav id=\"instances\" class=\"instances\"><button type=\"button\" class=\"active\""
                    + " data-instance=\"0\">this pgrwl (").append(Html.escape(source.mode())).append(")</button>");
            for (int i = 0; i < source.others().size(); i++) {
                nav.append("<button type=\"button\" data-instance=\"").append(i + 1).append("\">")
                        .append(Html.escape(source.others().get(i).label())).append("</button>");
            }
            nav.append("</nav>");
        }
        html = html.replace("<!--instances-->", nav);
        return html.getBytes(StandardCharsets.UTF_8);
    }

    /** Keeps or drops the text between {@code <!--if:name-->} and {@code <!--end:name-->}. */
    static String keep(String html, String name, boolean keep) {
        String open = "<!--if:" + name + "-->";
        String close = "<!--end:" + name + "-->";
        int from = html.indexOf(open);
        int to = html.indexOf(close);
        if (from < 0 || to < from) {
            return html;
        }
        return keep ? html.substring(0, from) + html.substring(from + open.length(), to)
                + html.substring(to + close.length())
                : html.substring(0, from) + html.substring(to + close.length());
    }

    private static void asset(String name, ServerResponse res) {
        String file = ASSETS.get(name);
        if (file == null) {
            res.status(Status.NOT_FOUND_404).header(HeaderNames.CONTENT_TYPE, "text/plain");
            secure(res).send("no such asset\n");
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, name.endsWith(".js") ? "text/javascript; charset=utf-8"
                : name.endsWith(".svg") ? "image/svg+xml" : "text/css; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, "max-age=3600");
        secure(res).send(resource(file));
    }

    private static void fragment(ServerRequest req, ServerResponse res, List<RemoteInstance> others,
            java.util.function.Supplier<String> local, RemoteFragment remote) {
        String html;
        int instance = offset(param(req, "instance"));
        try {
            if (instance == 0) {
                html = local.get();
            } else if (instance > others.size()) {
                html = Fragments.unavailable("instance " + instance, "not in ui.receivers");
            } else {
                RemoteInstance other = others.get(instance - 1);
                try {
                    html = remote.render(other);
                } catch (IOException e) {
                    html = Fragments.unavailable(other.label(), e.getMessage());
                }
            }
        } catch (RuntimeException e) {
            html = Fragments.unavailable("cannot show this now", e.getMessage());
        }
        res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        secure(res).send(html);
    }

    private static ServerResponse secure(ServerResponse res) {
        res.header("Content-Security-Policy", CSP);
        res.header("X-Content-Type-Options", "nosniff");
        res.header("Referrer-Policy", "no-referrer");
        return res;
    }

    private static String param(ServerRequest req, String name) {
        return req.query().first(name).orElse("").trim();
    }

    private static int offset(String text) {
        try {
            return Math.max(0, Integer.parseInt(text));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static byte[] resource(String name) {
        try (InputStream in = UiRoutes.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the web UI's " + name + " is missing from the jar: the build is"
                        + " broken; rebuild pgrwl");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
