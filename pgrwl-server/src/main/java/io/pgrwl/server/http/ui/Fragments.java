package io.pgrwl.server.http.ui;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The UI's HTML fragments, rendered from the JSON documents of the API ({@link UiSource}), so that what the page shows
 * is what {@code /api/v1/*} says. No inline script or style (the page's Content-Security-Policy forbids them): the
 * chart is SVG with presentation attributes. Stateless and thread-safe.
 */
final class Fragments {

    static final int PAGE_SIZE = 50;

    private Fragments() {
    }

    /** The receiver, uploader and archive (receive mode) or the requests and cache (serve mode). */
    static String overview(String mode, String statusJson, Instant now) {
        Map<?, ?> s = map(parse(statusJson));
        Html h = new Html();
        if (mode.equals("serve")) {
            Map<?, ?> cache = map(s.get("cache"));
            h.raw("<div class=\"card\"><h2>Serve</h2><table>")
                    .pair("version", s.get("version")).pair("uptime", age(seconds(s.get("uptime_seconds"))))
                    .pair("storage", s.get("storage")).pair("bytes sent", bytes(s.get("sent_bytes")))
                    .raw("</table></div><div class=\"card\"><h2>Requests</h2><table id=\"requests\">");
            Map<?, ?> requests = map(s.get("requests"));
            if (requests.isEmpty()) {
                h.raw("<tr><td>none yet</td></tr>");
            }
            requests.forEach((status, count) -> h.pair("HTTP " + status, count));
            h.raw("</table></div><div class=\"card\"><h2>Read-ahead cache</h2><table>");
            if (cache.isEmpty()) {
                h.pair("cache", "none (WAL served from main.directory)");
            } else {
                h.pair("hits", cache.get("hits")).pair("misses", cache.get("misses"))
                        .pair("held", bytes(cache.get("bytes")));
            }
            return h.raw("</table></div>").toString();
        }
        Map<?, ?> r = map(s.get("receiver"));
        if (r.isEmpty() && s.get("stream_status") instanceof Map<?, ?> go) {
            // the Go pgrwl's status: slot, timeline, last flush LSN, whether it streams
            r = Map.of("slot", String.valueOf(go.get("slot")), "timeline", String.valueOf(go.get("timeline")),
                    "flushed_lsn", String.valueOf(go.get("last_flush_lsn")), "connected",
                    Boolean.TRUE.equals(go.get("running")));
        }
        boolean connected = Boolean.TRUE.equals(r.get("connected"));
        h.raw("<div class=\"card\"><h2>Receiver</h2><table id=\"receiver\">")
                .raw("<tr><th scope=\"row\">state</th><td class=\"").raw(connected ? "ok" : "bad").raw("\">")
                .text(connected ? "streaming" : "disconnected").raw("</td></tr>")
                .pair("slot", r.get("slot")).pair("timeline", r.get("timeline"))
                .pair("received LSN", r.get("received_lsn")).pair("flushed LSN", r.get("flushed_lsn"))
                .pair("server WAL end", r.get("server_wal_end")).pair("lag", bytes(r.get("lag_bytes")))
                .pair("last message", ago(r.get("last_message_at"), now))
                .pair("received", bytes(r.get("bytes_received"))).pair("reconnects", r.get("reconnects"))
                .pair("system identifier", r.get("system_identifier"))
                .raw("</table></div>");
        Map<?, ?> u = map(s.get("uploader"));
        h.raw("<div class=\"card\"><h2>Uploads</h2><table id=\"uploads\">");
        if (u.isEmpty()) {
            h.pair("archive", "none: WAL stays in main.directory (storage.name not set)");
        } else {
            long failures = number(u.get("failures"));
            h.pair("backlog", u.get("backlog_files") + " files, " + bytes(u.get("backlog_bytes")))
                    .pair("oldest waiting", u.get("backlog_oldest") == null ? "none"
                            : age(seconds(u.get("backlog_oldest_age_seconds"))))
                    .pair("uploaded", u.get("uploaded"))
                    .raw("<tr><th scope=\"row\">failures</th><td class=\"").raw(failures > 0 ? "bad" : "ok")
                    .raw("\">").text(failures).raw("</td></tr>")
                    .pair("last success", ago(u.get("last_success_at"), now));
        }
        h.raw("</table></div>");
        Map<?, ?> a = map(s.get("archive"));
        h.raw("<div class=\"card\"><h2>Archive</h2><table id=\"contiguity\">");
        if (a.isEmpty()) {
            h.pair("contiguity", u.isEmpty() ? "no archive" : "not listed yet (every 60 s)");
        } else {
            long missing = number(a.get("missing_segments"));
            h.pair("first segment", a.get("first_segment")).pair("contiguous until", a.get("contiguous_until"))
                    .raw("<tr><th scope=\"row\">missing segments</th><td class=\"").raw(missing > 0 ? "bad" : "ok")
                    .raw("\">").text(missing).raw("</td></tr>")
                    .pair("checked", ago(a.get("checked_at"), now));
        }
        return h.raw("</table></div>").toString();
    }

    /** Lag and throughput of the last hour as two SVG line charts. */
    static String chart(List<ReceiverHistory.Sample> samples) {
        Html h = new Html().raw("<div class=\"card wide\"><h2>Last hour</h2>");
        if (samples.size() < 2) {
            return h.raw("<p>collecting: a sample every ").text(ReceiverHistory.INTERVAL.toSeconds())
                    .raw(" s</p></div>").toString();
        }
        long[] lag = new long[samples.size()];
        long[] rate = new long[samples.size()];
        for (int i = 0; i < samples.size(); i++) {
            lag[i] = samples.get(i).lagBytes();
            if (i > 0) {
                long ms = Math.max(1, Duration.between(samples.get(i - 1).at(), samples.get(i).at()).toMillis());
                rate[i] = Math.max(0, samples.get(i).bytesReceived() - samples.get(i - 1).bytesReceived()) * 1000 / ms;
            }
        }
        rate[0] = rate[1];
        line(h, "lag", lag, "");
        line(h, "throughput", rate, "/s");
        return h.raw("</div>").toString();
    }

    private static void line(Html h, String name, long[] values, String unit) {
        long max = 1;
        for (long v : values) {
            max = Math.max(max, v);
        }
        int width = 600;
        int height = 80;
        StringBuilder points = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            long x = Math.round((double) i * width / (values.length - 1));
            long y = height - Math.round((double) values[i] * height / max);
            points.append(x).append(',').append(y).append(' ');
        }
        h.raw("<figure><figcaption>").text(name).raw(": now ").text(bytes(values[values.length - 1]) + unit)
                .raw(", peak ").text(bytes(max) + unit).raw("</figcaption>")
                .raw("<svg class=\"chart\" viewBox=\"0 0 " + width + " " + height + "\" role=\"img\" aria-label=\"")
                .text(name).raw("\"><polyline fill=\"none\" stroke=\"currentColor\" stroke-width=\"2\" points=\"")
                .raw(points.toString().trim()).raw("\"/></svg></figure>");
    }

    /** The archive's WAL table: one page, with links to the pages around it. */
    static String wals(UiSource.WalPage page, String query, String extension, int offset) {
        List<?> rows = page.rows();
        Html h = new Html().raw("<p class=\"count\">").text(page.total()).raw(page.total() == 1 ? " file" : " files");
        if (page.total() > 0) {
            h.raw(", showing ").text(offset + 1).raw("–").text(offset + rows.size());
        }
        h.raw("</p><table class=\"list\" id=\"wal-table\"><thead><tr><th>WAL file</th><th>suffix</th><th>size</th>"
                + "<th>stored at</th><th>where</th></tr></thead><tbody>");
        for (Object o : rows) {
            Map<?, ?> w = map(o);
            h.raw("<tr><td class=\"mono\">").text(w.get("name")).raw("</td><td>").text(w.get("ext")).raw("</td><td>")
                    .text(bytes(w.get("size"))).raw("</td><td>").text(w.get("uploaded_at")).raw("</td><td>")
                    .text(w.get("location")).raw("</td></tr>");
        }
        h.raw("</tbody></table><nav class=\"pages\">");
        if (offset > 0) {
            pageLink(h, "newer", query, extension, Math.max(0, offset - PAGE_SIZE));
        }
        if (offset + rows.size() < page.total()) {
            pageLink(h, "older", query, extension, offset + PAGE_SIZE);
        }
        return h.raw("</nav>").toString();
    }

    private static void pageLink(Html h, String label, String query, String extension, int offset) {
        String url = "/ui/f/wals?q=" + enc(query) + "&ext=" + enc(extension) + "&offset=" + offset;
        h.raw("<button type=\"button\" hx-get=\"").text(url).raw("\" hx-target=\"#wals\">").text(label)
                .raw("</button>");
    }

    /**
     * A page cut from a whole listing, for an instance that does not page itself (the Go pgrwl answers
     * {@code /api/v1/wals} whole, without {@code X-Total-Count}); the same filter as pgrwl's own paging.
     */
    static UiSource.WalPage pageOf(String wholeListing, String query, String extension, int offset, int limit) {
        String needle = query.trim().toUpperCase(Locale.ROOT);
        List<?> matching = list(parse(wholeListing)).stream().filter(o -> {
            Map<?, ?> w = map(o);
            String file = String.valueOf(w.get("filename") != null ? w.get("filename") : w.get("name"));
            String ext = w.get("ext") == null ? "" : String.valueOf(w.get("ext"));
            boolean named = needle.isEmpty() || file.toUpperCase(Locale.ROOT).contains(needle);
            boolean suffix = extension.isEmpty() || (extension.equals(".history") || extension.equals(".partial")
                    ? file.contains(extension) : extension.equals("none") ? ext.isEmpty() : ext.equals(extension));
            return named && suffix;
        }).toList();
        int from = Math.min(offset, matching.size());
        return new UiSource.WalPage(matching.subList(from, Math.min(matching.size(), from + limit)), matching.size());
    }

    /** The backups table and the button that starts one. */
    static String backups(String json) {
        List<?> rows = list(parse(json));
        Html h = new Html().raw("<table class=\"list\" id=\"backup-table\"><thead><tr><th>backup</th><th>status</th>"
                + "<th>started</th><th>finished</th><th>size</th><th>WAL</th></tr></thead><tbody>");
        if (rows.isEmpty()) {
            h.raw("<tr><td colspan=\"6\">no base backup in the archive yet</td></tr>");
        }
        for (Object o : rows) {
            Map<?, ?> b = map(o);
            String status = String.valueOf(b.get("status"));
            h.raw("<tr><td class=\"mono\">").text(b.get("id") != null ? b.get("id") : b.get("label"))
                    .raw("</td><td class=\"").raw(status.equals("completed") ? "ok" : status.equals("failed") ? "bad"
                            : "warn").raw("\">").text(status);
            if (b.get("reason") != null) {
                h.raw("<br><small>").text(b.get("reason")).raw("</small>");
            }
            h.raw("</td><td>").text(b.get("started")).raw("</td><td>").text(b.get("finished")).raw("</td><td>")
                    .text(b.get("size_gb") == null ? null : b.get("size_gb") + " GB").raw("</td><td class=\"mono\">")
                    .text(b.get("wal_start_lsn")).raw(" – ").text(b.get("wal_stop_lsn")).raw("</td></tr>");
        }
        return h.raw("</tbody></table>").toString();
    }

    /** What pressing the backup button did. */
    static String backupStarted(UiSource.BackupStart start) {
        Map<?, ?> s = map(parse(start.json()));
        Html h = new Html().raw("<p class=\"").raw(start.started() ? "ok" : "warn").raw("\">");
        if (start.started()) {
            h.text("base backup started (" + s.get("source") + ")");
        } else {
            h.text("not started: a base backup is already running");
        }
        return h.raw("</p>").toString();
    }

    /** A fragment saying what could not be shown, in place of the fragment. */
    static String unavailable(String what, String why) {
        return new Html().raw("<p class=\"bad\">").text(what + ": " + why).raw("</p>").toString();
    }

    // ---- values

    /** @return the mode a status document says: ours ({@code mode}), the Go pgrwl's, or receive */
    static String modeOf(String statusJson) {
        Map<?, ?> s = map(parse(statusJson));
        Object mode = s.get("mode") != null ? s.get("mode") : s.get("running_mode");
        return "serve".equals(mode) ? "serve" : "receive";
    }

    static Object parse(String json) {
        return new Yaml(new SafeConstructor(new LoaderOptions())).load(json);
    }

    private static Map<?, ?> map(Object o) {
        return o instanceof Map<?, ?> m ? m : Map.of();
    }

    private static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }

    private static long number(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }

    private static long seconds(Object o) {
        return number(o);
    }

    static String bytes(Object o) {
        if (!(o instanceof Number n)) {
            return o == null ? null : String.valueOf(o);
        }
        double v = n.doubleValue();
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n.longValue() + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String age(long seconds) {
        if (seconds < 120) {
            return seconds + " s";
        }
        if (seconds < 7200) {
            return seconds / 60 + " min";
        }
        return seconds / 3600 + " h " + seconds % 3600 / 60 + " min";
    }

    private static String ago(Object isoTime, Instant now) {
        if (isoTime == null) {
            return "never";
        }
        try {
            Instant t = Instant.parse(String.valueOf(isoTime));
            return age(Math.max(0, Duration.between(t, now).toSeconds())) + " ago (" + isoTime + ")";
        } catch (DateTimeParseException e) {
            return String.valueOf(isoTime);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8);
    }
}
