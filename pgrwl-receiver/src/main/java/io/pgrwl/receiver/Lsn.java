package io.pgrwl.receiver;

/**
 * A WAL position (PostgreSQL's {@code XLogRecPtr}): an unsigned 64-bit byte offset into the WAL stream, written
 * {@code %X/%X} like PostgreSQL does.
 *
 * <p>Immutable and thread-safe. {@link #INVALID} ({@code 0/0}) stands for "no position", as {@code InvalidXLogRecPtr}.
 *
 * @param value the raw 64-bit position, compared as unsigned
 */
public record Lsn(long value) implements Comparable<Lsn> {

    /** {@code 0/0}, PostgreSQL's {@code InvalidXLogRecPtr}. */
    public static final Lsn INVALID = new Lsn(0);

    /**
     * Parses {@code %X/%X} text such as {@code 16/B374D848}.
     *
     * @param text the position; not null
     * @return the position
     * @throws IllegalArgumentException if the text is not two hexadecimal numbers separated by {@code /}
     */
    public static Lsn parse(String text) {
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1 || slash > 8 || text.length() - slash - 1 > 8) {
            throw new IllegalArgumentException("not a WAL position (expected hex/hex such as 0/16B3748): \"" + text + "\"");
        }
        try {
            long high = Long.parseLong(text.substring(0, slash), 16);
            long low = Long.parseLong(text.substring(slash + 1), 16);
            return new Lsn(high << 32 | low);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a WAL position (expected hex/hex such as 0/16B3748): \"" + text + "\"", e);
        }
    }

    /** @return whether this is {@link #INVALID} */
    public boolean isInvalid() {
        return value == 0;
    }

    /**
     * @param segmentSize the cluster's {@code wal_segment_size} in bytes (a power of two)
     * @return the number of the segment that holds this position ({@code XLByteToSeg})
     */
    public long segmentNumber(int segmentSize) {
        return Long.divideUnsigned(value, segmentSize);
    }

    /**
     * @param segmentSize the cluster's {@code wal_segment_size} in bytes
     * @return the offset of this position inside its segment ({@code XLogSegmentOffset})
     */
    public int segmentOffset(int segmentSize) {
        return (int) (value & (segmentSize - 1L));
    }

    /**
     * @param segmentSize the cluster's {@code wal_segment_size} in bytes
     * @return the first position of the segment that holds this one
     */
    public Lsn segmentStart(int segmentSize) {
        return new Lsn(value - segmentOffset(segmentSize));
    }

    /**
     * @param bytes how far to move forward
     * @return this position plus {@code bytes}
     */
    public Lsn plus(long bytes) {
        return new Lsn(value + bytes);
    }

    /**
     * @param other another position
     * @return whether this position lies before {@code other}
     */
    public boolean isBefore(Lsn other) {
        return compareTo(other) < 0;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        return String.format("%X/%X", value >>> 32, value & 0xFFFFFFFFL);
    }
}
