package io.pgrwl.spi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Optional;

/**
 * A place archived objects live: a local directory, an S3 bucket, an SFTP directory.
 *
 * <p><b>Names.</b> Relative, {@code /}-separated, checked with {@link ObjectNames#requireSafe} by every method (an
 * unsafe name is an {@link IllegalArgumentException}, the one runtime exception a storage throws on purpose).
 *
 * <p><b>Durability.</b> {@link #put} and {@link #putIfAbsent} return only once the object is durable on the backend:
 * a local file and its directory entry are fsynced; S3 acknowledges a PUT or a completed multipart upload only once it
 * is stored; SFTP asks the server to fsync ({@code fsync@openssh.com}) before the rename, and a server without that
 * extension is used with a warning at start-up, since the object may then be lost if the server's machine crashes
 * right after the put. A put that fails, however it fails (the content stream throws midway, the connection drops,
 * the thread is interrupted), leaves no object and no partial object visible under {@code name}: writes go to a
 * temporary name ({@link ObjectNames#temporaryFileName}) or an S3 multipart upload that is aborted.
 *
 * <p><b>Threads and blocking.</b> Implementations are thread-safe and every method may block on I/O for as long as
 * the backend takes (bounded by the backend's own timeouts). A thread interrupted while blocked gets an
 * {@link java.io.InterruptedIOException} or {@link java.nio.channels.ClosedByInterruptException} (both
 * {@link IOException}s) where the backend's client allows it; the interrupt status is then set again.
 *
 * <p><b>Errors.</b> I/O failures, including every failure of a remote call, throw {@link IOException} (never an SDK's
 * unchecked exception); a missing object is {@link NoSuchFileException}; an existing one refused by
 * {@link #putIfAbsent} is {@link FileAlreadyExistsException}. Configuration problems are found by
 * {@link StorageProvider#create}.
 */
public interface Storage extends AutoCloseable {

    /**
     * Stores {@code content} under {@code name}, replacing an existing object: for objects that are meant to be
     * replaced (the upload of a segment in progress, a lock's renewal). Archived WAL is written with
     * {@link #putIfAbsent}. Atomic: a reader sees the old object or the complete new one, never a partial one.
     * Idempotent for identical content. Durable when it returns (see the class comment).
     *
     * @param name the object name; not null
     * @param content the bytes, read to the end; not closed by this method; not null. An {@link IOException} it
     *     throws fails the put, and nothing is stored
     * @return what was stored; never null
     * @throws IOException when the object could not be stored (nothing partial is left visible)
     */
    ObjectInfo put(String name, InputStream content) throws IOException;

    /**
     * Stores {@code content} under {@code name} only if no object of that name exists, deciding that atomically on
     * the backend, so of two writers racing for one name exactly one wins and the other learns of it: a local hard
     * link of the fsynced temporary file (which fails on an existing name), SFTP's rename (SFTP v3 refuses an
     * existing target; OpenSSH's sftp-server decides it atomically with a hard link, a server that looks first and
     * then renames, as Apache MINA's does, leaves a short window), S3's conditional {@code If-None-Match: *} PUT.
     * A put whose answer was lost and that the client sent again is recognised as its own and succeeds. A backend that cannot decide it atomically (an
     * S3-compatible server that ignores the condition) falls back to a look-up before the put and says so with a
     * warning once, when it is created. Otherwise as {@link #put}: atomic, durable when it returns, nothing visible
     * after a failure.
     *
     * @param name the object name; not null
     * @param content the bytes, read to the end; not closed by this method; not null
     * @return what was stored; never null
     * @throws FileAlreadyExistsException when an object of that name exists; it is left as it was, and
     *     {@code content} may have been read in part or in whole
     * @throws IOException when the object could not be stored (nothing partial is left visible)
     */
    ObjectInfo putIfAbsent(String name, InputStream content) throws IOException;

    /**
     * @param name the object name; not null
     * @return the object's bytes as a stream the caller closes; never null
     * @throws NoSuchFileException when there is no such object
     * @throws IOException on other failures
     */
    InputStream get(String name) throws IOException;

    /**
     * @param name the object name; not null
     * @return the object's size, time and checksum, or empty when it does not exist; never null
     * @throws IOException when the backend cannot answer (an absent object is not an error)
     */
    Optional<ObjectInfo> stat(String name) throws IOException;

    /**
     * Lists by name prefix, not by directory: {@code wal-archive/0000} matches {@code wal-archive/00000001…}. Pages
     * through the backend's answers, so the result holds every match however many there are (an archive of a year
     * of 16 MiB segments holds some 100,000 objects: about 20 MiB of {@link ObjectInfo}s). Temporary objects of puts
     * in flight or interrupted ({@link ObjectNames#isTemporary}) are never listed. Objects put or deleted while the
     * listing runs may or may not appear.
     *
     * @param prefix a name prefix, possibly empty; not null
     * @return every object whose name starts with {@code prefix}, in name order; never null, possibly empty
     * @throws IOException when the backend cannot be listed
     */
    List<ObjectInfo> list(String prefix) throws IOException;

    /**
     * Deletes {@code name}. Deleting an absent object is a no-op, so a retry is always safe.
     *
     * @param name the object name; not null
     * @throws IOException when the backend did not confirm the deletion
     */
    void delete(String name) throws IOException;

    /** Releases connections and clients. Idempotent. */
    @Override
    void close() throws IOException;
}
