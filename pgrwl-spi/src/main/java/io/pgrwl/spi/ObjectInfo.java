package io.pgrwl.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a storage knows about one object. Immutable.
 *
 * @param name the object name; not null
 * @param size its length in bytes
 * @param modified when it was last written; not null
 * @param checksum what the backend reports as the object's checksum, in the backend's own form, for comparing two
 *     answers of the same backend only: an S3 ETag without quotes (the MD5 in hex for a single PUT,
 *     {@code <hex>-<parts>} for a multipart upload); empty where the backend has none (local, SFTP); not null
 */
public record ObjectInfo(String name, long size, Instant modified, Optional<String> checksum) {

    public ObjectInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(modified, "modified");
        Objects.requireNonNull(checksum, "checksum");
    }
}
