package io.pgrwl.server.restore;

import io.pgrwl.spi.WalFileName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a recovery from a base backup starts: the {@code START WAL LOCATION} line of {@code backup_label}, as
 * {@code do_pg_backup_stop} writes it in PostgreSQL's
 * <a href="https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/access/transam/xlog.c">xlog.c</a>
 * ({@code START WAL LOCATION: 0/2000028 (file 000000010000000000000002)}). It lets the prefetcher start before the
 * first segment is asked for; PostgreSQL renames the file to {@code backup_label.old} early in recovery, so this only
 * helps at the start, which is where it is needed.
 *
 * @param start the first segment the recovery needs
 * @param checkpoint the segment of the backup's checkpoint record, which recovery reads first: {@code start} or later
 * @param segmentSize the {@code wal_segment_size} that maps the location to that file name
 */
record BackupLabel(WalFileName start, WalFileName checkpoint, int segmentSize) {

    private static final Pattern START = Pattern.compile(
            "^START WAL LOCATION: ([0-9A-F]{1,8})/([0-9A-F]{1,8}) \\(file ([0-9A-F]{24})\\)$", Pattern.MULTILINE);
    private static final Pattern CHECKPOINT = Pattern.compile("^CHECKPOINT LOCATION: ([0-9A-F]{1,8})/([0-9A-F]{1,8})$",
            Pattern.MULTILINE);

    /** @return empty without a readable backup_label, or when no segment size maps its location to its file name */
    static Optional<BackupLabel> read(Path dataDirectory) {
        String text;
        try {
            text = Files.readString(dataDirectory.resolve("backup_label"), StandardCharsets.US_ASCII);
        } catch (IOException | java.io.UncheckedIOException e) {
            return Optional.empty();
        }
        return parse(text);
    }

    static Optional<BackupLabel> parse(String text) {
        Matcher m = START.matcher(text);
        if (!m.find()) {
            return Optional.empty();
        }
        long lsn = (Long.parseLong(m.group(1), 16) << 32) | Long.parseLong(m.group(2), 16);
        String file = m.group(3);
        int timeline = Integer.parseUnsignedInt(file.substring(0, 8), 16);
        BackupLabel found = null;
        for (int size = 1 << 20; size > 0 && size <= 1 << 30; size <<= 1) {
            WalFileName name = WalFileName.of(timeline, lsn, size);
            if (name.fileName(size).equals(file)) {
                if (found != null) {
                    return Optional.empty(); // two sizes fit: guessing could read ahead the wrong names
                }
                found = new BackupLabel(name, checkpoint(text, name, size), size);
            }
        }
        return Optional.ofNullable(found);
    }

    /** @return the segment of CHECKPOINT LOCATION, or {@code start} when the line is missing or before it */
    private static WalFileName checkpoint(String text, WalFileName start, int size) {
        Matcher m = CHECKPOINT.matcher(text);
        if (!m.find()) {
            return start;
        }
        long lsn = (Long.parseLong(m.group(1), 16) << 32) | Long.parseLong(m.group(2), 16);
        WalFileName name = WalFileName.of(start.timeline(), lsn, size);
        return name.segmentNumber() > start.segmentNumber() ? name : start;
    }
}
