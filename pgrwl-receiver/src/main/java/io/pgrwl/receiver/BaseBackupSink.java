package io.pgrwl.receiver;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Where {@link BaseBackupClient} puts a base backup as the server sends it: one tar archive per tablespace, then the
 * backup manifest. Called from the one thread that runs {@link BaseBackupClient#take}, in this order:
 * {@link #started}, then for each archive {@link #openArchive} (its stream is written and closed before the next one
 * is opened), then {@link #openManifest} (the same), with {@link #progress} in between.
 *
 * <p>A stream's {@code close()} means "this part is complete": it is where a sink makes the part durable. An
 * {@link IOException} from any method aborts the backup: the client closes the connection, and the server abandons the
 * backup (PostgreSQL ends a non-exclusive backup when its session ends).
 */
public interface BaseBackupSink {

    /** The server began the backup: its checkpoint is done. */
    void started(BaseBackupStart start) throws IOException;

    /**
     * @param archiveName the server's name for the archive: {@code base.tar} for the data directory, {@code <oid>.tar}
     *     for a tablespace; not null
     * @param tablespacePath the tablespace's directory on the server, or empty for the data directory; not null
     * @return where the archive's bytes go; closed by the client when the archive is complete
     */
    OutputStream openArchive(String archiveName, String tablespacePath) throws IOException;

    /** @return where the backup manifest's bytes go (byte-exact); closed by the client when it is complete */
    OutputStream openManifest() throws IOException;

    /**
     * @param bytesDone bytes of the data directory and tablespaces sent so far
     * @param bytesTotal the server's estimate of the total, or -1 when unknown
     */
    void progress(long bytesDone, long bytesTotal);

    /** A notice the server sent (for example that WAL archiving is not enabled): worth logging, not an error. */
    default void notice(String message) {
    }
}
