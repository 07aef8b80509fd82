package io.pgrwl.receiver;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What to ask of {@code BASE_BACKUP}.
 *
 * @param label the backup's label (shown in {@code backup_label} and {@code pg_stat_progress_basebackup}); not null
 * @param fastCheckpoint {@code CHECKPOINT 'fast'} (at once, at full I/O) rather than {@code 'spread'}
 * @param manifestChecksums the manifest's file checksum algorithm: NONE, CRC32C, SHA224, SHA256, SHA384 or SHA512
 * @param maxRateKiBPerSecond {@code MAX_RATE} in kB/s (32 to 1048576), or 0 for no limit
 * @param timeout how long the server may stay silent before the backup is given up (the checkpoint of a spread
 *     backup counts: keep it above {@code checkpoint_timeout × checkpoint_completion_target})
 */
public record BaseBackupRequest(String label, boolean fastCheckpoint, String manifestChecksums,
                                int maxRateKiBPerSecond, Duration timeout) {

    private static final List<String> CHECKSUMS = List.of("NONE", "CRC32C", "SHA224", "SHA256", "SHA384", "SHA512");

    public BaseBackupRequest {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(timeout, "timeout");
        if (!CHECKSUMS.contains(manifestChecksums)) {
            throw new IllegalArgumentException("manifest checksum algorithm \"" + manifestChecksums
                    + "\" is not one of " + String.join(", ", CHECKSUMS));
        }
        if (maxRateKiBPerSecond != 0 && (maxRateKiBPerSecond < 32 || maxRateKiBPerSecond > 1_048_576)) {
            throw new IllegalArgumentException("maximum rate " + maxRateKiBPerSecond + " kB/s is outside PostgreSQL's"
                    + " range of 32 to 1048576 kB/s (or 0 for no limit)");
        }
        if (label.indexOf('\0') >= 0 || label.length() > 200) {
            throw new IllegalArgumentException("backup label must be at most 200 characters and hold no NUL");
        }
    }

    /** @return the {@code BASE_BACKUP} command, options in PostgreSQL 15's parenthesised syntax */
    String command() {
        StringBuilder c = new StringBuilder("BASE_BACKUP (LABEL '").append(label.replace("'", "''")).append("'")
                .append(", CHECKPOINT '").append(fastCheckpoint ? "fast" : "spread").append("'")
                // the WAL comes from the receiver's stream, which the archive check at the end verifies
                .append(", WAIT false")
                .append(", MANIFEST 'yes', MANIFEST_CHECKSUMS '").append(manifestChecksums).append("'")
                .append(", TABLESPACE_MAP, PROGRESS")
                // without TARGET, PostgreSQL 15 answers in the pre-15 protocol (one COPY per tablespace)
                .append(", TARGET 'client'");
        if (maxRateKiBPerSecond > 0) {
            c.append(", MAX_RATE ").append(maxRateKiBPerSecond);
        }
        return c.append(')').toString();
    }
}
