package io.pgrwl.server.builtin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.ObjectNames;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Storage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an interrupted put and a delete leave in the local storage's directory: nothing, once stale. */
class LocalStorageLeftoversTest {

    @TempDir
    Path dir;

    private Storage storage(String staleTempAfter) throws Exception {
        return new LocalStorageProvider().create(new PluginConfig("storage.local",
                Map.of("directory", dir.toString(), "stale_temp_after", staleTempAfter), Set.of()));
    }

    private Path temporary(String name, Instant modified) throws Exception {
        Path target = dir.resolve(name);
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling(ObjectNames.temporaryFileName(target.getFileName().toString()));
        Files.write(tmp, new byte[] {1, 2, 3});
        Files.setLastModifiedTime(tmp, FileTime.from(modified));
        return tmp;
    }

    @Test
    void aListingRemovesStaleTemporariesOnlyAndTheDirectoryTheyLeaveEmpty() throws Exception {
        try (Storage storage = storage("1m")) {
            Path stale = temporary("backups/killed/base.tar.zst", Instant.now().minusSeconds(120));
            Path fresh = temporary("backups/running/base.tar.zst", Instant.now().minusSeconds(30));
            storage.put("backups/running/backup_manifest", new ByteArrayInputStream(new byte[] {4}));

            assertEquals(java.util.List.of("backups/running/backup_manifest"),
                    storage.list("backups/").stream().map(ObjectInfo::name).toList());
            assertFalse(Files.exists(stale), "a temporary file not written to for longer than stale_temp_after goes");
            assertFalse(Files.exists(stale.getParent()), "and the directory it alone was in");
            assertTrue(Files.exists(fresh), "a put that may still be running is left alone");
        }
    }

    @Test
    void deletingTheLastObjectOfADirectoryRemovesItUpToTheRootOnly() throws Exception {
        try (Storage storage = storage("15m")) {
            storage.put("backups/b1/base.tar", new ByteArrayInputStream(new byte[] {1}));
            storage.put("backups/b1/backup_manifest", new ByteArrayInputStream(new byte[] {2}));
            storage.put("backups/b2/base.tar", new ByteArrayInputStream(new byte[] {3}));

            storage.delete("backups/b1/base.tar");
            assertTrue(Files.isDirectory(dir.resolve("backups/b1")), "still holds an object");
            storage.delete("backups/b1/backup_manifest");
            assertFalse(Files.exists(dir.resolve("backups/b1")));
            assertTrue(Files.isDirectory(dir.resolve("backups/b2")));
            storage.delete("backups/b2/base.tar");
            assertFalse(Files.exists(dir.resolve("backups")));
            assertTrue(Files.isDirectory(dir), "the root stays");

            storage.put("backups/b3/base.tar", new ByteArrayInputStream(new byte[] {5}));
            assertEquals(1, storage.list("backups/").size(), "a put recreates what a delete removed");
        }
    }

    @Test
    void aStaleTempAfterUnderASecondIsRefusedWithTheDefault() {
        var e = assertThrows(IllegalArgumentException.class, () -> storage("500ms"));
        assertTrue(e.getMessage().contains("storage.local.stale_temp_after"), e.getMessage());
        assertTrue(e.getMessage().contains("15m"), e.getMessage());
    }
}
