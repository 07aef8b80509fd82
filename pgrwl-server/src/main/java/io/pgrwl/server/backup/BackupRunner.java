package io.pgrwl.server.backup;

import io.pgrwl.receiver.BaseBackupClient;
import io.pgrwl.receiver.BaseBackupRequest;
import io.pgrwl.receiver.BaseBackupResult;
import io.pgrwl.receiver.ConnectionSettings;
import io.pgrwl.receiver.ReceiverException;
import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.config.PgrwlConfig;
import io.pgrwl.server.support.BuildInfo;
import io.pgrwl.server.support.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;


/**
 * Takes one base backup into the archive: the lease, {@code BASE_BACKUP} streamed part by part into the storage, then
 * the completion marker. A backup that fails gets {@code backups/<id>/failed.json<suffixes>} with the error (when the
 * storage still answers), so the catalog lists it {@code failed} with its reason; one whose process is killed is
 * recognised by its missing marker and expired lease. Blocks for the whole backup; one instance per backup.
 */
final class BackupRunner {

    private static final System.Logger LOG = System.getLogger(BackupRunner.class.getName());
    static final String FAILED = "failed.json";

    private final Archive archive;
    private final ConnectionSettings connection;
    private final PgrwlConfig.Backup settings;
    private final Clock clock;

    BackupRunner(Archive archive, ConnectionSettings connection, PgrwlConfig.Backup settings, Clock clock) {
        this.archive = archive;
        this.connection = connection;
        this.settings = settings;
        this.clock = clock;
    }

    /** How long a backup waits for a retention run holding the lease: a run lists and deletes, then lets go. */
    static final Duration RETENTION_WAIT = Duration.ofMinutes(5);
    private static final Duration LEASE_POLL = Duration.ofMillis(200);

    /** Why a backup did not start: another backup holds the lease. */
    static final class AlreadyRunning extends Exception {
        private static final long serialVersionUID = 1L;

        AlreadyRunning(BackupLease.Holder holder) {
            super("a base backup is already running: " + holder.describe() + " (its lease expires at "
                    + holder.expiresAt() + " unless renewed)");
        }
    }

    /** A backup that failed, with what the operator should know. */
    static final class Failed extends Exception {
        private static final long serialVersionUID = 1L;

        Failed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * @param progress updated as the server reports progress
     * @param started told the id once the lease is held
     * @return the marker of the completed backup
     */
    BackupMarker run(BackupProgress progress, java.util.function.Consumer<BackupId> started)
            throws AlreadyRunning, Failed {
        BackupLease lease = takeLease();
        BackupId id = lease.backup();
        Instant startedAt = clock.instant();
        started.accept(id);
        try (lease) {
            ArchiveBackupSink sink = new ArchiveBackupSink(archive, id, lease, progress);
            BaseBackupResult result;
            try {
                result = new BaseBackupClient(connection).take(new BaseBackupRequest(id.label(),
                        settings.fastCheckpoint(), settings.manifestChecksums(), settings.maxRateKiBPerSecond(),
                        settings.fastCheckpoint() ? Duration.ofMinutes(10) : Duration.ofHours(2)), sink);
                lease.stillHeld();
            } catch (ReceiverException | IOException | RuntimeException e) {
                sink.abort();
                String message = "base backup " + id + " failed: " + e.getMessage();
                if (!sink.begun()) {
                    // nothing reached the archive (refused at the start, or the first part failed): record nothing
                    LOG.log(System.Logger.Level.ERROR, message);
                } else {
                    recordFailure(id, startedAt, message);
                }
                throw new Failed(message, e);
            }
            BackupMarker marker = new BackupMarker(id.value(), id.label(), result.start().systemIdentifier(),
                    result.start().segmentSize(), result.start().serverVersionNum(), result.start().startLsn().value(),
                    result.start().startTimeline(), result.stopLsn().value(), result.stopTimeline(), startedAt,
                    clock.instant(), result.bytes(), result.start().tablespaces().stream()
                            .map(t -> new BackupMarker.Tablespace(t.oid(), t.location())).toList(), sink.parts(),
                    archive.writeSuffixes(), BuildInfo.version());
            try {
                writeEncoded(id, id + ".json", marker.toJson());
            } catch (IOException e) {
                String message = "base backup " + id + " failed: its data is stored but its completion marker could"
                        + " not be written: " + e.getMessage();
                recordFailure(id, startedAt, message);
                throw new Failed(message, e);
            }
            LOG.log(System.Logger.Level.INFO, "base backup " + id + " stored: " + (result.bytes() >> 20) + " MiB in "
                    + Duration.between(startedAt, marker.finishedAt()).toSeconds() + " s, WAL "
                    + ArchiveBackupSink.lsn(marker.startLsn()) + " to " + ArchiveBackupSink.lsn(marker.stopLsn())
                    + "; it is complete once that WAL is archived");
            return marker;
        }
    }

    /**
     * Takes the lease for a new backup id. A retention run holding it is over in seconds: the backup waits for it (up
     * to {@link #RETENTION_WAIT}) instead of failing, so a backup asked for while retention deletes still runs.
     *
     * <p>For the Go pgrwl ({@code storage.compat: go}) the id is its 14 digits of the second, so two backups started
     * within one second would share it: holding the lease, the backup looks whether its directory is taken and, if so,
     * lets go and tries again in the next second.
     */
    BackupLease takeLease() throws AlreadyRunning, Failed {
        Instant giveUp = clock.instant().plus(RETENTION_WAIT);
        while (true) {
            BackupId id = archive.writesGoLayout() ? BackupId.goStartingAt(clock.instant())
                    : BackupId.startingAt(clock.instant());
            AtomicReference<BackupLease.Holder> other = new AtomicReference<>();
            Optional<BackupLease> lease;
            try {
                lease = BackupLease.acquire(archive, id, BackupLease.Purpose.BACKUP, clock, other::set);
            } catch (IOException e) {
                throw new Failed("base backup not started: the backup lease in the archive could not be taken: "
                        + e.getMessage() + ". Check the storage", e);
            }
            if (lease.isPresent() && !taken(id)) {
                return lease.get();
            }
            if (lease.isPresent()) {
                lease.get().close();
                pause(Duration.ofMillis(1000 - clock.instant().toEpochMilli() % 1000 + 10));
                continue;
            }
            BackupLease.Holder holder = other.get();
            if (holder.purpose() != BackupLease.Purpose.RETENTION) {
                throw new AlreadyRunning(holder);
            }
            if (clock.instant().isAfter(giveUp)) {
                throw new Failed("base backup not started: " + holder.describe() + " has held the backup lease for"
                        + " more than " + RETENTION_WAIT.toSeconds() + " s (until " + holder.expiresAt() + "); try"
                        + " again once it is over", null);
            }
            pause(LEASE_POLL);
        }
    }

    /** @return whether a backup directory {@code id} already has objects (a Go-style id of this very second) */
    private boolean taken(BackupId id) throws Failed {
        if (!archive.writesGoLayout()) {
            return false; // a random suffix: never reused
        }
        try {
            return !archive.storage().list(archive.backupPrefix() + id + "/").isEmpty();
        } catch (IOException e) {
            throw new Failed("base backup not started: the archive's backups could not be listed: " + e.getMessage()
                    + ". Check the storage", e);
        }
    }

    private static void pause(Duration time) throws Failed {
        try {
            Thread.sleep(time.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failed("base backup not started: interrupted while waiting for the backup lease", e);
        }
    }

    private void recordFailure(BackupId id, Instant startedAt, String message) {
        LOG.log(System.Logger.Level.ERROR, message);
        try {
            writeEncoded(id, FAILED, Json.object().put("id", id.value()).put("started_at", startedAt.toString())
                    .put("failed_at", clock.instant().toString()).put("error", message).toString());
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not record the failure of base backup " + id + " in the"
                    + " archive (it is listed failed anyway, as it has no completion marker): " + e.getMessage());
        }
    }

    private void writeEncoded(BackupId id, String plainName, String text) throws IOException {
        EncodedUpload upload = EncodedUpload.start(archive, archive.backupPrefix() + id + "/" + plainName
                + archive.writeSuffixes());
        try (OutputStream out = upload) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            upload.abort();
            throw e;
        }
    }

}
