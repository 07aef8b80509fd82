package io.pgrwl.server.archive;

import io.pgrwl.spi.WalFileName;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * The page headers of one WAL segment, checked as PostgreSQL's {@code XLogReaderValidatePageHeader} checks them
 * (<a href="https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/access/transam/xlogreader.c">
 * xlogreader.c</a>; the layout is {@code XLogPageHeaderData} and {@code XLogLongPageHeaderData} of
 * <a href="https://github.com/postgres/postgres/blob/REL_15_STABLE/src/include/access/xlog_internal.h">
 * xlog_internal.h</a>): the first page has the long header with the system identifier, the segment size and the page
 * size; every page has the segment's magic, its own address and the timeline, up to where the rest of the segment is
 * zeros (the tail of a segment ended by a WAL switch, which the server never sends). Little-endian, as the servers
 * pgrwl runs beside.
 *
 * <p>Used by {@code pgrwl verify --deep}, which knows the timeline history ({@link #check}), and by serve mode, which
 * does not and checks what holds without it ({@link #served}): an archive object decodes with its codecs whatever
 * name it is stored under (neither the GCM tags nor the zstd checksums cover the name), so only its pages tell a
 * segment stored under another segment's name. The check reads the segment as a stream ({@link Check}), so serve mode
 * makes it while the object is decoded, without holding the segment in memory.
 */
public final class WalPages {

    private static final int XLP_LONG_HEADER = 0x0002;
    private static final int LONG_HEADER_LENGTH = 40;
    private static final int PAGE_HEADER_LENGTH = 16;

    private WalPages() {
    }

    /** What the first page says about the cluster. */
    public record Identity(int magic, long systemIdentifier, int segmentSize, int pageSize) {
    }

    /** Which timeline a page at some address may carry. */
    @FunctionalInterface
    private interface Timelines {
        /** @return empty when {@code tli} is right for the page at {@code address}, else what was expected */
        Optional<String> mismatch(long address, int pageSize, int tli);
    }

    /**
     * @param segment the decoded segment
     * @param segmentNumber its number (position / segment size)
     * @param timeline the timeline it belongs to
     * @param parent the timeline before a switch inside this segment, or 0
     * @param switchPosition where that switch is (pages wholly before it carry {@code parent}), or 0
     * @param expected the identity every segment must share, or null for the first one checked
     * @return the problem, described for the operator, or empty when every header is right
     */
    public static Optional<String> check(byte[] segment, long segmentNumber, int timeline, int parent,
            long switchPosition, Identity expected) {
        Check c = new Check(size -> Optional.of(segmentNumber), (address, pageSize, tli) -> {
            boolean before = parent != 0 && address + pageSize <= switchPosition;
            boolean containsSwitch = parent != 0 && address < switchPosition && !before;
            boolean ok = before ? tli == parent : containsSwitch ? tli == parent || tli == timeline : tli == timeline;
            return ok ? Optional.empty() : Optional.of(Integer.toString(before ? parent : timeline));
        }, expected);
        c.update(segment, 0, segment.length);
        return c.finish();
    }

    /**
     * What serve mode checks of a segment decoded from the archive before sending it: a long header whose segment
     * size is the decoded length, the segment's magic on every page, and each page at the address of the segment
     * {@code walFileName} names, carrying that segment's timeline or an older one (a new timeline's first segment
     * begins with its parent's pages, and a parent's ID is always lower than its child's).
     *
     * @param walFileName the name it was asked for and stored under (24 hex digits)
     * @return a check to feed the decoded bytes to
     */
    public static Check served(String walFileName) {
        if (!WalFileName.isSegment(walFileName)) {
            throw new IllegalArgumentException(walFileName + " is not a segment name");
        }
        int timeline = Integer.parseUnsignedInt(walFileName.substring(0, 8), 16);
        return new Check(size -> WalFileName.parse(walFileName, size).map(WalFileName::segmentNumber),
                (address, pageSize, tli) -> tli >= 1 && tli <= timeline ? Optional.empty()
                        : Optional.of("at most " + timeline + ", the timeline of " + walFileName), null);
    }

    /**
     * The check of one segment, fed its bytes in order, in pieces of any size; it looks at the long header, at the
     * 16-byte header of each page and, past the first zeroed page, at every byte. Not thread-safe.
     */
    public static final class Check {

        private final IntFunction<Optional<Long>> segmentNumberOf;
        private final Timelines timelines;
        private final Identity expected;
        private final byte[] head = new byte[LONG_HEADER_LENGTH];
        private final byte[] pageHeader = new byte[PAGE_HEADER_LENGTH];
        private long position;
        private Identity id;
        private long base;
        private long zeroFrom = -1; // where the zeroed tail began: every byte from here on must be zero
        private String problem;

        private Check(IntFunction<Optional<Long>> segmentNumberOf, Timelines timelines, Identity expected) {
            this.segmentNumberOf = segmentNumberOf;
            this.timelines = timelines;
            this.expected = expected;
        }

        /** Feeds the next {@code length} bytes of the segment. */
        public void update(byte[] bytes, int offset, int length) {
            int i = offset;
            int end = offset + length;
            while (i < end && problem == null) {
                if (position < LONG_HEADER_LENGTH) {
                    int n = (int) Math.min(end - i, LONG_HEADER_LENGTH - position);
                    System.arraycopy(bytes, i, head, (int) position, n);
                    i += n;
                    position += n;
                    if (position == LONG_HEADER_LENGTH) {
                        longHeader();
                    }
                    continue;
                }
                if (zeroFrom >= 0) {
                    for (; i < end; i++, position++) {
                        if (bytes[i] != 0) {
                            long page = zeroFrom / id.pageSize();
                            problem = "page " + page + " (at " + lsn(base + zeroFrom) + ") has magic 0x0, not 0x"
                                    + Integer.toHexString(id.magic()) + " (a zeroed page with WAL after it)";
                            return;
                        }
                    }
                    return;
                }
                int inPage = (int) (position % id.pageSize());
                if (inPage < PAGE_HEADER_LENGTH) {
                    int n = Math.min(end - i, PAGE_HEADER_LENGTH - inPage);
                    System.arraycopy(bytes, i, pageHeader, inPage, n);
                    i += n;
                    position += n;
                    if (inPage + n == PAGE_HEADER_LENGTH) {
                        page(position - PAGE_HEADER_LENGTH, ByteBuffer.wrap(pageHeader).order(ByteOrder.LITTLE_ENDIAN));
                    }
                } else {
                    int n = (int) Math.min(end - i, id.pageSize() - inPage);
                    i += n;
                    position += n;
                }
            }
        }

        /** @return the problem, described for the operator, or empty when every header is right */
        public Optional<String> finish() {
            if (problem == null && position < LONG_HEADER_LENGTH) {
                problem = "shorter than a page header";
            }
            if (problem == null && id.segmentSize() != position) {
                problem = "its long header says segment size " + id.segmentSize() + ", it holds " + position
                        + " bytes";
            }
            return Optional.ofNullable(problem);
        }

        private void longHeader() {
            ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
            id = new Identity(b.getShort(0) & 0xFFFF, b.getLong(24), b.getInt(32), b.getInt(36));
            if ((b.getShort(2) & XLP_LONG_HEADER) == 0) {
                problem = "its first page has no long header";
                return;
            }
            int size = id.segmentSize();
            if (size < (1 << 20) || Integer.bitCount(size) != 1) {
                problem = "its long header says segment size " + size + ", not a WAL segment size (a power of two"
                        + " from 1 MiB to 1 GiB)";
                return;
            }
            if (id.pageSize() < 1024 || Integer.bitCount(id.pageSize()) != 1 || size % id.pageSize() != 0) {
                problem = "its long header says page size " + id.pageSize();
                return;
            }
            if (expected != null && !id.equals(expected)) {
                problem = "its long header says system identifier " + Long.toUnsignedString(id.systemIdentifier())
                        + ", magic 0x" + Integer.toHexString(id.magic()) + ", segment size " + id.segmentSize()
                        + "; the archive's other segments say " + Long.toUnsignedString(expected.systemIdentifier())
                        + ", 0x" + Integer.toHexString(expected.magic()) + ", " + expected.segmentSize()
                        + " (WAL of another cluster or another PostgreSQL version)";
                return;
            }
            Optional<Long> number = segmentNumberOf.apply(size);
            if (number.isEmpty()) {
                problem = "its long header says segment size " + size + ", of which there is no segment by its name";
                return;
            }
            base = number.get() * size;
            page(0, b);
        }

        /** Checks the page header at {@code at} (its first 16 bytes are in {@code header}). */
        private void page(long at, ByteBuffer header) {
            long address = base + at;
            long page = at / id.pageSize();
            int magic = header.getShort(0) & 0xFFFF;
            if (magic == 0 && page > 0) {
                // maybe the rest of a segment ended by a WAL switch: the server streams nothing past the switch record
                // and the receiver's file was zero-filled, as pg_receivewal's is; PostgreSQL reads zeros as the end.
                // Every byte from here on must then be zero.
                for (int k = 0; k < PAGE_HEADER_LENGTH; k++) {
                    if (header.get(k) != 0) {
                        problem = "page " + page + " (at " + lsn(address) + ") has magic 0x0, not 0x"
                                + Integer.toHexString(id.magic()) + " (a zeroed page with WAL after it)";
                        return;
                    }
                }
                zeroFrom = at;
                return;
            }
            if (magic != id.magic()) {
                problem = "page " + page + " (at " + lsn(address) + ") has magic 0x" + Integer.toHexString(magic)
                        + ", not 0x" + Integer.toHexString(id.magic());
                return;
            }
            long pageAddress = header.getLong(8);
            if (pageAddress != address) {
                problem = "page " + page + " says it is at " + lsn(pageAddress) + ", it is at " + lsn(address)
                        + " (a page of another segment)";
                return;
            }
            int tli = header.getInt(4);
            Optional<String> wrong = timelines.mismatch(address, id.pageSize(), tli);
            if (wrong.isPresent()) {
                problem = "page " + page + " (at " + lsn(address) + ") carries timeline " + tli + ", expected "
                        + wrong.get();
            }
        }
    }

    /** @return what the first page's long header says; the caller checked the length */
    public static Identity identity(byte[] segment) {
        ByteBuffer b = ByteBuffer.wrap(segment).order(ByteOrder.LITTLE_ENDIAN);
        return new Identity(b.getShort(0) & 0xFFFF, b.getLong(24), b.getInt(32), b.getInt(36));
    }

    static String lsn(long position) {
        return Long.toHexString(position >>> 32).toUpperCase() + "/"
                + Long.toHexString(position & 0xFFFFFFFFL).toUpperCase();
    }
}
