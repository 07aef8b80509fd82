package io.pgrwl.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.spi.WalFileName;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WalNamingTest {

    private static final int MB16 = 16 << 20;
    private static final int MB1 = 1 << 20;
    private static final int GB1 = 1 << 30;

    @Test
    void lsnParsesAndFormatsLikePostgres() {
        assertEquals("16/B374D848", Lsn.parse("16/B374D848").toString());
        assertEquals(0x16B374D848L, Lsn.parse("16/b374d848").value());
        assertEquals("FFFFFFFF/FFFFFFFF", new Lsn(-1).toString());
        assertTrue(new Lsn(1).isBefore(new Lsn(-1)), "compared as unsigned");
        assertThrows(IllegalArgumentException.class, () -> Lsn.parse("16B374D848"));
        assertThrows(IllegalArgumentException.class, () -> Lsn.parse("0/xyz"));
    }

    @Test
    void segmentMath() {
        Lsn lsn = Lsn.parse("0/3000150");
        assertEquals(3, lsn.segmentNumber(MB16));
        assertEquals(0x150, lsn.segmentOffset(MB16));
        assertEquals("0/3000000", lsn.segmentStart(MB16).toString());
        assertEquals(0x30, lsn.segmentNumber(MB1));
    }

    @Test
    void segmentNamesMatchXLogFileName() {
        // values computed with PostgreSQL: select pg_walfile_name('16/B374D848') on a 16 MB cluster
        assertEquals("0000000100000016000000B3", WalFileName.of(1, Lsn.parse("16/B374D848").value(), MB16).fileName(MB16));
        assertEquals("000000020000000000000003.partial",
                WalFileName.of(2, Lsn.parse("0/3000000").value(), MB16).asPartial().fileName(MB16));
        // 1 MB segments: 4096 per 4 GiB "xlogid"
        assertEquals("000000010000000100000000", new WalFileName(1, 4096, false).fileName(MB1));
        assertEquals("000000010000000000000FFF", new WalFileName(1, 4095, false).fileName(MB1));
        // 1 GB segments: 4 per xlogid
        assertEquals("000000010000000200000003", new WalFileName(1, 11, false).fileName(GB1));
    }

    @Test
    void parsingIsTheInverseOfNaming() {
        for (int size : new int[] {MB1, MB16, GB1}) {
            WalFileName name = new WalFileName(7, 123_457, true);
            assertEquals(Optional.of(name), WalFileName.parse(name.fileName(size), size));
        }
        assertEquals(Optional.empty(), WalFileName.parse("000000010000000000000003.gz", MB16));
        assertEquals(Optional.empty(), WalFileName.parse("00000001.history", MB16));
        assertEquals(Optional.empty(), WalFileName.parse("000000000000000000000003", MB16), "timeline 0");
        assertEquals(Optional.empty(), WalFileName.parse("000000010000000000000100", MB16), "256 segments per xlogid");
        assertTrue(WalFileName.isHistory("0000000A.history"));
        assertFalse(WalFileName.isHistory("0000000a.history"));
        assertEquals("00000002.history", WalFileName.historyFileName(2));
    }

    @Test
    void startPositionRulesOfFindStreamingStart() {
        WalFileName complete = new WalFileName(1, 10, false);
        WalFileName partialSame = new WalFileName(1, 10, true);
        WalFileName higherTimeline = new WalFileName(2, 10, true);
        WalFileName higherSegment = new WalFileName(1, 11, true);
        assertTrue(WalDirectory.isBetterStart(complete, partialSame), "complete beats partial");
        assertFalse(WalDirectory.isBetterStart(partialSame, complete));
        assertTrue(WalDirectory.isBetterStart(higherTimeline, complete), "higher timeline wins on the same segment");
        assertTrue(WalDirectory.isBetterStart(higherSegment, higherTimeline), "the highest segment wins");
    }

    @Test
    void segmentSizes() {
        assertEquals(MB16, SegmentSize.parse("16MB"));
        assertEquals(GB1, SegmentSize.parse("1GB"));
        assertEquals(MB1, SegmentSize.parse("1024kB"));
        assertThrows(IllegalArgumentException.class, () -> SegmentSize.parse("3MB"));
        assertThrows(IllegalArgumentException.class, () -> SegmentSize.parse("2GB"));
        assertThrows(IllegalArgumentException.class, () -> SegmentSize.parse("lots"));
    }
}
