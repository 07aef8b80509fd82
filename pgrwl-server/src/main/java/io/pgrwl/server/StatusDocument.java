package io.pgrwl.server;

import io.pgrwl.receiver.ReceiverStatus;
import java.time.Duration;
import java.time.Instant;

/**
 * The body of {@code GET /api/v1/status} in receive mode: receiver, uploader (with its backlog) and retention.
 * LSNs are PostgreSQL's {@code X/Y} text; times are ISO-8601 UTC; null where not known yet.
 */
final class StatusDocument {

    private StatusDocument() {
    }

    /**
     * @param uploader null when WAL is not archived beyond main.directory
     * @param retention null when retention is off
     */
    static Json receive(String slot, ReceiverStatus r, Uploader uploader, RetentionWorker retention, Instant started,
                        Instant now) {
        Json receiver = Json.object()
                .put("slot", slot)
                .put("connected", r.connected())
                .put("timeline", r.timeline())
                .put("received_lsn", r.receivedLsn().toString())
                .put("flushed_lsn", r.flushedLsn().toString())
                .put("server_wal_end", r.serverWalEnd().toString())
                .put("lag_bytes", r.lagBytes())
                .put("last_message_at", text(r.lastMessageAt()))
                .put("bytes_received", r.bytesReceived())
                .put("segments_completed", r.segmentsCompleted())
                .put("status_updates_sent", r.statusUpdatesSent())
                .put("reconnects", r.reconnects())
                .put("system_identifier", r.systemIdentifier());
        return Json.object()
                .put("mode", "receive")
                .put("version", Main.version())
                .put("started_at", started.toString())
                .put("uptime_seconds", Duration.between(started, now).toSeconds())
                .put("receiver", receiver)
                .put("uploader", uploader == null ? null : uploader(uploader, now))
                .put("retention", retention == null ? null : Json.object()
                        .put("runs", retention.runs.get())
                        .put("deleted", retention.deleted.get()));
    }

    private static Json uploader(Uploader u, Instant now) {
        Uploader.Backlog b = u.backlog();
        return Json.object()
                .put("backlog_files", b.files())
                .put("backlog_bytes", b.bytes())
                .put("backlog_oldest", text(b.oldest()))
                .put("backlog_oldest_age_seconds", b.oldest() == null ? 0 : Duration.between(b.oldest(), now).toSeconds())
                .put("uploaded", u.uploaded.get())
                .put("failures", u.failures.get())
                .put("conflicts", u.conflicts.get())
                .put("last_success_at", text(u.lastSuccess));
    }

    private static String text(Instant t) {
        return t == null ? null : t.toString();
    }
}
