package io.pgrwl.server.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The completion marker: ours round-trips; the Go pgrwl's (its field names, LSNs as numbers) reads. */
class BackupMarkerTest {

    @Test
    void ourMarkerRoundTripsWithTheGoFieldsFirst() {
        BackupMarker m = new BackupMarker("20261202021530-3fa9c1", "pgrwl_20261202021530-3fa9c1",
                "7445093327480238101", 16 << 20, 150004, 0x3000028L, 1, 0x3000100L, 2,
                Instant.parse("2026-12-02T02:15:30Z"), Instant.parse("2026-12-02T02:15:41.5Z"), 31_000_000L,
                List.of(new BackupMarker.Tablespace(16385, "/srv/ts \"one\"")),
                List.of(new BackupMarker.Part("base.tar", 31_000_000L, 4_000_000L, "0a1b2c3d"),
                        new BackupMarker.Part("backup_manifest", 200_000L, 40_000L, "4e5f6a7b")),
                ".zst.aes", "0.1.0");
        String json = m.toJson();
        assertTrue(json.startsWith("{\"start_lsn\":50331688,\"stop_lsn\":50331904,\"timeline_id\":1,"), json);
        assertEquals(m, BackupMarker.parse(m.id(), json));
    }

    @Test
    void aGoMarkerReads() {
        // the Go pgrwl's backupdto.Result: LSNs as numbers, no id, no parts, its manifest inside
        String go = """
                {"start_lsn":50331688,"stop_lsn":50332056,"timeline_id":1,
                 "tablespaces":[{"oid":16385,"location":"/var/lib/ts1"}],"bytes_total":23456789,
                 "started_at":"2026-11-30T10:00:00Z","finished_at":"2026-11-30T10:00:09.123456789+01:00",
                 "manifest":{"PostgreSQL-Backup-Manifest-Version":1,"Files":[],"WAL-Ranges":[
                   {"Timeline":1,"Start-LSN":"0/3000028","End-LSN":"0/3000198"}],"Manifest-Checksum":"00"}}
                """;
        BackupMarker m = BackupMarker.parse("20261130100000", go);
        assertEquals(0x3000028L, m.startLsn());
        assertEquals(0x3000198L, m.stopLsn());
        assertEquals(1, m.timeline());
        assertEquals(1, m.stopTimeline(), "the start timeline when the marker does not say");
        assertEquals(Instant.parse("2026-11-30T09:00:09.123456789Z"), m.finishedAt());
        assertEquals(List.of(new BackupMarker.Tablespace(16385, "/var/lib/ts1")), m.tablespaces());
        assertEquals(List.of(), m.files());
        assertEquals(16 << 20, m.segmentSizeOrDefault());
        assertEquals("pgrwl_20261130100000", m.label());
    }

    @Test
    void whatIsNotAMarkerIsRefusedWithTheReason() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BackupMarker.parse("20261130100000", "[1,2]"))
                .getMessage().contains("not a JSON object"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BackupMarker.parse("20261130100000",
                "{\"timeline_id\":1,\"start_lsn\":5}")).getMessage().contains("started_at"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BackupMarker.parse("20261130100000",
                "{\"started_at\":\"2026-11-30T10:00:00Z\",\"timeline_id\":0,\"start_lsn\":5}")).getMessage()
                .contains("timeline_id"));
    }
}
