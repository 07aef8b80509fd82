package io.pgrwl.server.support;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Makes renames, links and deletions durable: a new or removed name is on disk only once its directory is fsynced
 * (POSIX; PostgreSQL's {@code fsync_fname} on the parent does the same). Blocks until the kernel confirms.
 */
public final class Fsync {

    private Fsync() {
    }

    /**
     * fsyncs a directory, so the names created, renamed or removed in it survive a crash.
     *
     * @param directory an existing directory; not null
     * @throws IOException when it cannot be opened or synced
     */
    public static void directory(Path directory) throws IOException {
        try (FileChannel ch = FileChannel.open(directory, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
