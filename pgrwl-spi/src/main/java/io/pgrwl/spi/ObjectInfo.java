package io.pgrwl.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a storage knows about one object.
 *
 * @param name the object name; not null
 * @param size its length in bytes
 * @param modified when it was last written; not null
 * @param checksum a backend checksum such as an S3 ETag or CRC, if the backend gives one; not null
 */
public record ObjectInfo(String name, long size, Instant modified, Optional<String> checksum) {

    public ObjectInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(modified, "modified");
        Objects.requireNonNull(checksum, "checksum");
    }
}
