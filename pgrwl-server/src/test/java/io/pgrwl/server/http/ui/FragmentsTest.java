package io.pgrwl.server.http.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The UI's fragments from API documents: values escaped, the states an operator must see, paging links. */
class FragmentsTest {

    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

    @Test
    void theReceiverUploadsAndArchiveAreShownFromTheStatusDocument() {
        String status = "{\"mode\":\"receive\",\"receiver\":{\"slot\":\"pgrwl_a\",\"connected\":false,\"timeline\":3,"
                + "\"received_lsn\":\"0/3000060\",\"flushed_lsn\":\"0/3000000\",\"lag_bytes\":2097152,"
                + "\"last_message_at\":\"2026-12-02T09:59:30Z\",\"bytes_received\":123},"
                + "\"uploader\":{\"backlog_files\":2,\"backlog_bytes\":33554432,\"backlog_oldest\":\"x\","
                + "\"backlog_oldest_age_seconds\":300,\"uploaded\":7,\"failures\":1,\"last_success_at\":null},"
                + "\"archive\":{\"first_segment\":\"000000030000000000000001\",\"contiguous_until\":"
                + "\"000000030000000000000002\",\"missing_segments\":4,\"checked_at\":\"2026-12-02T09:59:00Z\"}}";
        String html = Fragments.overview("receive", status, NOW);
        assertTrue(html.contains("<td class=\"bad\">disconnected</td>"), html);
        assertTrue(html.contains("<td>pgrwl_a</td>") && html.contains("<td>3</td>") && html.contains("0/3000060"));
        assertTrue(html.contains("<td>2.0 MiB</td>"), "lag in bytes, readable: " + html);
        assertTrue(html.contains("30 s ago (2026-12-02T09:59:30Z)"), html);
        assertTrue(html.contains("2 files, 32.0 MiB") && html.contains("<td>5 min</td>"), html);
        assertTrue(html.contains("<td class=\"bad\">1</td>"), "failures stand out: " + html);
        assertTrue(html.contains("<td class=\"bad\">4</td>"), "missing segments stand out: " + html);
        assertTrue(html.contains("<th scope=\"row\">last success</th><td>never</td>"), html);
    }

    @Test
    void serveModeShowsRequestsAndTheCache() {
        String html = Fragments.overview("serve", "{\"mode\":\"serve\",\"storage\":\"s3\",\"requests\":{\"200\":5,"
                + "\"404\":2},\"sent_bytes\":1024,\"cache\":{\"hits\":4,\"misses\":1,\"bytes\":0}}", NOW);
        assertTrue(html.contains("<th scope=\"row\">HTTP 200</th><td>5</td>") && html.contains("HTTP 404"), html);
        assertTrue(html.contains("<th scope=\"row\">hits</th><td>4</td>") && html.contains("1.0 KiB"), html);
    }

    @Test
    void everyValueIsEscaped() {
        String html = Fragments.backups("[{\"id\":\"<img src=x onerror=alert(1)>\",\"status\":\"failed\","
                + "\"reason\":\"a & b \\\"q\\\"\"}]");
        assertFalse(html.contains("<img"), html);
        assertTrue(html.contains("&lt;img src=x onerror=alert(1)&gt;") && html.contains("a &amp; b &quot;q&quot;"),
                html);
        String wals = Fragments.wals(page("[{\"name\":\"</td><script>\",\"ext\":\"\"}]", 1),
                "\"><script>", "", 0);
        assertFalse(wals.contains("<script>"), wals);
    }

    @Test
    void pagesLinkToTheirNeighboursWithTheFilterKept() {
        StringBuilder rows = new StringBuilder("[");
        for (int i = 0; i < Fragments.PAGE_SIZE; i++) {
            rows.append(i == 0 ? "" : ",").append("{\"name\":\"00000001000000000000").append(String.format("%04X", i))
                    .append("\",\"ext\":\".zst\",\"size\":100}");
        }
        String html = Fragments.wals(page(rows.append("]").toString(), 120), "0001 &x", ".zst", 50);
        assertTrue(html.contains("120 files, showing 51–100"), html);
        assertTrue(html.contains("hx-get=\"/ui/f/wals?q=0001+%26x&amp;ext=.zst&amp;offset=0\""), html);
        assertTrue(html.contains("hx-get=\"/ui/f/wals?q=0001+%26x&amp;ext=.zst&amp;offset=100\""), html);
        String last = Fragments.wals(page("[{\"name\":\"a\"}]", 101), "", "", 100);
        assertFalse(last.contains("offset=150"), "no page after the last: " + last);
    }

    @Test
    void theChartDrawsTheHourAndSaysWhenItHasTooLittle() {
        ReceiverHistory h = ReceiverHistory.manual();
        h.add(new ReceiverHistory.Sample(NOW.minusSeconds(4000), 1, 0));
        assertTrue(Fragments.chart(h.samples()).contains("collecting"));
        h.add(new ReceiverHistory.Sample(NOW.minusSeconds(20), 0, 0));
        h.add(new ReceiverHistory.Sample(NOW.minusSeconds(10), 1024, 10240));
        h.add(new ReceiverHistory.Sample(NOW, 0, 20480));
        assertEquals(3, h.samples().size(), "older than an hour is dropped");
        String svg = Fragments.chart(h.samples());
        assertTrue(svg.contains("lag: now 0 B, peak 1.0 KiB") && svg.contains("throughput: now 1.0 KiB/s"), svg);
        assertTrue(svg.contains("points=\"0,80 300,0 600,80\""), svg);
        assertFalse(svg.contains("style="), "no inline style: the CSP forbids it");
    }

    private static UiSource.WalPage page(String json, int total) {
        return new UiSource.WalPage((java.util.List<?>) Fragments.parse(json), total);
    }

    @Test
    void anInstanceThatDoesNotPageIsPagedHereWithTheSameFilter() {
        StringBuilder all = new StringBuilder("[");
        for (int i = 0; i < 120; i++) {
            all.append(i == 0 ? "" : ",").append("{\"name\":\"0000000100000000000000").append(String.format("%02X", i))
                    .append("\",\"ext\":\"").append(i % 2 == 0 ? ".zst.aes" : "").append("\",\"filename\":"
                    + "\"0000000100000000000000").append(String.format("%02X", i)).append(i % 2 == 0 ? ".zst.aes" : "")
                    .append("\"}");
        }
        String listing = all.append("]").toString();
        UiSource.WalPage encrypted = Fragments.pageOf(listing, "", ".zst.aes", 50, 50);
        assertEquals(60, encrypted.total());
        assertEquals(10, encrypted.rows().size(), "the last page of 60");
        UiSource.WalPage plain = Fragments.pageOf(listing, "0000000100000000000000 1", "none", 0, 50);
        assertEquals(0, plain.total(), "a space is part of the needle");
        assertEquals(1, Fragments.pageOf(listing, "0000000100000000000000 1".replace(" ", "7"), "none", 0, 50).total());
    }

    @Test
    void theGoPgrwlsStatusShowsItsStream() {
        String html = Fragments.overview(Fragments.modeOf("{\"running_mode\":\"\",\"stream_status\":{\"slot\":"
                + "\"go_slot\",\"timeline\":2,\"last_flush_lsn\":\"0/5000000\",\"uptime\":\"1h2m\","
                + "\"running\":true}}"), "{\"stream_status\":{\"slot\":\"go_slot\",\"timeline\":2,"
                + "\"last_flush_lsn\":\"0/5000000\",\"running\":true}}", NOW);
        assertTrue(html.contains("<td class=\"ok\">streaming</td>") && html.contains("go_slot")
                && html.contains("0/5000000"), html);
        assertEquals("serve", Fragments.modeOf("{\"mode\":\"serve\"}"));
    }

    @Test
    void sectionsAModeLacksAreLeftOut() {
        String html = "a<!--if:x-->b<!--end:x-->c";
        assertEquals("abc", UiRoutes.keep(html, "x", true));
        assertEquals("ac", UiRoutes.keep(html, "x", false));
        assertTrue(UiRoutes.isPublic("/ui/") && UiRoutes.isPublic("/ui/assets/ui.js"));
        assertFalse(UiRoutes.isPublic("/ui/f/overview"), "fragments hold data: they need the token");
    }
}
