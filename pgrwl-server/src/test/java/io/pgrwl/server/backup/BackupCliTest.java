package io.pgrwl.server.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parsing of {@code pgrwl restore}'s targets, and the recovery settings it writes. */
class BackupCliTest {

    @Test
    void aTargetTimeNeedsAZoneAndIsWrittenInUtc() {
        BackupCli.Target t = BackupCli.target("2026-12-02 03:00:00.25+01", null, null, null, false);
        assertEquals(Instant.parse("2026-12-02T02:00:00.25Z"), t.time());
        assertEquals("recovery_target_time", t.setting());
        assertEquals("2026-12-02 02:00:00.250000+00", t.value());
        assertEquals(Instant.parse("2026-12-02T02:00:00Z"), BackupCli.parseTime("2026-12-02T02:00:00Z"));
        assertEquals(Instant.parse("2026-12-02T02:00:00Z"), BackupCli.parseTime("2026-12-02T03:00:00+01:00"));
        String problem = assertThrows(IllegalArgumentException.class,
                () -> BackupCli.parseTime("2026-12-02 03:00:00")).getMessage();
        assertTrue(problem.contains("not a time with a zone"), problem);
    }

    @Test
    void otherTargets() {
        assertEquals(0x1_0300_0060L, BackupCli.target(null, "1/3000060", null, null, false).lsn());
        assertEquals("recovery_target_xid", BackupCli.target(null, null, "731", null, false).setting());
        assertEquals(Map.entry("recovery_target", "immediate"), Map.entry(
                BackupCli.target(null, null, null, null, true).setting(),
                BackupCli.target(null, null, null, null, true).value()));
        assertNull(BackupCli.target(null, null, null, null, false));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BackupCli.target("2026-12-02T02:00:00Z",
                "0/1", null, null, false)).getMessage().contains("at most one"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BackupCli.target(null, "3000060", null, null,
                false)).getMessage().contains("not a WAL position"));
    }

    @Test
    void recoverySettingsQuoteForTheConfigurationParser() {
        RecoverySettings s = new RecoverySettings("/opt/pgrwl/bin/pgrwl restore-command --serve-addr=h:1 %f %p",
                Map.entry("recovery_target_name", "before 'upgrade'"), "latest", false, "promote");
        assertEquals("""

                # written by pgrwl restore
                restore_command = '/opt/pgrwl/bin/pgrwl restore-command --serve-addr=h:1 %f %p'
                recovery_target_name = 'before ''upgrade'''
                recovery_target_timeline = 'latest'
                recovery_target_inclusive = 'false'
                recovery_target_action = 'promote'
                """, s.lines());
    }

    @Test
    void aTablespaceMapNeedsOids() {
        assertEquals(Map.of(16385L, java.nio.file.Path.of("/srv/ts")),
                BackupCli.tablespaceMap(Map.of("16385", "/srv/ts")));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BackupCli.tablespaceMap(Map.of("ts1", "/x")))
                .getMessage().contains("not a tablespace OID"));
    }
}
