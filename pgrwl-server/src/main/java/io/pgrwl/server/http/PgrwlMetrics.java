package io.pgrwl.server.http;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.pgrwl.receiver.ReceiverStatus;
import io.pgrwl.receiver.WalReceiver;
import io.pgrwl.server.serve.ArchiveCache;
import io.pgrwl.server.upload.RetentionWorker;
import io.pgrwl.server.upload.Uploader;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * pgrwl's meters in Helidon's metrics registry, served as Prometheus text at {@code /metrics} when
 * {@code metrics.enable} is true. The first five names are the Go pgrwl's, so its dashboards keep working; the rest
 * follow Prometheus conventions (base units in the name, {@code _total} for counters). Most meters read the live
 * state of the receiver, uploader, retention and serve cache when scraped, so nothing can drift from
 * {@code /api/v1/status}.
 *
 * <p>Thread-safe.
 */
public final class PgrwlMetrics {

    /** fsync and request latencies: 100 µs to 10 s. */
    private static final Duration[] LATENCY_BUCKETS = {Duration.ofNanos(100_000), Duration.ofNanos(250_000),
        Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofNanos(2_500_000_000L),
        Duration.ofSeconds(5), Duration.ofSeconds(10)};
    /** Upload latencies: 50 ms to 5 min. */
    private static final Duration[] UPLOAD_BUCKETS = {Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofNanos(2_500_000_000L),
        Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1),
        Duration.ofMinutes(5)};
    private static final AtomicLong NEVER = new AtomicLong();
    static final Duration BACKLOG_REUSE = Duration.ofMillis(250);
    /**
     * The state behind every function-backed meter. Micrometer holds a function meter's state object only weakly (a
     * collected one reads as NaN), and nothing else references these suppliers: the meters live as long as the
     * process, so their state does too.
     */
    private static final List<Supplier<?>> STATE = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final MeterRegistry registry;
    private final Instant started;

    private PgrwlMetrics(MeterRegistry registry, Instant started) {
        this.registry = registry;
        this.started = started;
    }

    /** The process-wide registry (Helidon's global one, which {@code /metrics} serves), with the uptime gauge. */
    public static PgrwlMetrics global(Instant started) {
        PgrwlMetrics m = new PgrwlMetrics(Metrics.globalRegistry(), started);
        m.gauge("pgrwl_uptime_seconds", "Seconds since pgrwl started",
                () -> Duration.between(started, Instant.now()).toMillis() / 1000.0);
        return m;
    }

    /**
     * Receive mode: the receiver's counters and positions, and its fsync latency.
     *
     * @param receiver the receiver, possibly already running; not null
     * @param fsyncs the receiver's fsync listener ({@link WalReceiver#onFsync}), set before it started; not null
     */
    public void receiver(WalReceiver receiver, EarlyFsyncs fsyncs) {
        Supplier<ReceiverStatus> s = receiver::status;
        counter("pgrwl_wal_bytes_received_total", "WAL bytes received from PostgreSQL and written to main.directory",
                () -> s.get().bytesReceived());
        counter("pgrwl_wal_files_received_total", "WAL segments completed (fsynced and renamed from .partial)",
                () -> s.get().segmentsCompleted());
        counter("pgrwl_receiver_reconnects_total", "Connection attempts after the first",
                () -> s.get().reconnects());
        counter("pgrwl_receiver_status_updates_total", "Standby status updates sent to PostgreSQL",
                () -> s.get().statusUpdatesSent());
        gauge("pgrwl_receiver_connected", "1 while a replication stream is open, else 0",
                () -> s.get().connected() ? 1.0 : 0.0);
        gauge("pgrwl_receiver_timeline", "Timeline being received (0 before the first connection)",
                () -> (double) s.get().timeline());
        gauge("pgrwl_receiver_received_lsn", "End of the WAL written to main.directory, as a byte position",
                () -> (double) s.get().receivedLsn().value());
        gauge("pgrwl_receiver_flushed_lsn", "End of the WAL fsynced and acknowledged, as a byte position",
                () -> (double) s.get().flushedLsn().value());
        gauge("pgrwl_receiver_server_wal_end_lsn", "The server's WAL end as of its last message, as a byte position",
                () -> (double) s.get().serverWalEnd().value());
        gauge("pgrwl_receiver_lag_bytes", "Server WAL end minus the flushed position", () -> (double) s.get().lagBytes());
        gauge("pgrwl_receiver_last_message_age_seconds",
                "Seconds since the last message from PostgreSQL (since start when none arrived yet)",
                () -> secondsSince(s.get().lastMessageAt() == null ? started : s.get().lastMessageAt()));
        Timer fsync = registry.getOrCreate(Timer.builder("pgrwl_wal_fsync_duration_seconds")
                .description("Duration of each fsync of received WAL before its position is acknowledged")
                .percentiles(new double[0]).buckets(LATENCY_BUCKETS));
        fsyncs.forwardTo(nanos -> fsync.record(Duration.ofNanos(nanos)));
    }

    /** The uploader's meters; with {@code uploader} null the Go pgrwl's counter is still there, at 0. */
    public void uploader(Uploader uploader) {
        counter("pgrwl_wal_files_uploaded_total", "WAL files archived to storage (stored, verified, deleted locally)",
                uploader == null ? NEVER::get : uploader::uploaded);
        if (uploader == null) {
            return;
        }
        counter("pgrwl_upload_failures_total", "Upload attempts that failed (each is retried)",
                uploader::failures);
        Supplier<Uploader.Backlog> backlog = recent(uploader::backlog, BACKLOG_REUSE);
        gauge("pgrwl_upload_backlog_files", "Completed WAL files in main.directory waiting for upload",
                () -> (double) backlog.get().files());
        gauge("pgrwl_upload_backlog_bytes", "Bytes of completed WAL files waiting for upload",
                () -> (double) backlog.get().bytes());
        gauge("pgrwl_upload_backlog_oldest_age_seconds", "Age of the oldest file waiting for upload, 0 when none",
                () -> {
                    Instant oldest = backlog.get().oldest();
                    return oldest == null ? 0.0 : secondsSince(oldest);
                });
        gauge("pgrwl_upload_last_success_timestamp_seconds", "Unix time of the last successful upload, 0 before one",
                () -> {
                    Instant last = uploader.lastSuccess();
                    return last == null ? 0.0 : last.toEpochMilli() / 1000.0;
                });
        Timer duration = registry.getOrCreate(Timer.builder("pgrwl_upload_duration_seconds")
                .description("Duration of each successful upload: encode, store, verify, delete locally")
                .percentiles(new double[0]).buckets(UPLOAD_BUCKETS));
        uploader.onUploadDuration(nanos -> duration.record(Duration.ofNanos(nanos)));
    }

    /** The upload of the segment in progress ({@code storage.uploader.partial_interval}). */
    public void partials(io.pgrwl.server.upload.PartialUploader partials) {
        counter("pgrwl_partial_uploads_total", "Uploads of the segment in progress (NAME.<receiver>.partial)",
                partials::uploads);
        counter("pgrwl_partial_upload_failures_total", "Uploads of the segment in progress that failed (tried again at"
                + " the next interval)", partials::failures);
        gauge("pgrwl_wal_local_only_bytes", "Acknowledged WAL that only main.directory holds: lost with that disk",
                () -> (double) partials.localOnly().bytes());
        gauge("pgrwl_wal_local_only_seconds", "At most how old the oldest acknowledged WAL that only main.directory"
                + " holds is, 0 when none", () -> (double) partials.localOnly().seconds());
    }

    /** Base backups' meters (receive mode with an archive). */
    public void backups(Supplier<Long> bytesReceived, Supplier<Long> bytesDeleted) {
        counter("pgrwl_basebackup_bytes_received_total", "Bytes of base backup archives received from PostgreSQL"
                + " (the Go pgrwl's name)", bytesReceived);
        counter("pgrwl_basebackup_bytes_deleted_total", "Stored bytes of base backups deleted by retention (the"
                + " recovery window)", bytesDeleted);
    }

    /** The archive's contiguity, from receive mode's running listing. */
    public void contiguity(io.pgrwl.server.verify.ArchiveContiguity contiguity) {
        gauge("pgrwl_archive_contiguous_lsn", "End of the newest WAL segment up to which the archive has no hole, as a"
                + " byte position (0 before the first listing)", () -> {
                    var s = contiguity.last();
                    return s == null ? 0.0 : (double) s.contiguousUntilLsn();
                });
        gauge("pgrwl_archive_missing_segments", "WAL segments missing between the archive's start and its newest"
                + " segment (alert on more than 0)", () -> {
                    var s = contiguity.last();
                    return s == null ? 0.0 : (double) s.missingSegments();
                });
    }

    /** Retention's meters; with {@code retention} null the Go pgrwl's counter is still there, at 0. */
    public void retention(RetentionWorker retention) {
        counter("pgrwl_wal_files_deleted_total", "Archived WAL objects deleted by retention",
                retention == null ? NEVER::get : retention::deleted);
        counter("pgrwl_retention_runs_total", "Completed retention passes over the archive",
                retention == null ? NEVER::get : retention::runs);
    }

    /** Serve mode's meters; {@code cache} is null without an archive. */
    public ServeMeters serve(ArchiveCache cache) {
        counter("pgrwl_serve_prefetch_hits_total", "Archive requests answered from the read-ahead cache",
                (cache == null ? NEVER : cache.hits)::get);
        counter("pgrwl_serve_prefetch_misses_total", "Archive requests that had to fetch from storage",
                (cache == null ? NEVER : cache.misses)::get);
        Counter bytes = registry.getOrCreate(Counter.builder("pgrwl_serve_sent_bytes_total")
                .description("WAL bytes sent in 200 responses to GET"));
        Timer latency = registry.getOrCreate(Timer.builder("pgrwl_serve_request_duration_seconds")
                .description("Time from request to the last byte sent").percentiles(new double[0])
                .buckets(LATENCY_BUCKETS));
        return new ServeMeters(registry, bytes, latency);
    }

    /** Records serve mode's requests: by status, bytes sent, latency. Thread-safe. */
    public static final class ServeMeters {
        private final MeterRegistry registry;
        private final Counter bytes;
        private final Timer latency;
        private final ConcurrentMap<Integer, Counter> byStatus = new ConcurrentHashMap<>();

        private ServeMeters(MeterRegistry registry, Counter bytes, Timer latency) {
            this.registry = registry;
            this.bytes = bytes;
            this.latency = latency;
            for (int status : new int[] {200, 400, 404, 503}) {
                requests(status); // present at 0 from the start, so rate() and alerts see them
            }
        }

        void record(int status, long bytesSent, long nanos) {
            requests(status).increment();
            if (bytesSent > 0) {
                bytes.increment(bytesSent);
            }
            latency.record(Duration.ofNanos(nanos));
        }

        /** @return requests answered so far, by HTTP status */
        public Map<Integer, Long> requests() {
            Map<Integer, Long> counts = new java.util.TreeMap<>();
            byStatus.forEach((status, counter) -> counts.put(status, counter.count()));
            return counts;
        }

        /** @return WAL bytes sent in 200 responses so far */
        public long sentBytes() {
            return bytes.count();
        }

        private Counter requests(int status) {
            return byStatus.computeIfAbsent(status, s -> registry.getOrCreate(
                    Counter.builder("pgrwl_serve_requests_total").description("WAL requests answered, by HTTP status")
                            .tags(List.of(Tag.create("status", Integer.toString(s))))));
        }
    }

    /**
     * A value computed at most once per {@code reuse}: one scrape reads the three backlog gauges within milliseconds,
     * and each computation looks at every waiting file.
     */
    static <T> Supplier<T> recent(Supplier<T> source, Duration reuse) {
        return new Supplier<>() {
            private T value; // guarded by this
            private long computedAt; // guarded by this

            @Override
            public synchronized T get() {
                long now = System.nanoTime();
                if (value == null || now - computedAt > reuse.toNanos()) {
                    value = source.get();
                    computedAt = now;
                }
                return value;
            }
        };
    }

    private static double secondsSince(Instant t) {
        return Math.max(0, Duration.between(t, Instant.now()).toMillis() / 1000.0);
    }

    void counter(String name, String help, Supplier<Long> value) {
        STATE.add(value);
        registry.getOrCreate(FunctionalCounter.builder(name, value, Supplier::get).description(help));
    }

    private void gauge(String name, String help, Supplier<Double> value) {
        STATE.add(value);
        registry.getOrCreate(Gauge.builder(name, value).description(help));
    }
}
