package io.pgrwl.receiver;

/**
 * A base backup the server finished sending.
 *
 * @param start what the server said at the start; not null
 * @param stopLsn where the backup's WAL ends: a restore must replay up to here before the data is consistent
 * @param stopTimeline the timeline of {@code stopLsn} (differs from the start's when a standby was promoted meanwhile)
 * @param bytes bytes of tar archives received (manifest not counted)
 */
public record BaseBackupResult(BaseBackupStart start, Lsn stopLsn, int stopTimeline, long bytes) {
}
