package io.pgrwl.server.backup;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A base backup's id, its directory name under {@code backups/}: the UTC start time as the Go pgrwl writes it
 * ({@code 20060102150405}) and a random suffix ({@code 20261202021530-3fa9c1}), so that two processes sharing an archive
 * (the CLI and a daemon, two receivers of a pair) never pick the same one. Ids of the Go pgrwl (the 14 digits alone)
 * are read too. Ids sort by start time.
 *
 * @param value the id; matches {@link #PATTERN}
 */
record BackupId(String value) implements Comparable<BackupId> {

    static final Pattern PATTERN = Pattern.compile("[0-9]{14}(-[0-9a-f]{6})?");
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyyMMddHHmmss")
            .withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    BackupId {
        if (!PATTERN.matcher(value).matches()) {
            throw new IllegalArgumentException("\"" + value + "\" is not a backup id (e.g. 20261202021530-3fa9c1)");
        }
    }

    /** @return a new id for a backup starting at {@code now} */
    static BackupId startingAt(Instant now) {
        byte[] suffix = new byte[3];
        RANDOM.nextBytes(suffix);
        return new BackupId(FORMAT.format(now) + "-" + HexFormat.of().formatHex(suffix));
    }

    /** @return an id as the Go pgrwl writes it, the 14 digits alone, for {@code storage.compat: go} */
    static BackupId goStartingAt(Instant now) {
        return new BackupId(FORMAT.format(now));
    }

    /** @return whether {@code text} is an id, ours or the Go pgrwl's */
    static boolean isId(String text) {
        return PATTERN.matcher(text).matches();
    }

    /** @return the backup label PostgreSQL records ({@code pgrwl_<id>}, as the Go pgrwl) */
    String label() {
        return "pgrwl_" + value;
    }

    @Override
    public int compareTo(BackupId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
