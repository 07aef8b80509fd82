package io.pgrwl.server.backup;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.config.PgrwlConfig;
import io.pgrwl.server.support.Durations;
import io.pgrwl.spi.ArchivedWal;
import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.WalFileName;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The recovery window ({@code retention.*}, the Go pgrwl's {@code recovery_window}): deletes the base backups that are
 * no longer needed to recover to any point of the last {@code retention.value}, and the WAL only they needed.
 *
 * <p>The anchor is the newest completed backup that started at or before {@code now - window} (a restore of it, plus
 * its WAL, reaches every point of the window), else the oldest completed one; it moves back so that at least
 * {@code keep_last} completed backups are kept. Deleted are the completed backups that started before the anchor, the
 * failed ones that started before the window, and the WAL segments below the anchor's start segment that no kept
 * backup needs. As the Go pgrwl, but segments are compared by timeline and segment number, never by name (the Go
 * pgrwl's string comparison deletes every segment of a lower timeline than the anchor's, needed or not), the start is
 * the marker's start LSN on its start timeline (not the manifest's first WAL range, which for a backup that spans a
 * promotion is on the later timeline), and a segment a kept backup needs on its timeline or a descendant of it (read
 * from the {@code .history} files) is kept even below the anchor.
 *
 * <p>Never deleted: a backup in progress (running, or stored and waiting for its WAL) and the WAL it needs; anything
 * while another process holds the backup lease (a backup is running: the run is skipped); failed backups inside the
 * window; the anchor, the completed backups after it and the WAL from the anchor's start on; {@code .history} files;
 * objects {@link Archive#listWal} does not list (a {@code .partial}, unknown suffixes, foreign names); objects under
 * {@code backups/} outside a backup's directory (the lease). With no completed backup at all, nothing is deleted.
 *
 * <p>{@link #run} blocks on the storage for the listing and every deletion: call it from a background thread.
 * Thread-safe: no mutable state; runs at the same time, in this process or another, are kept apart by the backup
 * lease (all but one are skipped).
 */
public final class BackupRetention {

    private static final System.Logger LOG = System.getLogger(BackupRetention.class.getName());

    private final Archive archive;
    private final BackupCatalog catalog;
    private final PgrwlConfig.Retention settings;
    private final Clock clock;

    /**
     * @param settings {@code retention.*}; when enabled, its window ({@code value}) is not null
     */
    public BackupRetention(Archive archive, BackupCatalog catalog, PgrwlConfig.Retention settings, Clock clock) {
        this.archive = Objects.requireNonNull(archive, "archive");
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (settings.enable()) {
            Objects.requireNonNull(settings.value(), "retention.value");
        }
    }

    /**
     * What a run did.
     *
     * @param deletedBackups the ids of the backups deleted, oldest first; not null
     * @param deletedBackupBytes the stored size of their objects (for {@code pgrwl_basebackup_bytes_deleted_total})
     * @param deletedWalObjects the archived WAL objects deleted
     * @param anchor the id of the anchor (the oldest backup kept for the window), or null when skipped
     * @param skipped why nothing was deleted (retention off, a backup running, no completed backup), or null when the
     *     run went through
     */
    public record Report(List<String> deletedBackups, long deletedBackupBytes, int deletedWalObjects, String anchor,
                         String skipped) {

        public Report {
            deletedBackups = List.copyOf(deletedBackups);
        }

        static Report notRun(String why) {
            return new Report(List.of(), 0, 0, null, why);
        }

        /** @return whether the run went through (it may still have found nothing to delete) */
        public boolean ran() {
            return skipped == null;
        }
    }

    /**
     * Runs once, holding the backup lease for the run.
     *
     * @throws IOException when the storage fails; what was deleted before is logged, the rest is left for the next
     *     run (a backup half deleted has lost its marker first, so it is listed failed and deleted then)
     */
    public Report run() throws IOException {
        if (!settings.enable()) {
            return Report.notRun("retention.enable is false");
        }
        Instant now = clock.instant();
        AtomicReference<BackupLease.Holder> other = new AtomicReference<>();
        // The lease: no backup starts or writes its marker while retention looks and deletes, and two retention runs
        // (two processes sharing the archive) never race.
        Optional<BackupLease> lease = BackupLease.acquire(archive, BackupId.startingAt(now),
                BackupLease.Purpose.RETENTION, clock, other::set);
        if (lease.isEmpty()) {
            BackupLease.Holder h = other.get();
            String why = (h != null && h.purpose() == BackupLease.Purpose.RETENTION ? "another retention run is"
                    + " running (" : "a base backup is running (") + (h == null ? "lease held by another process"
                    : h.backupId() + " by " + h.holder() + ", lease until " + h.expiresAt())
                    + "): retention skipped, it runs again at its next interval";
            LOG.log(System.Logger.Level.INFO, "recovery-window retention: " + why);
            return Report.notRun(why);
        }
        try (BackupLease held = lease.get()) {
            return runHolding(held, now);
        }
    }

    private Report runHolding(BackupLease lease, Instant now) throws IOException {
        List<BackupInfo> all = catalog.list();
        List<BackupInfo> completed = all.stream().filter(b -> b.status() == BackupInfo.Status.COMPLETED)
                .sorted(Comparator.comparing(BackupInfo::started).thenComparing(BackupInfo::id)).toList();
        if (completed.isEmpty()) {
            String why = "no completed base backup in the archive (" + all.size() + " backups, none completed):"
                    + " nothing deleted, the WAL is kept until one completes";
            LOG.log(System.Logger.Level.INFO, "recovery-window retention: " + why);
            return Report.notRun(why);
        }
        Instant windowStart = now.minus(settings.value());
        BackupInfo anchor = anchor(completed, windowStart, settings.keepLast());

        List<BackupInfo> doomed = new ArrayList<>();
        List<BackupMarker> kept = new ArrayList<>();
        for (BackupInfo b : all.reversed()) { // oldest first
            boolean delete = switch (b.status()) {
                case COMPLETED -> b.started().isBefore(anchor.started());
                // the lease is ours, so no failed backup is a live one; inside the window it stays for the operator
                case FAILED -> b.started().isBefore(windowStart);
                case IN_PROGRESS -> false;
            };
            if (delete) {
                doomed.add(b);
            } else if (b.marker() != null) {
                kept.add(b.marker()); // completed from the anchor on, and in progress: their WAL stays
            }
        }
        List<String> deleted = new ArrayList<>();
        long bytes = 0;
        for (BackupInfo b : doomed) {
            bytes += deleteBackup(lease, b, anchor, windowStart);
            deleted.add(b.id());
        }
        int wal = deleteWal(lease, anchor.marker(), kept);
        return new Report(deleted, bytes, wal, anchor.id(), null);
    }

    /**
     * @param completed the completed backups, oldest first; not empty
     * @return the oldest backup kept: the newest that started at or before {@code windowStart} (else the oldest),
     *     moved back so that {@code keepLast} are kept
     */
    static BackupInfo anchor(List<BackupInfo> completed, Instant windowStart, int keepLast) {
        int anchor = 0;
        for (int i = 0; i < completed.size(); i++) {
            if (!completed.get(i).started().isAfter(windowStart)) {
                anchor = i;
            }
        }
        return completed.get(Math.min(anchor, Math.max(0, completed.size() - keepLast)));
    }

    private long deleteBackup(BackupLease lease, BackupInfo backup, BackupInfo anchor, Instant windowStart)
            throws IOException {
        String marker = backup.location() + backup.id() + ".json";
        // The completion marker first: the catalog calls a backup completed by its marker, so a deletion that stops
        // halfway (a storage error, a crash) must not leave one behind, or a backup without its data would be listed
        // completed, offered for restore and perhaps chosen as the next anchor. Without its marker it is listed
        // failed, and as it started before the window the next run deletes the rest.
        List<ObjectInfo> objects = new ArrayList<>(catalog.objects(backup));
        objects.sort(Comparator.comparing((ObjectInfo o) -> !o.name().startsWith(marker)));
        long bytes = 0;
        for (ObjectInfo o : objects) {
            lease.stillHeld();
            try {
                archive.storage().delete(o.name());
            } catch (IOException e) {
                throw new IOException("recovery-window retention stopped deleting base backup " + backup.id() + " at "
                        + o.name() + " (" + e.getMessage() + "); " + (o == objects.getFirst()
                        ? "it is untouched" : "what is left has no marker: it is listed failed and the next run"
                        + " deletes it") + "; WAL is not pruned in this run", e);
            }
            bytes += o.size();
        }
        String why = backup.status() == BackupInfo.Status.COMPLETED
                ? "it started before " + anchor.id() + ", the oldest backup the recovery window of "
                        + Durations.goString(settings.value()) + " needs"
                : "it failed (" + backup.reason() + ") and started before the recovery window (" + windowStart + ")";
        LOG.log(System.Logger.Level.INFO, "recovery-window retention deleted base backup " + backup.id() + " ("
                + backup.status().apiName() + ", started " + backup.started() + ", " + objects.size()
                + (objects.size() == 1 ? " object, " : " objects, ") + bytes + " bytes): " + why);
        return bytes;
    }

    private int deleteWal(BackupLease lease, BackupMarker anchor, List<BackupMarker> kept) throws IOException {
        List<ArchivedWal> archived = archive.listWal();
        Map<Integer, List<ArchivedWal>> histories = new HashMap<>();
        archived.stream().filter(ArchivedWal::history).forEach(w -> histories.computeIfAbsent(
                Integer.parseUnsignedInt(w.walFileName().substring(0, 8), 16), t -> new ArrayList<>()).add(w));
        Timelines timelines = new Timelines(histories);
        long anchorStart = startSegment(anchor);
        List<ArchivedWal> doomed = new ArrayList<>();
        for (ArchivedWal w : archived) {
            if (w.history()) {
                continue; // a restore to any timeline needs them, and they are tiny
            }
            Optional<WalFileName> name = WalFileName.parse(w.walFileName(), anchor.segmentSizeOrDefault());
            // WAL order: the segment number, never the name, whose timeline prefix sorts before the number
            if (name.isPresent() && name.get().segmentNumber() < anchorStart
                    && kept.stream().noneMatch(b -> needs(b, w.walFileName(), timelines))) {
                doomed.add(w);
            }
        }
        for (ArchivedWal w : doomed) { // oldest first: a run that stops leaves no hole
            lease.stillHeld();
            archive.storage().delete(w.object().name());
        }
        if (!doomed.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "recovery-window retention deleted " + doomed.size() + " archived WAL"
                    + " objects (" + doomed.getFirst().walFileName() + " to " + doomed.getLast().walFileName()
                    + ") below " + WalFileName.of(anchor.timeline(), anchor.startLsn(), anchor.segmentSizeOrDefault())
                            .fileName(anchor.segmentSizeOrDefault()) + ", where base backup " + anchor.id()
                    + " starts, that no kept backup needs; " + (archived.size() - doomed.size()) + " remain");
        }
        return doomed.size();
    }

    private static long startSegment(BackupMarker b) {
        return Math.floorDiv(b.startLsn(), b.segmentSizeOrDefault());
    }

    /** @return whether a restore of {@code b} may replay the segment: from its start on, its timeline or descendants */
    private static boolean needs(BackupMarker b, String walFileName, Timelines timelines) {
        Optional<WalFileName> name = WalFileName.parse(walFileName, b.segmentSizeOrDefault());
        if (name.isEmpty()) {
            return true; // not a segment at this segment size: not ours to judge
        }
        return name.get().segmentNumber() >= startSegment(b)
                && timelines.descendsFrom(name.get().timeline(), b.timeline());
    }

    /** The ancestry of timelines, from the archive's history files, read once each per run. */
    private final class Timelines {
        private final Map<Integer, List<ArchivedWal>> histories;
        private final Map<Integer, Optional<Set<Integer>>> ancestors = new HashMap<>();

        Timelines(Map<Integer, List<ArchivedWal>> histories) {
            this.histories = histories;
        }

        /** @return whether {@code timeline} is {@code base} or a descendant; when unknown (no history), yes */
        boolean descendsFrom(int timeline, int base) {
            if (timeline == base) {
                return true;
            }
            if (timeline < base) {
                return false; // a child's timeline is always higher than its parent's
            }
            return ancestors.computeIfAbsent(timeline, this::read).map(a -> a.contains(base)).orElse(true);
        }

        private Optional<Set<Integer>> read(int timeline) {
            String file = WalFileName.historyFileName(timeline);
            String problem = "it is not in the archive";
            for (ArchivedWal w : histories.getOrDefault(timeline, List.of())) {
                try (InputStream in = archive.openDecoded(w.object(), w.walFileName())) {
                    return Optional.of(parseHistory(timeline, new String(in.readNBytes(1 << 20),
                            StandardCharsets.UTF_8)));
                } catch (IOException | IllegalArgumentException e) {
                    problem = w.object().name() + " cannot be read: " + e.getMessage();
                }
            }
            // keeping too much is safe, deleting WAL a restore needs is not
            LOG.log(System.Logger.Level.WARNING, "recovery-window retention keeps the WAL of timeline " + timeline
                    + " that kept backups of earlier timelines might need: its history " + file + " tells which"
                    + " timelines it descends from, and " + problem);
            return Optional.empty();
        }
    }

    /** @return the timelines {@code timeline} descends from, read from its history file's text */
    static Set<Integer> parseHistory(int timeline, String text) {
        return io.pgrwl.spi.TimelineHistory.parse(timeline, text).ancestors();
    }
}
