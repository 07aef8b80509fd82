package io.pgrwl.server.restore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What {@code postmaster.pid} says about the server owning a data directory: the first, third and eighth lines (pid,
 * start time, status), as written by {@code CreateLockFile} and {@code AddToDataDirLockFile} in PostgreSQL's
 * <a href="https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/utils/init/miscinit.c">miscinit.c</a>.
 * The pid and start time together name one run of one postmaster: a prefetch spool is bound to them, so a spool left
 * by an earlier recovery (another run, even with a reused pid) is never used.
 *
 * @param pid the postmaster's process id
 * @param startTime its start time in seconds since the epoch, as written (kept as text: it is part of a file name)
 * @param status {@code starting}, {@code stopping}, {@code ready} or {@code standby}; empty while not yet written
 */
record Postmaster(long pid, String startTime, String status) {

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
        String status = lines.size() >= 8 ? lines.get(7).strip() : "";
        return pid > 0 ? Optional.of(new Postmaster(pid, lines.get(2).strip(), status)) : Optional.empty();
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
     * @return whether the server accepts read-write connections, i.e. recovery is over (status {@code ready}; a hot
     *     standby still recovering says {@code standby})
     */
    boolean recoveryEnded() {
        return status.equals("ready");
    }
}
