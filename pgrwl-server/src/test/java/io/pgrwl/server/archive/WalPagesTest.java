package io.pgrwl.server.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Page headers as PostgreSQL writes them, and each way a segment can carry the wrong ones. */
class WalPagesTest {

    private static final int SEG = 1 << 20;
    private static final int PAGE = 8192;
    private static final long SYSID = 7_445_093_327_480_238_101L;

    /** A segment whose every page header is right: magic 0xD110 (PostgreSQL 15), its address, {@code tli}. */
    private static byte[] segment(long number, int tli, int parent, long switchAt) {
        ByteBuffer b = ByteBuffer.allocate(SEG).order(ByteOrder.LITTLE_ENDIAN);
        for (int page = 0; page < SEG / PAGE; page++) {
            int at = page * PAGE;
            long address = number * SEG + at;
            b.putShort(at, (short) 0xD110);
            b.putShort(at + 2, (short) (page == 0 ? 0x0002 : 0));
            b.putInt(at + 4, parent != 0 && address + PAGE <= switchAt ? parent : tli);
            b.putLong(at + 8, address);
        }
        b.putLong(24, SYSID);
        b.putInt(32, SEG);
        b.putInt(36, PAGE);
        return b.array();
    }

    @Test
    void aRightSegmentPasses() {
        byte[] s = segment(5, 1, 0, 0);
        assertEquals(Optional.empty(), WalPages.check(s, 5, 1, 0, 0, null));
        assertEquals(new WalPages.Identity(0xD110, SYSID, SEG, PAGE), WalPages.identity(s));
        assertEquals(Optional.empty(), WalPages.check(s, 5, 1, 0, 0, WalPages.identity(s)));
    }

    @Test
    void theZeroTailOfASwitchedSegmentPasses() {
        byte[] s = segment(5, 1, 0, 0);
        java.util.Arrays.fill(s, 40 * PAGE, SEG, (byte) 0);
        assertEquals(Optional.empty(), WalPages.check(s, 5, 1, 0, 0, null));
        s[SEG - 1] = 1;
        assertTrue(WalPages.check(s, 5, 1, 0, 0, null).isPresent(), "not all zeros: damaged");
    }

    @Test
    void aNewTimelinesFirstSegmentCarriesTheOldTimelineBeforeTheSwitch() {
        long switchAt = 7L * SEG + 5 * PAGE + 100;
        byte[] s = segment(7, 2, 1, switchAt);
        assertEquals(Optional.empty(), WalPages.check(s, 7, 2, 1, switchAt, null));
        assertTrue(WalPages.check(s, 7, 2, 0, 0, null).orElseThrow().contains("carries timeline 1, expected 2"));
    }

    @Test
    void eachWrongHeaderIsNamed() {
        assertTrue(WalPages.check(segment(6, 1, 0, 0), 5, 1, 0, 0, null).orElseThrow()
                .contains("a page of another segment"));
        byte[] zeroed = segment(5, 1, 0, 0);
        java.util.Arrays.fill(zeroed, 40 * PAGE, 41 * PAGE, (byte) 0);
        assertTrue(WalPages.check(zeroed, 5, 1, 0, 0, null).orElseThrow().startsWith("page 40 (at 0/550000) has"
                + " magic 0x0, not 0xd110 (a zeroed page with WAL after it)"));
        assertTrue(WalPages.check(segment(5, 3, 0, 0), 5, 1, 0, 0, null).orElseThrow()
                .contains("carries timeline 3, expected 1"));
        byte[] other = segment(5, 1, 0, 0);
        ByteBuffer.wrap(other).order(ByteOrder.LITTLE_ENDIAN).putLong(24, SYSID + 1);
        assertTrue(WalPages.check(other, 5, 1, 0, 0, WalPages.identity(segment(4, 1, 0, 0))).orElseThrow()
                .contains("another cluster"));
        byte[] noLong = segment(5, 1, 0, 0);
        noLong[2] = 0;
        assertEquals(Optional.of("its first page has no long header"), WalPages.check(noLong, 5, 1, 0, 0, null));
        assertTrue(WalPages.check(java.util.Arrays.copyOf(segment(5, 1, 0, 0), SEG / 2), 5, 1, 0, 0, null)
                .orElseThrow().contains("segment size"));
    }

    /** Feeds {@code segment} to serve mode's check in pieces of {@code piece} bytes, as a decoding stream would. */
    private static Optional<String> served(byte[] segment, String name, int piece) {
        WalPages.Check check = WalPages.served(name);
        for (int at = 0; at < segment.length; at += piece) {
            check.update(segment, at, Math.min(piece, segment.length - at));
        }
        return check.finish();
    }

    @Test
    void serveModeChecksTheAddressesOfTheSegmentItWasAskedFor() {
        byte[] s = segment(5, 1, 0, 0);
        for (int piece : new int[] {SEG, 65536, 8191, 7, 1}) {
            assertEquals(Optional.empty(), served(s, "000000010000000000000005", piece), "pieces of " + piece);
            assertEquals(Optional.of("page 0 says it is at 0/500000, it is at 0/600000 (a page of another segment)"),
                    served(s, "000000010000000000000006", piece), "pieces of " + piece);
        }
        assertTrue(served(s, "000000020000000000000005", 4096).isEmpty(), "a parent's pages in a child's segment");
        assertTrue(served(segment(5, 3, 0, 0), "000000020000000000000005", 4096).orElseThrow()
                .contains("carries timeline 3, expected at most 2"));
        long switchAt = 7L * SEG + 5 * PAGE + 100;
        assertTrue(served(segment(7, 2, 1, switchAt), "000000020000000000000007", 1000).isEmpty());
    }

    @Test
    void serveModeTellsAZeroTailFromAZeroedPageWithWalAfterIt() {
        byte[] s = segment(5, 1, 0, 0);
        java.util.Arrays.fill(s, 40 * PAGE, SEG, (byte) 0);
        assertEquals(Optional.empty(), served(s, "000000010000000000000005", 3000));
        s[SEG - 1] = 1;
        assertEquals(Optional.of("page 40 (at 0/550000) has magic 0x0, not 0xd110 (a zeroed page with WAL after it)"),
                served(s, "000000010000000000000005", 3000));
        assertEquals(Optional.of("shorter than a page header"), served(new byte[39], "000000010000000000000005", 10));
        assertTrue(served(java.util.Arrays.copyOf(segment(5, 1, 0, 0), SEG + PAGE), "000000010000000000000005",
                65536).orElseThrow().contains("segment size 1048576, it holds 1056768 bytes"));
        byte[] random = new byte[SEG];
        new java.util.Random(3).nextBytes(random);
        assertTrue(served(random, "000000010000000000000005", 65536).isPresent(), "not WAL at all");
    }
}
