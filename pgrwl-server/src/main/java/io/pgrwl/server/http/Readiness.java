package io.pgrwl.server.http;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.pgrwl.receiver.ReceiverStatus;
import io.pgrwl.server.support.Durations;
import io.pgrwl.server.upload.Uploader;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The readiness checks behind {@code /health} and {@code /health/ready}: each says UP, or DOWN with a {@code reason}
 * an operator can act on. The decisions are pure functions, unit-tested on their own.
 */
public final class Readiness {

    private Readiness() {
    }

    /**
     * Receive mode: connected, and a message (WAL or keepalive) within 2 × {@code receiver.status_interval}. pgrwl's
     * timed status updates ask the server for a reply, so a healthy idle stream still hears from it every interval.
     */
    public static HealthCheck receiver(Supplier<ReceiverStatus> status, Duration statusInterval) {
        return check("receiver", () -> {
            ReceiverStatus s = status.get();
            Optional<String> problem = receiverProblem(s, statusInterval, Instant.now());
            HealthCheckResponse.Builder b = HealthCheckResponse.builder().status(problem.isEmpty())
                    .detail("connected", s.connected())
                    .detail("timeline", s.timeline())
                    .detail("flushed_lsn", s.flushedLsn().toString())
                    .detail("lag_bytes", s.lagBytes())
                    .detail("last_message_at", s.lastMessageAt() == null ? "never" : s.lastMessageAt().toString());
            problem.ifPresent(p -> b.detail("reason", p));
            return b.build();
        });
    }

    /** @return why the receiver is not ready, or empty when it is */
    static Optional<String> receiverProblem(ReceiverStatus s, Duration statusInterval, Instant now) {
        if (!s.connected()) {
            return Optional.of("not connected to PostgreSQL (reconnecting; see the log for the last error)");
        }
        if (statusInterval.isZero()) {
            return Optional.empty(); // no timed status updates, so no heartbeat to expect
        }
        Duration limit = statusInterval.multipliedBy(2);
        if (s.lastMessageAt() == null || Duration.between(s.lastMessageAt(), now).compareTo(limit) > 0) {
            return Optional.of("no message from PostgreSQL for more than " + Durations.format(limit)
                    + " (2 × receiver.status_interval): the connection may be dead");
        }
        return Optional.empty();
    }

    /** Receive mode with an archive: fewer than {@code health.max_upload_backlog} files waiting for upload. */
    public static HealthCheck uploadBacklog(Uploader uploader, int maxBacklog) {
        return check("upload_backlog", () -> {
            Uploader.Backlog b = uploader.backlog();
            Optional<String> problem = backlogProblem(b.files(), maxBacklog);
            HealthCheckResponse.Builder r = HealthCheckResponse.builder().status(problem.isEmpty())
                    .detail("backlog_files", b.files())
                    .detail("backlog_bytes", b.bytes())
                    .detail("max_upload_backlog", maxBacklog);
            problem.ifPresent(p -> r.detail("reason", p));
            return r.build();
        });
    }

    /** @return why the backlog is too long, or empty when it is not */
    static Optional<String> backlogProblem(long files, int maxBacklog) {
        if (files < maxBacklog) {
            return Optional.empty();
        }
        return Optional.of(files + " WAL files wait for upload (health.max_upload_backlog is " + maxBacklog
                + "): uploads are failing or too slow; see pgrwl_upload_failures_total and the log");
    }

    static HealthCheck check(String name, Supplier<HealthCheckResponse> call) {
        return new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return HealthCheckType.READINESS;
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public HealthCheckResponse call() {
                return call.get();
            }
        };
    }
}
