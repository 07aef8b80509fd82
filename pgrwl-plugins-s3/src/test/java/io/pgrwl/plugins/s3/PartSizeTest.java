package io.pgrwl.plugins.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** An object of unknown length fits S3's 10,000 parts: parts grow as the upload goes on, memory stays one part. */
class PartSizeTest {

    @Test
    void partsDoubleEveryTwoThousandUpToOneGibibyte() {
        int mib = 1 << 20;
        assertEquals(32 * mib, S3Storage.partSize(32 * mib, 1));
        assertEquals(32 * mib, S3Storage.partSize(32 * mib, 2000));
        assertEquals(64 * mib, S3Storage.partSize(32 * mib, 2001));
        assertEquals(512 * mib, S3Storage.partSize(32 * mib, 10_000));
        assertEquals(1 << 30, S3Storage.partSize(256 * mib, 10_000), "capped at 1 GiB");
        assertEquals(2000 * mib, S3Storage.partSize(2000 * mib, 10_000), "never below the configured size");
        long total = 0;
        for (int part = 1; part <= 10_000; part++) {
            total += S3Storage.partSize(32 * mib, part);
        }
        assertTrue(total > (18L << 40) / 10, "10,000 parts at 32 MiB hold about 1.9 TiB: " + total);
    }
}
