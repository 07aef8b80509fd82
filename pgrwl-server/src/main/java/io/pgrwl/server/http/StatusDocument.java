package io.pgrwl.server.http;

import io.pgrwl.receiver.ReceiverStatus;
import io.pgrwl.server.serve.ArchiveCache;
import io.pgrwl.server.support.BuildInfo;
import io.pgrwl.server.support.Durations;
import io.pgrwl.server.support.Json;
import io.pgrwl.server.upload.RetentionWorker;
import io.pgrwl.server.upload.Uploader;
import java.time.Duration;
import java.time.Instant;

/**
 * The body of {@code GET /api/v1/status}: in receive mode the receiver, uploader (with its backlog) and retention, in
 * serve mode the requests answered and the read-ahead cache. Receive mode also carries the Go pgrwl's
 * {@code running_mode} and {@code stream_status} fields, so its dashboards and scripts keep working.
 * LSNs are PostgreSQL's {@code X/Y} text; times are ISO-8601 UTC; null where not known yet.
 */
public final class StatusDocument {

    private StatusDocument() {
    }

    /**
     * @param uploader null when WAL is not archived beyond main.directory
     * @param retention null when retention is off
     */
    public static Json receive(String slot, ReceiverStatus r, Uploader uploader, RetentionWorker retention, Instant started,
                        Instant now) {
        return receive(slot, r, uploader, retention, null, started, now);
    }

    /** @param archive the last listing of the archive's contiguity, or null (no archive, or none yet) */
    public static Json receive(String slot, ReceiverStatus r, Uploader uploader, RetentionWorker retention,
                        io.pgrwl.server.verify.ArchiveContiguity.Snapshot archive, Instant started, Instant now) {
        return receive(slot, r, uploader, null, retention, archive, started, now);
    }

    /** @param partials the upload of the segment in progress, or null when off (or no archive) */
    public static Json receive(String slot, ReceiverStatus r, Uploader uploader,
                        io.pgrwl.server.upload.PartialUploader partials, RetentionWorker retention,
                        io.pgrwl.server.verify.ArchiveContiguity.Snapshot archive, Instant started, Instant now) {
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
        // The Go pgrwl's shape: uptime as a Go duration, "running" while connected (its own stayed true for ever).
        Json stream = Json.object()
                .put("slot", slot)
                .put("timeline", r.timeline())
                .put("last_flush_lsn", r.flushedLsn().toString())
                .put("uptime", Durations.goString(Duration.between(started, now)))
                .put("running", r.connected());
        return common("receive", started, now)
                .put("running_mode", "receive")
                .put("stream_status", stream)
                .put("receiver", receiver)
                .put("uploader", uploader == null ? null : uploader(uploader, now)
                        .put("partial", partials == null ? null : partial(partials.localOnly())))
                .put("retention", retention == null ? null : Json.object()
                        .put("runs", retention.runs())
                        .put("deleted", retention.deleted()))
                .put("archive", archive == null ? null : Json.object()
                        .put("first_segment", archive.first())
                        .put("contiguous_until", archive.contiguousUntil())
                        .put("missing_segments", archive.missingSegments())
                        .put("checked_at", archive.at().toString()));
    }

    /**
     * @param requests requests answered so far by HTTP status
     * @param cache null when there is no archive (WAL is served from main.directory only)
     * @param storage {@code storage.name}, or null
     */
    public static Json serve(java.util.Map<Integer, Long> requests, long sentBytes, ArchiveCache cache, String storage,
                      Instant started, Instant now) {
        Json byStatus = Json.object();
        new java.util.TreeMap<>(requests).forEach((status, count) -> byStatus.put(status.toString(), count));
        return common("serve", started, now)
                .put("running_mode", "serve")
                .put("storage", storage)
                .put("requests", byStatus)
                .put("sent_bytes", sentBytes)
                .put("cache", cache == null ? null : Json.object()
                        .put("hits", cache.hits.get())
                        .put("misses", cache.misses.get())
                        .put("bytes", cache.bytes()));
    }

    private static Json common(String mode, Instant started, Instant now) {
        return Json.object()
                .put("mode", mode)
                .put("version", BuildInfo.version())
                .put("started_at", started.toString())
                .put("uptime_seconds", Duration.between(started, now).toSeconds());
    }

    private static Json uploader(Uploader u, Instant now) {
        Uploader.Backlog b = u.backlog();
        return Json.object()
                .put("backlog_files", b.files())
                .put("backlog_bytes", b.bytes())
                .put("backlog_oldest", text(b.oldest()))
                .put("backlog_oldest_age_seconds", b.oldest() == null ? 0 : Duration.between(b.oldest(), now).toSeconds())
                .put("uploaded", u.uploaded())
                .put("failures", u.failures())
                .put("conflicts", u.conflicts())
                .put("last_success_at", text(u.lastSuccess()));
    }

    /** How much acknowledged WAL only the local disk holds: what losing it would lose. */
    private static Json partial(io.pgrwl.server.upload.PartialUploader.LocalOnly l) {
        return Json.object().put("local_only_bytes", l.bytes()).put("local_only_seconds", l.seconds())
                .put("last_upload_at", text(l.lastUpload()));
    }

    private static String text(Instant t) {
        return t == null ? null : t.toString();
    }
}
