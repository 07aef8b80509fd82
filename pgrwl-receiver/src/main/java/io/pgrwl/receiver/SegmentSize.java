package io.pgrwl.receiver;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses {@code SHOW wal_segment_size} ("16MB", "1GB", "1024kB") and checks it is a valid segment size. */
final class SegmentSize {

    private static final Pattern VALUE = Pattern.compile("(\\d+)\\s*(B|kB|MB|GB)");
    static final int MIN = 1 << 20;
    static final int MAX = 1 << 30;

    private SegmentSize() {
    }

    static int parse(String text) {
        Matcher m = VALUE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("cannot parse wal_segment_size \"" + text + "\"");
        }
        long n = Long.parseLong(m.group(1));
        long bytes = switch (m.group(2)) {
            case "kB" -> n << 10;
            case "MB" -> n << 20;
            case "GB" -> n << 30;
            default -> n;
        };
        if (bytes < MIN || bytes > MAX || Long.bitCount(bytes) != 1) {
            throw new IllegalArgumentException("wal_segment_size \"" + text + "\" is not a power of two between 1 MB"
                    + " and 1 GB");
        }
        return (int) bytes;
    }
}
