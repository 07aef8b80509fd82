package io.pgrwl.server.backup;

import io.pgrwl.receiver.ConnectionSettings;
import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.config.PgrwlConfig;
import io.pgrwl.server.support.Cron;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Base backups in a long-running process: one at a time (in this process by a flag, across processes by the
 * {@link BackupLease}), started by the API or by {@code backup.cron}, on their own thread, so that WAL streaming and
 * the synchronous standby never wait for one. Keeps the state {@code /api/v1/basebackup/status} shows. Thread-safe.
 */
public final class BackupService implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(BackupService.class.getName());

    private final Archive archive;
    private final ConnectionSettings connection;
    private final PgrwlConfig.Backup settings;
    private final Clock clock;
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong bytesDeleted = new AtomicLong();
    private final AtomicLong retentionRuns = new AtomicLong();
    private volatile State state = State.IDLE;
    private volatile BackupProgress progress;
    private volatile Thread scheduler;
    private volatile boolean closed;

    /**
     * What {@code GET /api/v1/basebackup/status} shows.
     *
     * @param status idle, running, succeeded or failed; not null
     * @param source cron or manual, or null when idle
     * @param id the backup's id, or null
     * @param startedAt null when idle
     * @param finishedAt null unless finished
     * @param lastError the last failure's message, or null
     */
    public record State(String status, String source, String id, Instant startedAt, Instant finishedAt,
                        String lastError) {
        static final State IDLE = new State("idle", null, null, null, null, null);

        public boolean running() {
            return status.equals("running");
        }
    }

    public BackupService(Archive archive, ConnectionSettings connection, PgrwlConfig.Backup settings, Clock clock) {
        this.archive = archive;
        this.connection = connection;
        this.settings = settings;
        this.clock = clock;
    }

    /** @return the state now; never null */
    public State state() {
        return state;
    }

    /**
     * @return while one runs: bytes sent so far, the server's estimate of the total (-1 when unknown) and the seconds
     *     left at the rate so far (-1 when unknown); else empty
     */
    public Optional<long[]> progress() {
        BackupProgress p = progress;
        if (!state.running() || p == null) {
            return Optional.empty();
        }
        java.time.Duration eta = p.eta(clock.instant());
        return Optional.of(new long[] {p.done(), p.total(), eta == null ? -1 : eta.toSeconds()});
    }

    /** @return tar bytes received by backups of this process ({@code pgrwl_basebackup_bytes_received_total}) */
    public long bytesReceived() {
        return bytesReceived.get() + (state.running() && progress != null ? progress.done() : 0);
    }

    /** @return stored bytes of backups retention deleted ({@code pgrwl_basebackup_bytes_deleted_total}) */
    public long bytesDeleted() {
        return bytesDeleted.get();
    }

    /** @return retention runs that completed (skipped ones included) */
    public long retentionRuns() {
        return retentionRuns.get();
    }

    /**
     * Applies {@code retention} (the recovery window) now and then every {@code retention.sync_interval}, on its own
     * thread, when it is enabled. A run while this process takes a backup waits for the next interval; one while
     * another process holds the lease is skipped by the run itself.
     */
    public void scheduleRetention(PgrwlConfig.Retention retention) {
        if (!retention.enable()) {
            return;
        }
        BackupRetention worker = new BackupRetention(archive, new BackupCatalog(archive, clock), retention, clock);
        Thread.ofPlatform().name("backup-retention").daemon().start(() -> {
            while (!closed) {
                if (!state.running()) {
                    try {
                        BackupRetention.Report report = worker.run();
                        bytesDeleted.addAndGet(report.deletedBackupBytes());
                        retentionRuns.incrementAndGet();
                    } catch (IOException | RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "retention (recovery window) failed, retried in "
                                + retention.syncInterval() + ": " + e.getMessage());
                    }
                }
                try {
                    Thread.sleep(retention.syncInterval().toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        LOG.log(System.Logger.Level.INFO, "retention: recovery window " + retention.value() + ", keep_last "
                + retention.keepLast() + ", every " + retention.syncInterval());
    }

    /**
     * Starts a backup on its own thread.
     *
     * @param source "manual" or "cron"
     * @return the state with the backup running, or empty when one already runs in this process
     */
    public synchronized Optional<State> start(String source) {
        if (state.running() || closed) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        BackupProgress p = new BackupProgress(now);
        progress = p;
        state = new State("running", source, null, now, null, state.lastError());
        State running = state;
        Thread.ofPlatform().name("base-backup").daemon().start(() -> run(source, p));
        return Optional.of(running);
    }

    private void run(String source, BackupProgress p) {
        Instant startedAt = state.startedAt();
        try {
            BackupMarker marker = new BackupRunner(archive, connection, settings, clock).run(p, id ->
                    state = new State("running", source, id.value(), startedAt, null, state.lastError()));
            bytesReceived.addAndGet(marker.bytesTotal());
            state = new State("succeeded", source, marker.id(), startedAt, clock.instant(), null);
        } catch (BackupRunner.AlreadyRunning e) {
            LOG.log(System.Logger.Level.WARNING, "base backup (" + source + ") skipped: " + e.getMessage());
            state = new State("failed", source, null, startedAt, clock.instant(), e.getMessage());
        } catch (BackupRunner.Failed e) {
            state = new State("failed", source, state.id(), startedAt, clock.instant(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "base backup failed: " + e, e);
            state = new State("failed", source, state.id(), startedAt, clock.instant(), e.toString());
        }
    }

    /** Starts the {@code backup.cron} schedule, if one is set: a tick while a backup runs is skipped and logged. */
    public void schedule() {
        Cron cron = settings.schedule();
        if (cron == null) {
            return;
        }
        scheduler = Thread.ofPlatform().name("backup-cron").daemon().start(() -> {
            while (!closed) {
                ZonedDateTime now = ZonedDateTime.now(clock);
                Optional<ZonedDateTime> next = cron.next(now);
                if (next.isEmpty()) {
                    LOG.log(System.Logger.Level.WARNING, "backup.cron \"" + cron.expression() + "\" never fires");
                    return;
                }
                LOG.log(System.Logger.Level.DEBUG, "next scheduled base backup at " + next.get());
                try {
                    Thread.sleep(Math.max(0, Duration.between(now, next.get()).toMillis()));
                } catch (InterruptedException e) {
                    return;
                }
                if (!closed && start("cron").isEmpty()) {
                    LOG.log(System.Logger.Level.WARNING, "backup.cron: the previous base backup still runs, this"
                            + " run is skipped");
                }
            }
        });
        LOG.log(System.Logger.Level.INFO, "base backups scheduled by backup.cron \"" + cron.expression() + "\"");
    }

    @Override
    public void close() {
        closed = true;
        Thread s = scheduler;
        if (s != null) {
            s.interrupt();
        }
    }
}
