package io.pgrwl.server.restore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What {@code postmaster.pid} says about the server owning a data directory: its first and third lines (pid and start
 * time), as written by {@code CreateLockFile} in PostgreSQL's
 * <a href="https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/utils/init/miscinit.c">miscinit.c</a>.
 * The pid and start time together name one run of one postmaster: a prefetch spool is bound to them, so a spool left
 * by an earlier recovery (another run, even with a reused pid) is never used.
 *
 * @param pid the postmaster's process id
 * @param startTime its start time in seconds since the epoch, as written (kept as text: it is part of a file name)
 */
record Postmaster(long pid, String startTime) {

    static final String FILE = "postmaster.pid";

    /**
     * Reads {@code dataDirectory/postmaster.pid}.
     *
     * @return empty when there is no such file or it is not a postmaster's (a server that is not running, a data
     *     directory being rewound)
     */
    static Optional<Postmaster> read(Path dataDirectory) {
        List<String> lines;
        try {
            lines = Files.readAllLines(dataDirectory.resolve(FILE), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | java.io.UncheckedIOException e) {
            return Optional.empty();
        }
        if (lines.size() < 3 || !lines.get(2).strip().matches("[0-9]{1,19}")) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).strip());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return pid > 0 ? Optional.of(new Postmaster(pid, lines.get(2).strip())) : Optional.empty();
    }

    /** @return whether this process is running (a stale file after a crash names a dead or foreign pid) */
    boolean isAlive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** @return whether the same run of the postmaster is still the owner of the data directory */
    boolean sameRunAs(Postmaster other) {
        return pid == other.pid && startTime.equals(other.startTime);
    }

    /**
     * @return whether {@code dataDirectory} is in archive recovery: {@code recovery.signal} or {@code standby.signal}
     *     is there. PostgreSQL removes both when recovery ends (in {@code CleanupAfterArchiveRecovery}); the status line
     *     of postmaster.pid cannot tell, as it says {@code ready} for a hot standby too.
     */
    static boolean inArchiveRecovery(Path dataDirectory) {
        return Files.exists(dataDirectory.resolve("recovery.signal")) || Files.exists(dataDirectory.resolve(
                "standby.signal"));
    }
}
