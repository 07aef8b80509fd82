package io.pgrwl.server.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.pgrwl.server.builtin.LocalStorageProvider;
import io.pgrwl.spi.ArchivedWal;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Storage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A migrated archive holds both layouts: ours and the Go pgrwl's under its main.directory. Both are read. */
class GoLayoutTest {

    @TempDir
    Path dir;

    @Test
    void walIsFoundListedAndDecodedInBothLayoutsAndWrittenToOurs() throws Exception {
        Storage storage = new LocalStorageProvider().create(new PluginConfig("storage.local",
                Map.of("directory", dir.toString()), Set.of()));
        storage.put("wal-archive/000000010000000000000002", new ByteArrayInputStream(new byte[] {2}));
        storage.put("var/lib/pgwal/wal-archive/000000010000000000000001", new ByteArrayInputStream(new byte[] {1}));
        storage.put("var/lib/pgwal/backups/20261130100000/20261130100000.json", new ByteArrayInputStream(new byte[0]));
        try (Archive archive = new Archive(storage, "", List.of(), Map.of(), Set.of(), Set.of(), "var/lib/pgwal")) {
            assertEquals(List.of("000000010000000000000001", "000000010000000000000002"),
                    archive.listWal().stream().map(ArchivedWal::walFileName).toList());
            var variants = archive.variants("000000010000000000000001");
            assertEquals(List.of("var/lib/pgwal/wal-archive/000000010000000000000001"),
                    variants.stream().map(o -> o.name()).toList());
            try (InputStream in = archive.openDecoded(variants.getFirst(), "000000010000000000000001")) {
                assertArrayEquals(new byte[] {1}, in.readAllBytes());
            }
            assertEquals("wal-archive/000000010000000000000003", archive.objectName("000000010000000000000003"));
            assertEquals(List.of("backups/", "var/lib/pgwal/backups/"), archive.backupPrefixes());
        }
    }

    @Test
    void withCompatGoNewObjectsGoToTheGoRootWhichIsReadFirst() throws Exception {
        Storage storage = new LocalStorageProvider().create(new PluginConfig("storage.local",
                Map.of("directory", dir.toString()), Set.of()));
        storage.put("pre/wal-archive/000000010000000000000001", new ByteArrayInputStream(new byte[] {1}));
        storage.put("var/lib/pgwal/wal-archive/000000010000000000000001", new ByteArrayInputStream(new byte[] {9}));
        try (Archive archive = new Archive(storage, "pre", List.of(), Map.of(), Set.of(), Set.of(), "var/lib/pgwal",
                true)) {
            assertEquals("var/lib/pgwal/wal-archive/000000010000000000000002",
                    archive.objectName("000000010000000000000002"));
            assertEquals("var/lib/pgwal/backups/", archive.backupPrefix());
            assertEquals(List.of("var/lib/pgwal/backups/", "pre/backups/"), archive.backupPrefixes());
            assertEquals("pre/backups/", archive.leasePrefix(), "the lease stays where every pgrwl looks");
            assertEquals(List.of("var/lib/pgwal/wal-archive/000000010000000000000001"),
                    archive.variants("000000010000000000000001").stream().map(o -> o.name()).toList());
        }
        try (Archive local = new Archive(storage, "", List.of(), Map.of(), Set.of(), Set.of(), null, true)) {
            assertEquals("wal-archive/000000010000000000000002", local.objectName("000000010000000000000002"),
                    "locally the Go layout is main.directory/wal-archive, the storage's root");
            assertEquals(List.of("backups/"), local.backupPrefixes());
        }
    }

    @Test
    void theGoRootIsMainDirectoryWithoutItsLeadingSlashOnRemoteStorages() {
        assertEquals("var/lib/pgwal", ArchiveFactory.goRoot("/var/lib/pgwal/", "s3"));
        assertEquals("data/wal", ArchiveFactory.goRoot("./data//wal", "sftp"));
        assertNull(ArchiveFactory.goRoot("/var/lib/pgwal", "local"), "locally the Go layout is ours");
        assertNull(ArchiveFactory.goRoot("/", "s3"));
        assertNull(ArchiveFactory.goRoot("../outside", "s3"));
    }
}
