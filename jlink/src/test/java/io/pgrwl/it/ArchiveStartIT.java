package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A restart on timeline 2 whose directory holds nothing but the old timeline's switch segment ({@code .partial}: the
 * uploader archives and removes complete segments only) must not be a "gap" once the server has recycled that WAL: the
 * start is decided with the archive, which holds the new timeline's copy of it and what follows
 * ({@code io.pgrwl.receiver.StartDecision}). Before that decision existed, pgrwl asked for the old segment and stopped
 * with "GAP IN THE WAL ARCHIVE" here.
 */
class ArchiveStartIT {

    private static final Duration LONG = Duration.ofMinutes(2);

    @Test
    void aRestartAfterAPromotionStartsAfterWhatTheArchiveHoldsNotAtTheOldTimelinesPartial() throws Exception {
        Path base = Os.tempDir("pgrwl-archive-start");
        Path wal = base.resolve("pgrwl-wal");
        Path archive = base.resolve("archive");
        String yaml = Pgrwl.config(wal, "pgrwl") + "storage:\n  name: local\n  local:\n    directory: " + archive
                + "\n  compression:\n    algo: zstd\n  uploader:\n    sync_interval: 1s\n    partial_interval: 0\n";
        try (PgCluster primary = PgCluster.init(base, "primary", 1).start();
             PgCluster standby = PgCluster.standbyOf(primary, "standby").start()) {
            primary.execute("create table t(id int, v text)");
            Await.until("the standby streams", LONG, () -> "t".equals(standby.queryOne("select pg_is_in_recovery()")));
            String switchSegment;
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", standby, yaml).start()) {
                primary.insertAndSwitch(3);
                primary.execute("insert into t values (1, 'the switch point lies inside a segment')");
                String target = primary.queryOne("select pg_current_wal_lsn()");
                Await.until("the standby replayed", LONG, () -> "t".equals(standby.queryOne(
                        "select pg_last_wal_replay_lsn() >= '" + target + "'::pg_lsn")));
                Slots.awaitFlushed(standby, "pgrwl", target, LONG);
                primary.close();
                standby.promote();
                Await.until("the standby promoted", LONG, () -> "f".equals(standby.queryOne(
                        "select pg_is_in_recovery()")));
                standby.insertAndSwitch(3);
                String end = standby.queryOne("select pg_current_wal_lsn()");
                Slots.awaitFlushed(standby, "pgrwl", end, LONG);
                Await.until("every complete segment archived and removed from main.directory", LONG,
                        () -> WalDirs.completed(wal).keySet().stream().noneMatch(n -> n.length() == 24));
                assertEquals(0, pgrwl.stop());
            }
            List<String> partials = names(wal, ".partial");
            switchSegment = partials.stream().filter(n -> n.startsWith("00000001")).findFirst()
                    .orElseThrow(() -> new AssertionError("the old timeline's switch segment stays: " + partials));
            // WAL written after the last switch (a running-xacts record) may have opened timeline 2's next segment:
            // the slot still holds it on the server, so removing it is the state of a stop one record earlier
            for (String p : partials) {
                if (p.startsWith("00000002")) {
                    Files.delete(wal.resolve(p));
                }
            }
            String serversCopy = "00000002" + switchSegment.substring(8, 24);
            assertTrue(Files.exists(archive.resolve("wal-archive").resolve(serversCopy + ".zst")),
                    "the archive holds timeline 2's copy of the switch segment " + serversCopy);
            // the server recycles the switch segment: nothing holds it any more (the slot points past it)
            Await.until("the server recycled " + serversCopy, LONG, () -> {
                standby.execute("select pg_switch_wal()", "checkpoint");
                return "0".equals(standby.queryOne("select count(*) from pg_ls_waldir() where name in ('"
                        + serversCopy + "', '00000001" + switchSegment.substring(8, 24) + "')"));
            });
            try (Pgrwl again = Pgrwl.receive(base, "pgrwl-again", standby, yaml).start()) {
                standby.insertAndSwitch(2);
                String end = standby.queryOne("select pg_current_wal_lsn()");
                Slots.awaitFlushed(standby, "pgrwl", end, LONG);
                assertTrue(again.alive(), "pgrwl streams on: " + again.logText());
                assertEquals("t", standby.queryOne("select count(*) = 1 from pg_stat_replication"
                        + " where application_name = 'pgrwl' and state = 'streaming'"));
                Await.until("every complete segment archived", LONG,
                        () -> WalDirs.completed(wal).keySet().stream().noneMatch(n -> n.length() == 24));
                assertEquals(0, again.stop());
            }
            Pgrwl verify = Pgrwl.command(base, "verify", null, yaml, "verify");
            assertEquals(0, verify.run(LONG), "the archive is one run across the switch: " + verify.logText());
        }
        Os.deleteTree(base);
    }

    private static List<String> names(Path dir, String suffix) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().toList();
        }
    }
}
