package io.pgrwl.server.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which restore_command calls get a spool, and what the spool hands over. */
class SpoolTest {

    private static final String SEGMENT = "000000010000000000000007";

    @TempDir
    Path data;

    /** Writes postmaster.pid as PostgreSQL does (pid, data directory, start time, port, …, status on line 8). */
    private void postmasterPid(long pid, String status) throws Exception {
        Files.createDirectories(data.resolve("pg_wal"));
        Files.writeString(data.resolve("recovery.signal"), "");
        Files.write(data.resolve("postmaster.pid"), List.of(Long.toString(pid), data.toString(), "1764630000",
                "5432", "/tmp", "127.0.0.1", "  1234567     65536", status));
    }

    @Test
    void onlyALivePostmastersRecoveryWithARelativeTargetInPgWalGetsOne() throws Exception {
        long live = ProcessHandle.current().pid();
        assertTrue(Spool.forRestore(Path.of("pg_wal/RECOVERYXLOG"), data).isEmpty(), "no postmaster.pid");
        postmasterPid(live, "starting");
        Optional<Spool> spool = Spool.forRestore(Path.of("pg_wal/RECOVERYXLOG"), data);
        assertTrue(spool.isPresent());
        assertEquals(data.toAbsolutePath().resolve("pg_wal/pgrwl-spool." + live + ".1764630000"),
                spool.get().directory());
        assertTrue(Spool.forRestore(data.resolve("pg_wal/RECOVERYXLOG"), data).isEmpty(), "absolute (pg_rewind)");
        assertTrue(Spool.forRestore(Path.of("elsewhere/RECOVERYXLOG"), data).isEmpty());
        assertTrue(Spool.forRestore(Path.of("pg_wal/sub/RECOVERYXLOG"), data).isEmpty());
        Files.delete(data.resolve("recovery.signal"));
        assertTrue(Spool.forRestore(Path.of("pg_wal/RECOVERYXLOG"), data).isEmpty(), "not in archive recovery");
        Files.writeString(data.resolve("standby.signal"), "");
        assertTrue(Spool.forRestore(Path.of("pg_wal/RECOVERYXLOG"), data).isPresent(), "a standby");
        postmasterPid(deadPid(), "starting");
        assertTrue(Spool.forRestore(Path.of("pg_wal/RECOVERYXLOG"), data).isEmpty(), "stale postmaster.pid");
    }

    @Test
    void handsOverOnlyTheExactNameAndRecordsWhatWasRestored() throws Exception {
        postmasterPid(ProcessHandle.current().pid(), "starting");
        Spool spool = Spool.forRestore(Path.of("pg_wal/RECOVERYXLOG"), data).orElseThrow();
        spool.create();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(spool.directory())));
        Files.writeString(spool.directory().resolve(SEGMENT + ".pgrwl-1.tmp"), "half");
        Files.writeString(spool.directory().resolve("000000020000000000000007"), "other timeline");
        Path target = data.resolve("pg_wal/RECOVERYXLOG");
        assertFalse(spool.take(SEGMENT, target));
        assertFalse(Files.exists(target));
        Files.writeString(spool.directory().resolve(SEGMENT), "whole");
        assertTrue(spool.take(SEGMENT, target));
        assertEquals("whole", Files.readString(target));
        assertEquals(Optional.empty(), spool.lastRestored());
        spool.noteRestored(SEGMENT);
        assertEquals(Optional.of(SEGMENT), spool.lastRestored());
        assertEquals(List.of("000000020000000000000007"), spool.spooled());
    }

    @Test
    void leftoversOfAKilledPrefetcherAndOfEarlierRunsAreRemoved() throws Exception {
        postmasterPid(ProcessHandle.current().pid(), "starting");
        Spool spool = Spool.forRestore(Path.of("pg_wal/RECOVERYXLOG"), data).orElseThrow();
        spool.create();
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        Path temp = Files.writeString(spool.directory().resolve(SEGMENT + ".pgrwl-" + ended.pid() + ".tmp"), "half");
        Path writing = Files.writeString(spool.directory().resolve(SEGMENT + ".pgrwl-" + ProcessHandle.current().pid()
                + ".tmp"), "being written");
        Path earlier = Files.createDirectories(data.resolve("pg_wal/pgrwl-spool.1.1700000000"));
        Files.writeString(earlier.resolve(SEGMENT), "from another recovery");
        Path wal = Files.writeString(data.resolve("pg_wal/" + SEGMENT), "PostgreSQL's own");
        spool.removeLeftovers();
        assertFalse(Files.exists(temp), "the temporary file of a process that is gone");
        assertTrue(Files.exists(writing), "a live process's fetch (the history probe's) is not a leftover");
        assertFalse(Files.exists(earlier));
        assertTrue(Files.exists(wal));
        spool.delete();
        assertFalse(Files.exists(spool.directory()));
    }

    @Test
    void theLockIsAPosixLockTheKernelShows() throws Exception {
        postmasterPid(ProcessHandle.current().pid(), "starting");
        Spool spool = Spool.forRestore(Path.of("pg_wal/RECOVERYXLOG"), data).orElseThrow();
        var held = spool.tryLock().orElseThrow();
        long inode = (Long) Files.getAttribute(spool.directory().resolve(Spool.LOCK), "unix:ino");
        assertTrue(posixLocks().stream().anyMatch(l -> l.contains(" " + ProcessHandle.current().pid() + " ")
                && l.contains(":" + inode + " ")), "/proc/locks shows the lock: " + posixLocks());
        held.channel().close();
        assertTrue(posixLocks().stream().noneMatch(l -> l.contains(":" + inode + " ")), "released");
    }

    private static List<String> posixLocks() throws Exception {
        return Files.readAllLines(Path.of("/proc/locks")).stream().filter(l -> l.contains("POSIX")).toList();
    }

    @Test
    void postmasterPidNamesOneRunOfOnePostmaster() throws Exception {
        postmasterPid(ProcessHandle.current().pid(), "ready   ");
        Postmaster p = Postmaster.read(data).orElseThrow();
        assertEquals(new Postmaster(ProcessHandle.current().pid(), "1764630000"), p);
        assertTrue(p.isAlive());
        assertTrue(p.sameRunAs(Postmaster.read(data).orElseThrow()));
        assertFalse(p.sameRunAs(new Postmaster(p.pid(), "1764630001")));
        Files.writeString(data.resolve("postmaster.pid"), "-123\n" + data + "\n1764630000\n");
        assertTrue(Postmaster.read(data).isEmpty(), "a standalone backend's (negative pid)");
    }

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }
}
