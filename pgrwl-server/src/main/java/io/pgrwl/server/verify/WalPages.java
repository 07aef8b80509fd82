package io.pgrwl.server.verify;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * The page headers of one WAL segment, checked as PostgreSQL's {@code XLogReaderValidatePageHeader} checks them
 * (<a href="https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/access/transam/xlogreader.c">
 * xlogreader.c</a>; the layout is {@code XLogPageHeaderData} and {@code XLogLongPageHeaderData} of
 * <a href="https://github.com/postgres/postgres/blob/REL_15_STABLE/src/include/access/xlog_internal.h">
 * xlog_internal.h</a>): the first page has the long header with the system identifier, the segment size and the page
 * size; every page has the segment's magic, its own address and the timeline, up to where the rest of the segment is
 * zeros (the tail of a segment ended by a WAL switch, which the server never sends). Little-endian, as the servers
 * pgrwl runs beside. Stateless.
 */
final class WalPages {

    private static final int XLP_LONG_HEADER = 0x0002;

    private WalPages() {
    }

    /** What the first page says about the cluster. */
    record Identity(int magic, long systemIdentifier, int segmentSize, int pageSize) {
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
    static Optional<String> check(byte[] segment, long segmentNumber, int timeline, int parent, long switchPosition,
            Identity expected) {
        ByteBuffer b = ByteBuffer.wrap(segment).order(ByteOrder.LITTLE_ENDIAN);
        if (segment.length < 40) {
            return Optional.of("shorter than a page header");
        }
        Identity id = identity(segment);
        if ((b.getShort(2) & XLP_LONG_HEADER) == 0) {
            return Optional.of("its first page has no long header");
        }
        if (id.segmentSize() != segment.length) {
            return Optional.of("its long header says segment size " + id.segmentSize() + ", it holds "
                    + segment.length + " bytes");
        }
        if (id.pageSize() < 1024 || Integer.bitCount(id.pageSize()) != 1 || segment.length % id.pageSize() != 0) {
            return Optional.of("its long header says page size " + id.pageSize());
        }
        if (expected != null && !id.equals(expected)) {
            return Optional.of("its long header says system identifier " + Long.toUnsignedString(id.systemIdentifier())
                    + ", magic 0x" + Integer.toHexString(id.magic()) + ", segment size " + id.segmentSize()
                    + "; the archive's other segments say " + Long.toUnsignedString(expected.systemIdentifier())
                    + ", 0x" + Integer.toHexString(expected.magic()) + ", " + expected.segmentSize()
                    + " (WAL of another cluster or another PostgreSQL version)");
        }
        long base = segmentNumber * segment.length;
        for (int page = 0; page < segment.length / id.pageSize(); page++) {
            int at = page * id.pageSize();
            long address = base + at;
            int magic = b.getShort(at) & 0xFFFF;
            if (magic == 0 && page > 0 && zeroFrom(segment, at)) {
                // the rest of a segment ended by a WAL switch: the server streams nothing past the switch record and
                // the receiver's file was zero-filled, as pg_receivewal's is; PostgreSQL reads zeros as the end
                return Optional.empty();
            }
            if (magic != id.magic()) {
                return Optional.of("page " + page + " (at " + lsn(address) + ") has magic 0x" + Integer.toHexString(magic)
                        + ", not 0x" + Integer.toHexString(id.magic()) + (magic == 0 ? " (a zeroed page with WAL after"
                        + " it)" : ""));
            }
            long pageAddress = b.getLong(at + 8);
            if (pageAddress != address) {
                return Optional.of("page " + page + " says it is at " + lsn(pageAddress) + ", it is at " + lsn(address)
                        + " (a page of another segment)");
            }
            int tli = b.getInt(at + 4);
            boolean before = parent != 0 && address + id.pageSize() <= switchPosition;
            boolean containsSwitch = parent != 0 && address < switchPosition && !before;
            boolean ok = before ? tli == parent : containsSwitch ? tli == parent || tli == timeline : tli == timeline;
            if (!ok) {
                return Optional.of("page " + page + " (at " + lsn(address) + ") carries timeline " + tli + ", expected "
                        + (before ? parent : timeline));
            }
        }
        return Optional.empty();
    }

    /** @return whether every byte from {@code from} to the segment's end is zero */
    private static boolean zeroFrom(byte[] segment, int from) {
        for (int i = from; i < segment.length; i++) {
            if (segment[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** @return what the first page's long header says; the caller checked the length */
    static Identity identity(byte[] segment) {
        ByteBuffer b = ByteBuffer.wrap(segment).order(ByteOrder.LITTLE_ENDIAN);
        return new Identity(b.getShort(0) & 0xFFFF, b.getLong(24), b.getInt(32), b.getInt(36));
    }

    static String lsn(long position) {
        return Long.toHexString(position >>> 32).toUpperCase() + "/"
                + Long.toHexString(position & 0xFFFFFFFFL).toUpperCase();
    }
}
