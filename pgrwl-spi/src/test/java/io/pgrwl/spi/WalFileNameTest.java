package io.pgrwl.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The archive-facing part of the WAL name model; the receiver's tests cover naming by position. */
class WalFileNameTest {

    @Test
    void splitsArchivedObjectNamesIntoTheWalNameAndItsSuffixes() {
        assertEquals(24, WalFileName.leadingNameLength("000000010000000000000003"));
        assertEquals(24, WalFileName.leadingNameLength("000000010000000000000003.zst.aes"));
        assertEquals(24, WalFileName.leadingNameLength("000000010000000000000003.lz4"));
        assertEquals(32, WalFileName.leadingNameLength("000000010000000000000003.partial.gz"));
        assertEquals(16, WalFileName.leadingNameLength("00000002.history.aes"));
        assertEquals(-1, WalFileName.leadingNameLength("0000000100000000000000030.gz"), "25 hex digits");
        assertEquals(-1, WalFileName.leadingNameLength("000000010000000000000003x"));
        assertEquals(-1, WalFileName.leadingNameLength("00000001000000000000000a"), "lower case");
        assertEquals(-1, WalFileName.leadingNameLength("README.txt"));
    }

    @Test
    void servableNamesAreExactlyWhatRecoveryAsksFor() {
        assertTrue(WalFileName.isServable("000000010000000000000003"));
        assertTrue(WalFileName.isServable("000000010000000000000003.partial"));
        assertTrue(WalFileName.isServable("0000000A.history"));
        assertFalse(WalFileName.isServable("000000010000000000000003.gz"));
        assertFalse(WalFileName.isServable("../000000010000000000000003"));
        assertFalse(WalFileName.isServable("0000000a.history"));
        assertFalse(WalFileName.isServable(""));
    }

    @Test
    void walOrderIsTimelineThenSegmentWithHistoryFirst() {
        List<String> names = new ArrayList<>(List.of("000000020000000000000003", "00000002.history",
                "000000010000000000000010", "000000010000000000000009", "000000020000000000000002",
                "0000000A.history", "000000090000000000000001"));
        Collections.shuffle(names, new java.util.Random(7));
        names.sort(WalFileName.ORDER);
        assertEquals(List.of("000000010000000000000009", "000000010000000000000010", "00000002.history",
                "000000020000000000000002", "000000020000000000000003", "000000090000000000000001",
                "0000000A.history"), names);
    }
}
