package io.pgrwl.server.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ByteSizeTest {

    @Test
    void readsBytesAndBinaryUnits() {
        assertEquals(268435456L, ByteSize.parse("268435456"));
        assertEquals(256L << 20, ByteSize.parse("256MiB"));
        assertEquals(256L << 20, ByteSize.parse("256M"));
        assertEquals(1L << 30, ByteSize.parse("1GiB"));
        assertEquals(512L << 10, ByteSize.parse("512k"));
    }

    @Test
    void refusesWhatIsNotASize() {
        for (String bad : new String[] {"", "M", "-1M", "1T", "1.5G", "99999999999G", "ten"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(bad), bad);
            assertTrue(e.getMessage().contains("is not a size"), e.getMessage());
        }
    }

    @Test
    void theDiskReserveIsTheSmallerOfOneGibAndTenPercent() {
        assertEquals(1L << 30, Prefetcher.reserve(100L << 30));
        assertEquals(10L << 20, Prefetcher.reserve(100L << 20));
    }
}
