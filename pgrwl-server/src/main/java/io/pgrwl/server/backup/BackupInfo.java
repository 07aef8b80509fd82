package io.pgrwl.server.backup;

import java.time.Instant;

/**
 * A base backup as the catalog sees it.
 *
 * @param id its id; not null
 * @param location its directory in the storage ({@code [prefix/]backups/<id>/}, or the Go pgrwl's root), ending in a
 *     slash; not null
 * @param status what it is good for; not null
 * @param reason why it is not completed (the missing WAL, the error, the lease), or null when completed
 * @param marker its completion marker, or null when it has none (failed or running)
 * @param started when it began (the marker's, else the id's time); not null
 * @param storedBytes the size of its stored objects
 */
public record BackupInfo(String id, String location, Status status, String reason, BackupMarker marker, Instant started,
                         long storedBytes) {

    /** The {@code status} of {@code /api/v1/backups}. */
    public enum Status {
        /** Data and the WAL from its start to its stop are in the archive: it restores. */
        COMPLETED,
        /** Running, or its data is stored and its WAL not yet archived. */
        IN_PROGRESS,
        /** Failed or abandoned: never restored, removed by retention once older than the window. */
        FAILED;

        /** @return the API's spelling: completed, in_progress, failed */
        public String apiName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
