package io.pgrwl.receiver;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Names of the files in a WAL directory, computed as PostgreSQL's {@code xlog_internal.h} does: a segment is
 * {@code TTTTTTTTXXXXXXXXYYYYYYYY} (timeline, then the segment number split by segments per 4 GiB "xlogid"), a segment
 * still being received carries {@code .partial}, and a timeline history is {@code TTTTTTTT.history}.
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

    /**
     * @param timeline the timeline
     * @param position any position inside the segment
     * @param segmentSize the cluster's {@code wal_segment_size}
     * @return the complete-segment name of the segment that holds {@code position}
     */
    public static WalFileName of(int timeline, Lsn position, int segmentSize) {
        return new WalFileName(timeline, position.segmentNumber(segmentSize), false);
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
     * @return the first WAL position inside this segment
     */
    public Lsn startPosition(int segmentSize) {
        return new Lsn(segmentNumber * segmentSize);
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
