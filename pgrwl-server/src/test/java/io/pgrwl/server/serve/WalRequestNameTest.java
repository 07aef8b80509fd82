package io.pgrwl.server.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class WalRequestNameTest {

    @Test
    void acceptsSegmentsPartialSegmentsAndHistoryFiles() {
        assertEquals("000000010000000A000000FF", WalRequestName.parse("000000010000000A000000FF"));
        assertEquals("000000010000000A000000FF.partial", WalRequestName.parse("000000010000000A000000FF.partial"));
        assertEquals("0000000A.history", WalRequestName.parse("0000000A.history"));
        assertEquals("0000000A.history", WalRequestName.parse("0000000A%2Ehistory"), "percent-encoded dot");
    }

    @Test
    void refusesEverythingElse() {
        String[] refused = {"", "..", "%2e%2e", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "/etc/passwd",
            "000000010000000A000000ff", "000000010000000A000000FF%00", "000000010000000A000000FF.gz",
            "000000010000000A000000F", "0".repeat(65), "0".repeat(1000), "%zz", "%2", "00000001.history.partial",
            "000000010000000A000000FF.partial.partial"};
        for (String name : refused) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WalRequestName.parse(name),
                    name);
            assertEquals(false, e.getMessage().contains(name) && !name.isEmpty(), "the reason never echoes " + name);
        }
    }
}
