package io.pgrwl.receiver;

import java.time.Instant;

/**
 * A consistent-enough snapshot of the receiver for status pages, health checks and metrics.
 *
 * @param connected whether a replication stream is open now
 * @param timeline the timeline being received, 0 before the first connection
 * @param receivedLsn the end of the WAL written to disk (not necessarily fsynced)
 * @param flushedLsn the end of the WAL fsynced, i.e. the flush position reported to the server
 * @param serverWalEnd the server's WAL end as of its last message
 * @param lastMessageAt when the last message from the server arrived, or null
 * @param bytesReceived WAL bytes received since the process started
 * @param segmentsCompleted segments completed and renamed since the process started
 * @param statusUpdatesSent status updates sent since the process started
 * @param reconnects connection attempts after the first
 * @param systemIdentifier the cluster's system identifier, or null before the first connection
 * @param segmentSize the cluster's {@code wal_segment_size}, 0 before the first connection
 */
public record ReceiverStatus(boolean connected, int timeline, Lsn receivedLsn, Lsn flushedLsn, Lsn serverWalEnd,
                             Instant lastMessageAt, long bytesReceived, long segmentsCompleted, long statusUpdatesSent,
                             long reconnects, String systemIdentifier, int segmentSize) {

    /** @return the server's WAL end minus the flushed position, 0 before the server said where its WAL ends */
    public long lagBytes() {
        return serverWalEnd.value() == 0 ? 0 : Math.max(0, serverWalEnd.value() - flushedLsn.value());
    }
}
