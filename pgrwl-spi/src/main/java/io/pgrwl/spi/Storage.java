package io.pgrwl.spi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Optional;

/**
 * A place archived objects live: a local directory, an S3 bucket, an SFTP directory. Names are relative, use
 * {@code /} as separator and never contain {@code ..}.
 *
 * <p>Implementations are thread-safe and may block on I/O in every method. I/O failures throw {@link IOException};
 * configuration problems are detected by {@link StorageProvider#create}.
 */
public interface Storage extends AutoCloseable {

    /**
     * Stores {@code content} under {@code name}, replacing an existing object. Atomic: a reader sees the old object
     * or the complete new one, never a partial one. Idempotent for identical content.
     *
     * @param name the object name; not null
     * @param content the bytes, read to the end; not closed by this method; not null
     * @return what was stored
     * @throws IOException when the object could not be stored (nothing partial is left visible)
     */
    ObjectInfo put(String name, InputStream content) throws IOException;

    /**
     * @param name the object name; not null
     * @return the object's bytes as a stream the caller closes; never null
     * @throws NoSuchFileException when there is no such object
     * @throws IOException on other failures
     */
    InputStream get(String name) throws IOException;

    /**
     * @param name the object name; not null
     * @return the object's size and time, or empty when it does not exist
     */
    Optional<ObjectInfo> stat(String name) throws IOException;

    /**
     * @param prefix a name prefix, possibly empty; not null
     * @return every object whose name starts with {@code prefix}, in name order; never null
     */
    List<ObjectInfo> list(String prefix) throws IOException;

    /** Deletes {@code name}; deleting an absent object is a no-op. */
    void delete(String name) throws IOException;

    /** Releases connections and clients. Idempotent. */
    @Override
    void close() throws IOException;
}
