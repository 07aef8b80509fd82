package io.pgrwl.spi;

import java.time.Instant;
import java.util.List;

/**
 * Decides which archived WAL may be deleted. A pure decision: it deletes nothing itself. Thread-safe.
 */
public interface RetentionPolicy {

    /**
     * @param archived every archived WAL file, in WAL order (timeline, then segment; a timeline's history first);
     *     only objects that are archived are passed, so a file not yet uploaded can never be chosen; not null
     * @param now the current time; not null
     * @return the files to delete, a subset of {@code archived}; never null
     */
    List<ArchivedWal> expired(List<ArchivedWal> archived, Instant now);
}
