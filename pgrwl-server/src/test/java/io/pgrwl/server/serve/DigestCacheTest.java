package io.pgrwl.server.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A remembered digest is used only for the very file it was computed from. */
class DigestCacheTest {

    @TempDir
    Path dir;

    private static String served(Path file, DigestCache cache) throws Exception {
        try (ServedFile f = ServedFile.open(file, "directory", cache)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            f.sendTo(out);
            return f.reprDigest() + " " + out.size();
        }
    }

    private static String hashed(Path file) throws Exception {
        try (ServedFile f = ServedFile.open(file, "directory")) {
            return f.reprDigest() + " " + f.length();
        }
    }

    @Test
    void aFileReplacedOrRewrittenIsHashedAgain() throws Exception {
        DigestCache cache = new DigestCache();
        Path file = dir.resolve("000000010000000000000001");
        Files.writeString(file, "first content");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(60)));
        String first = served(file, cache);
        assertEquals(hashed(file), first);
        DigestCache.Identity id = DigestCache.identify(file);
        assertEquals(true, cache.get(file, id).isPresent(), "remembered");

        // same size, same mtime, but another inode (renamed over): not the remembered file
        Path other = dir.resolve("other");
        Files.writeString(other, "other content");
        Files.setLastModifiedTime(other, Files.getLastModifiedTime(file));
        Files.move(other, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String replaced = served(file, cache);
        assertEquals(hashed(file), replaced);
        assertNotEquals(first, replaced);

        // rewritten in place with a new mtime
        Files.writeString(file, "third content");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(30)));
        assertEquals(hashed(file), served(file, cache));
    }

    @Test
    void aFileModifiedJustNowIsNotRemembered() throws Exception {
        DigestCache cache = new DigestCache();
        Path file = Files.writeString(dir.resolve("000000010000000000000002"), "fresh");
        served(file, cache);
        assertEquals(false, cache.get(file, DigestCache.identify(file)).isPresent());
    }
}
