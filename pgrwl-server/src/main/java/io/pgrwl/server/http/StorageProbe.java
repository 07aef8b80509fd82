package io.pgrwl.server.http;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.pgrwl.server.archive.Archive;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Readiness of the storage: a background thread asks it a cheap question (does a probe object exist) every
 * {@link #INTERVAL}, so probes never wait on the storage themselves; an answer that takes longer than
 * {@link #TIMEOUT} counts as unreachable.
 *
 * <p>Thread-safe. {@link #close()} stops the thread.
 */
public final class StorageProbe implements AutoCloseable {

    static final Duration INTERVAL = Duration.ofSeconds(5);
    static final Duration TIMEOUT = Duration.ofSeconds(15);

    /** A question to the storage that throws when it cannot be answered. */
    @FunctionalInterface
    public interface Question {
        void ask() throws Exception;
    }

    private record Answer(Instant at, String error) {
    }

    private final String what;
    private final Question question;
    private final Thread thread;
    private volatile Answer last;
    private volatile Instant askedAt;

    /**
     * @param what names the storage in reasons, e.g. {@code s3 storage}
     */
    public StorageProbe(String what, Question question) {
        this.what = what;
        this.question = question;
        this.thread = Thread.ofVirtual().name("storage-probe").start(this::loop);
    }

    /** Asks the archive's storage for a probe object's size (absent is a fine answer). */
    public static StorageProbe of(Archive archive, String storageName) {
        return new StorageProbe(storageName + " storage", () -> archive.storage().stat(archive.objectName(
                "pgrwl-readiness-probe")));
    }

    private void loop() {
        while (!Thread.currentThread().isInterrupted()) {
            askedAt = Instant.now();
            String error = null;
            try {
                question.ask();
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                error = e.toString();
            }
            last = new Answer(Instant.now(), error);
            askedAt = null;
            try {
                Thread.sleep(INTERVAL);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    public HealthCheck check() {
        return Readiness.check("storage", () -> {
            Optional<String> problem = problem(Instant.now());
            HealthCheckResponse.Builder b = HealthCheckResponse.builder().status(problem.isEmpty())
                    .detail("storage", what);
            Answer a = last;
            if (a != null) {
                b.detail("checked_at", a.at().toString());
            }
            problem.ifPresent(p -> b.detail("reason", p));
            return b.build();
        });
    }

    /** @return why the storage is not ready, or empty when its last answer was good and recent */
    Optional<String> problem(Instant now) {
        Instant asking = askedAt;
        if (asking != null && Duration.between(asking, now).compareTo(TIMEOUT) > 0) {
            return Optional.of(what + " has not answered for " + Duration.between(asking, now).toSeconds() + " s");
        }
        Answer a = last;
        if (a == null) {
            return Optional.of("the first check of the " + what + " has not finished yet");
        }
        if (a.error() != null) {
            return Optional.of("cannot reach the " + what + ": " + a.error());
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
