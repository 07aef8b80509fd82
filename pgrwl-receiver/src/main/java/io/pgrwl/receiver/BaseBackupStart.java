package io.pgrwl.receiver;

import java.util.List;

/**
 * What the server said when a base backup began.
 *
 * @param systemIdentifier the cluster's system identifier ({@code IDENTIFY_SYSTEM}); not null
 * @param serverVersionNum {@code server_version_num}, e.g. 150004
 * @param segmentSize {@code wal_segment_size} in bytes
 * @param startLsn where the backup's WAL starts (its checkpoint's redo point); not null
 * @param startTimeline the timeline of {@code startLsn}
 * @param tablespaces the tablespaces the backup holds besides the data directory; not null, possibly empty
 * @param estimatedBytes the server's estimate of the backup's size (with {@code PROGRESS}), or -1
 */
public record BaseBackupStart(String systemIdentifier, int serverVersionNum, int segmentSize, Lsn startLsn,
                              int startTimeline, List<Tablespace> tablespaces, long estimatedBytes) {

    public BaseBackupStart {
        tablespaces = List.copyOf(tablespaces);
    }

    /**
     * A tablespace as {@code BASE_BACKUP} lists it.
     *
     * @param oid the tablespace's OID, its archive is {@code <oid>.tar}
     * @param location its directory on the server; not null
     * @param estimatedBytes its estimated size, or -1
     */
    public record Tablespace(long oid, String location, long estimatedBytes) {
    }
}
