package io.pgrwl.server.backup;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.WalFileName;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The base backups in the archive, each with its status: {@code completed} only when its completion marker is there
 * and every WAL segment from its start to its stop is archived (a backup restores nothing without them);
 * {@code in_progress} while its lease is alive or its WAL is still to come; {@code failed} when it recorded an error
 * or its process died before the marker (no marker, no live lease). Thread-safe; each call reads the storage.
 */
public final class BackupCatalog {

    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

    private final Archive archive;
    private final Clock clock;

    public BackupCatalog(Archive archive, Clock clock) {
        this.archive = archive;
        this.clock = clock;
    }

    /** @return every backup, newest first */
    public List<BackupInfo> list() throws IOException {
        // by location (prefix + id + "/"): ours, and the Go pgrwl's root of a migrated archive
        Map<String, List<ObjectInfo>> byLocation = new TreeMap<>();
        Map<String, String> ids = new java.util.HashMap<>();
        for (String prefix : archive.backupPrefixes()) {
            for (ObjectInfo o : archive.storage().list(prefix)) {
                String rest = o.name().substring(prefix.length());
                int slash = rest.indexOf('/');
                if (slash > 0 && BackupId.isId(rest.substring(0, slash))) {
                    String location = prefix + rest.substring(0, slash + 1);
                    byLocation.computeIfAbsent(location, k -> new ArrayList<>()).add(o);
                    ids.put(location, rest.substring(0, slash));
                }
            }
        }
        Optional<BackupLease.Holder> lease = BackupLease.read(archive);
        List<BackupInfo> out = new ArrayList<>();
        for (var e : byLocation.entrySet()) {
            out.add(describe(ids.get(e.getKey()), e.getKey(), e.getValue(), lease));
        }
        out.sort(Comparator.comparing(BackupInfo::started).thenComparing(BackupInfo::id).reversed());
        return out;
    }

    /** @return the backup of that id, if the archive holds it */
    public Optional<BackupInfo> find(String id) throws IOException {
        return list().stream().filter(b -> b.id().equals(id)).findFirst();
    }

    private BackupInfo describe(String id, String location, List<ObjectInfo> objects,
            Optional<BackupLease.Holder> lease) throws IOException {
        long stored = objects.stream().mapToLong(ObjectInfo::size).sum();
        Instant idTime = LocalDateTime.parse(id.substring(0, 14), ID_TIME).toInstant(ZoneOffset.UTC);
        Optional<ObjectInfo> markerObject = part(location, objects, id + ".json");
        Optional<ObjectInfo> failedObject = part(location, objects, BackupRunner.FAILED);
        boolean leaseAlive = lease.isPresent() && lease.get().backupId().equals(id)
                && !lease.get().expired(clock.instant());
        if (markerObject.isEmpty()) {
            if (leaseAlive) {
                return new BackupInfo(id, location, BackupInfo.Status.IN_PROGRESS, "running (" + lease.get().holder() + ")",
                        null, idTime, stored);
            }
            String reason = failedObject.isPresent() ? errorOf(location, failedObject.get())
                    : "no completion marker: the process taking it ended before it finished (killed, or its host"
                            + " lost)";
            return new BackupInfo(id, location, BackupInfo.Status.FAILED, reason, null, idTime, stored);
        }
        BackupMarker marker;
        try {
            marker = BackupMarker.parse(id, read(location, markerObject.get()));
        } catch (IllegalArgumentException | IOException e) {
            return new BackupInfo(id, location, BackupInfo.Status.FAILED, "its completion marker "
                    + markerObject.get().name() + " cannot be read: " + e.getMessage(), null, idTime, stored);
        }
        Optional<String> missing = firstMissingWal(marker);
        return missing.map(name -> new BackupInfo(id, location, BackupInfo.Status.IN_PROGRESS, "waiting for WAL segment "
                + name + " (the backup needs WAL up to " + ArchiveBackupSink.lsn(marker.stopLsn())
                + "); a primary switches to a new segment at the end of a backup, a standby only when its primary"
                + " does", marker, marker.startedAt(), stored))
                .orElseGet(() -> new BackupInfo(id, location, BackupInfo.Status.COMPLETED, null, marker, marker.startedAt(),
                        stored));
    }

    /**
     * @return the first WAL segment of the backup's range (start to stop, on the start or stop timeline) not in the
     *     archive, or empty when all are
     */
    Optional<String> firstMissingWal(BackupMarker marker) throws IOException {
        int size = marker.segmentSizeOrDefault();
        long first = Math.floorDiv(marker.startLsn(), size);
        // the WAL up to the stop position: the segment of its last byte (PostgreSQL's XLByteToPrevSeg)
        long last = Math.floorDiv(Math.max(marker.stopLsn(), marker.startLsn() + 1) - 1, size);
        for (long segment = first; segment <= last; segment++) {
            String onStart = WalFileName.of(marker.timeline(), segment * size, size).fileName(size);
            if (!archive.variants(onStart).isEmpty()) {
                continue;
            }
            String onStop = WalFileName.of(marker.stopTimeline(), segment * size, size).fileName(size);
            if (marker.stopTimeline() != marker.timeline() && !archive.variants(onStop).isEmpty()) {
                continue;
            }
            return Optional.of(segment == last ? onStop : onStart);
        }
        return Optional.empty();
    }

    /** @return the stored object of a part of the backup at {@code location}, by its name before encoding */
    Optional<ObjectInfo> part(String location, List<ObjectInfo> objects, String plainName) {
        String base = location + plainName;
        return objects.stream().filter(o -> o.name().startsWith(base)
                && archive.canDecode(o.name().substring(base.length()))).findFirst();
    }

    /** @return the objects stored under the backup's directory */
    List<ObjectInfo> objects(BackupInfo backup) throws IOException {
        return archive.storage().list(backup.location());
    }

    private String read(String location, ObjectInfo object) throws IOException {
        String plain = object.name().substring(0, object.name().indexOf(".json", location.length())
                + ".json".length());
        try (InputStream in = archive.openDecoded(object.name(), plain)) {
            return new String(in.readNBytes(64 << 20), StandardCharsets.UTF_8);
        }
    }

    private String errorOf(String location, ObjectInfo failed) {
        try {
            Object root = new org.yaml.snakeyaml.Yaml(new org.yaml.snakeyaml.constructor.SafeConstructor(
                    new org.yaml.snakeyaml.LoaderOptions())).load(read(location, failed));
            if (root instanceof Map<?, ?> m && m.get("error") != null) {
                return m.get("error").toString();
            }
            return "failed (its failure record holds no error)";
        } catch (IOException | RuntimeException e) {
            return "failed (its failure record cannot be read: " + e.getMessage() + ")";
        }
    }
}
