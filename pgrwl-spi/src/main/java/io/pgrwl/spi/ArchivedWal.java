package io.pgrwl.spi;

import java.util.Objects;

/**
 * One WAL file in the archive, as a retention policy sees it.
 *
 * @param walFileName the WAL file name without codec suffixes, e.g. {@code 000000010000000000000003} or
 *     {@code 00000002.history}; not null
 * @param object the archived object (its name carries the suffixes); not null
 */
public record ArchivedWal(String walFileName, ObjectInfo object) {

    public ArchivedWal {
        Objects.requireNonNull(walFileName, "walFileName");
        Objects.requireNonNull(object, "object");
    }

    /** @return whether this is a timeline history file (retention keeps those) */
    public boolean history() {
        return walFileName.endsWith(".history");
    }
}
