package io.pgrwl.server.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BackupLabelTest {

    @Test
    void readsTheStartSegmentAndTheSegmentSizeThatMapsToIt() {
        String label = "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\n"
                + "CHECKPOINT LOCATION: 0/2000060\nBACKUP METHOD: streamed\nBACKUP FROM: primary\n"
                + "START TIME: 2026-12-01 23:17:02 UTC\nLABEL: pg_basebackup base backup\nSTART TIMELINE: 1\n";
        BackupLabel b = BackupLabel.parse(label).orElseThrow();
        assertEquals(16 << 20, b.segmentSize());
        assertEquals("000000010000000000000002", b.start().fileName(b.segmentSize()));
        assertEquals(b.start(), b.checkpoint(), "the checkpoint record in the start segment");
        BackupLabel crossing = BackupLabel.parse("START WAL LOCATION: 0/2FFFFD8 (file 000000010000000000000002)\n"
                + "CHECKPOINT LOCATION: 0/3000060\n").orElseThrow();
        assertEquals("000000010000000000000003", crossing.checkpoint().fileName(crossing.segmentSize()),
                "a checkpoint record past the start segment is read first, from the next one");
        BackupLabel big = BackupLabel.parse("START WAL LOCATION: 3/8C000028 (file 00000002000000030000008C)\n")
                .orElseThrow();
        assertEquals(16 << 20, big.segmentSize());
        assertEquals(big.start(), big.checkpoint(), "no CHECKPOINT LOCATION line: the start segment");
        assertEquals(2, big.start().timeline());
        BackupLabel small = BackupLabel.parse("START WAL LOCATION: 0/5300028 (file 000000010000000000000053)\n")
                .orElseThrow();
        assertEquals(1 << 20, small.segmentSize());
    }

    @Test
    void nothingWhenTheLineIsMissingOrMatchesNoSize() {
        assertTrue(BackupLabel.parse("LABEL: x\n").isEmpty());
        assertTrue(BackupLabel.parse("START WAL LOCATION: 0/2000028 (file 000000010000000000000007)\n").isEmpty());
    }
}
