package io.pgrwl.server.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class BackupIdTest {

    @Test
    void idsCarryTheUtcStartAndARandomSuffix() {
        Instant t = Instant.parse("2026-12-02T02:15:30.9Z");
        BackupId a = BackupId.startingAt(t);
        assertTrue(a.value().matches("20261202021530-[0-9a-f]{6}"), a.value());
        assertNotEquals(a, BackupId.startingAt(t), "two processes starting in the same second pick different ids");
        assertEquals("pgrwl_" + a.value(), a.label());
        assertTrue(BackupId.isId("20261130100000"), "the Go pgrwl's ids");
        assertFalse(BackupId.isId("../20261130100000"));
        assertFalse(BackupId.isId("lease.json"));
        assertThrows(IllegalArgumentException.class, () -> new BackupId("2026"));
    }
}
