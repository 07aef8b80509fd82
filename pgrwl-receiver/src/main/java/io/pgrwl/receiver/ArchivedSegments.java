package io.pgrwl.receiver;

import java.io.IOException;
import java.util.Collection;

/**
 * What the archive already holds, as the receiver needs it to choose where to start streaming: implemented by the
 * server over its storage, so that this module stays free of storage. Asked once per process start, on the receiver
 * thread, before the first {@code START_REPLICATION}.
 *
 * <p>Why the receiver asks: the uploader removes archived segments from {@code main.directory}, so after a restart the
 * directory alone can point far behind what is safe (an old timeline's {@code .partial} left at a promotion), and
 * streaming from there fails as a false "gap" once the server has recycled that WAL; and a directory that lost its
 * files cannot tell that the slot points past WAL that nobody holds.
 */
@FunctionalInterface
public interface ArchivedSegments {

    /**
     * Lists the archive. Blocking (a storage listing); may be called from any thread.
     *
     * @return the file names of the complete segments the archive holds (24 hex digits, e.g.
     *     {@code 000000020000000000000005}), in any order; never null. Other names are ignored.
     * @throws IOException when the storage cannot be listed; the start is then decided from the directory and the slot
     */
    Collection<String> completeSegmentNames() throws IOException;
}
