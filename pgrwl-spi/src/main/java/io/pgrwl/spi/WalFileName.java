package io.pgrwl.spi;

import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Names of the files in a WAL directory, computed as PostgreSQL's {@code xlog_internal.h} does: a segment is
 * {@code TTTTTTTTXXXXXXXXYYYYYYYY} (timeline, then the segment number split by segments per 4 GiB "xlogid"), a segment
 * still being received carries {@code .partial}, and a timeline history is {@code TTTTTTTT.history}.
 *
 * <p>The one model of WAL file names in pgrwl: the receiver names its files with it, the archive splits object names
 * into a WAL file name and codec suffixes with {@link #leadingNameLength}, serve mode and {@code pgrwl restore-command}
 * accept requests with {@link #isServable}, and everything that lists WAL sorts with {@link #ORDER}. JDK only, so the
 * restore-command client can use it without loading PgJDBC.
 *
 * <p>Immutable and thread-safe.
 *
 * @param timeline the timeline, at least 1
 * @param segmentNumber the segment number ({@code XLogSegNo})
 * @param partial whether the name carries {@code .partial}
 */
public record WalFileName(int timeline, long segmentNumber, boolean partial) {

    /** The suffix of a segment that is still being received. */
    public static final String PARTIAL_SUFFIX = ".partial";

    private static final Pattern SEGMENT = Pattern.compile("[0-9A-F]{24}");
    private static final Pattern PARTIAL = Pattern.compile("[0-9A-F]{24}\\.partial");
    private static final Pattern HISTORY = Pattern.compile("[0-9A-F]{8}\\.history");
    private static final Pattern SERVABLE = Pattern.compile("[0-9A-F]{24}(\\.partial)?|[0-9A-F]{8}\\.history");

    /**
     * WAL order of file names (segments, {@code .partial}s and history files): timeline first, then the segment; a
     * timeline's history file before its segments. Only for names {@link #isServable} accepts.
     */
    public static final Comparator<String> ORDER = Comparator
            .<String>comparingLong(n -> Long.parseLong(n.substring(0, 8), 16))
            .thenComparing(n -> isHistory(n) ? "" : n);

    /**
     * @param timeline the timeline
     * @param position any position inside the segment, as a byte number (an LSN's 64-bit value)
     * @param segmentSize the cluster's {@code wal_segment_size}
     * @return the complete-segment name of the segment that holds {@code position}
     */
    public static WalFileName of(int timeline, long position, int segmentSize) {
        return new WalFileName(timeline, Long.divideUnsigned(position, segmentSize), false);
    }

    /**
     * Parses a segment or {@code .partial} file name.
     *
     * @param fileName a bare file name; not null
     * @param segmentSize the cluster's {@code wal_segment_size}, needed to turn the name into a segment number
     * @return the parsed name, or empty if {@code fileName} is not a segment or {@code .partial} name
     */
    public static Optional<WalFileName> parse(String fileName, int segmentSize) {
        boolean partial = PARTIAL.matcher(fileName).matches();
        if (!partial && !SEGMENT.matcher(fileName).matches()) {
            return Optional.empty();
        }
        int timeline = Integer.parseUnsignedInt(fileName.substring(0, 8), 16);
        long xlogId = Long.parseLong(fileName.substring(8, 16), 16);
        long segInId = Long.parseLong(fileName.substring(16, 24), 16);
        long perId = segmentsPerXLogId(segmentSize);
        if (timeline == 0 || segInId >= perId) {
            return Optional.empty();
        }
        return Optional.of(new WalFileName(timeline, xlogId * perId + segInId, partial));
    }

    /** @return whether {@code fileName} is a complete segment name ({@code 24 hex digits}) */
    public static boolean isSegment(String fileName) {
        return SEGMENT.matcher(fileName).matches();
    }

    /** @return whether {@code fileName} is a {@code NAME.partial} segment name */
    public static boolean isPartialSegment(String fileName) {
        return PARTIAL.matcher(fileName).matches();
    }

    /** @return whether {@code fileName} is a timeline history file name ({@code 8 hex digits .history}) */
    public static boolean isHistory(String fileName) {
        return HISTORY.matcher(fileName).matches();
    }

    /**
     * @return whether {@code fileName} names a WAL file PostgreSQL's recovery may ask for: a segment, a segment with
     *     {@code .partial}, or a timeline history file; nothing else (no path, no suffix)
     */
    public static boolean isServable(String fileName) {
        return SERVABLE.matcher(fileName).matches();
    }

    /**
     * Splits an archived object's file name ({@code 000000010000000000000003.zst.aes}) into the WAL file name and
     * what follows it (the codec suffixes).
     *
     * @param objectFileName the last part of an object name; not null
     * @return the length of the WAL file name at its start (24, 32 with {@code .partial}, 16 for a history file),
     *     or -1 when it does not start with one or what follows does not start with a dot
     */
    public static int leadingNameLength(String objectFileName) {
        java.util.regex.Matcher m = SERVABLE.matcher(objectFileName);
        if (!m.lookingAt()) {
            return -1;
        }
        int end = m.end();
        if (end < objectFileName.length() && objectFileName.charAt(end) != '.') {
            return -1;
        }
        return end;
    }

    /**
     * @param timeline a timeline, at least 2 (timeline 1 has no history)
     * @return {@code TTTTTTTT.history} ({@code TLHistoryFileName})
     */
    public static String historyFileName(int timeline) {
        return String.format("%08X.history", timeline);
    }

    /**
     * @param segmentSize the cluster's {@code wal_segment_size}
     * @return the file name ({@code XLogFileName}), with {@code .partial} when this is a partial name
     */
    public String fileName(int segmentSize) {
        long perId = segmentsPerXLogId(segmentSize);
        String name = String.format("%08X%08X%08X", timeline, segmentNumber / perId, segmentNumber % perId);
        return partial ? name + PARTIAL_SUFFIX : name;
    }

    /**
     * @param segmentSize the cluster's {@code wal_segment_size}
     * @return the first WAL position inside this segment, as a byte number
     */
    public long startPosition(int segmentSize) {
        return segmentNumber * segmentSize;
    }

    /** @return the same segment without {@code .partial} */
    public WalFileName complete() {
        return new WalFileName(timeline, segmentNumber, false);
    }

    /** @return the same segment with {@code .partial} */
    public WalFileName asPartial() {
        return new WalFileName(timeline, segmentNumber, true);
    }

    private static long segmentsPerXLogId(int segmentSize) {
        return 0x100000000L / segmentSize;
    }
}
