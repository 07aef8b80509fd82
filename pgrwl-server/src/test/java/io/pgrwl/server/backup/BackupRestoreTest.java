package io.pgrwl.server.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.builtin.LocalStorageProvider;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Storage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A restore checks every part against the marker, and a failed one leaves the destination as it found it. */
class BackupRestoreTest {

    private static final String ID = "20261202021530-3fa9c1";
    private static final int SEG = 16 << 20;

    @TempDir
    Path dir;

    private static byte[] tar(String name, String content) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            byte[] data = content.getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setSize(data.length);
            e.setMode(0600);
            t.putArchiveEntry(e);
            t.write(data);
            t.closeArchiveEntry();
        }
        return out.toByteArray();
    }

    private static String crc(byte[] data) {
        CRC32C c = new CRC32C();
        c.update(data);
        return String.format("%08x", c.getValue());
    }

    private Archive archiveWithABackup(byte[] base, byte[] manifest) throws Exception {
        Storage storage = new LocalStorageProvider().create(new PluginConfig("storage.local",
                Map.of("directory", dir.resolve("archive").toString()), Set.of()));
        Archive archive = new Archive(storage, "", List.of(), Map.of());
        BackupMarker marker = new BackupMarker(ID, "pgrwl_" + ID, "1", SEG, 150004, 0x2000028L, 1, 0x2000100L, 1,
                Instant.parse("2026-12-02T02:15:30Z"), Instant.parse("2026-12-02T02:15:40Z"), base.length,
                List.of(), List.of(new BackupMarker.Part("base.tar", base.length, base.length, crc(base)),
                        new BackupMarker.Part("backup_manifest", manifest.length, manifest.length, crc(manifest))),
                "", "test");
        storage.put("backups/" + ID + "/base.tar", new ByteArrayInputStream(base));
        storage.put("backups/" + ID + "/backup_manifest", new ByteArrayInputStream(manifest));
        storage.put("backups/" + ID + "/" + ID + ".json", new ByteArrayInputStream(marker.toJson()
                .getBytes(StandardCharsets.UTF_8)));
        storage.put("wal-archive/000000010000000000000002", new ByteArrayInputStream(new byte[] {0}));
        return archive;
    }

    private static BackupRestore.Options to(Path dest) {
        return new BackupRestore.Options("latest", null, dest, Map.of(), false, null);
    }

    @Test
    void aBackupWhosePartsMatchTheMarkerRestores() throws Exception {
        byte[] manifest = "{\"PostgreSQL-Backup-Manifest-Version\": 1}".getBytes(StandardCharsets.UTF_8);
        try (Archive archive = archiveWithABackup(tar("PG_VERSION", "15\n"), manifest)) {
            Path dest = dir.resolve("restored");
            BackupInfo restored = new BackupRestore(archive, new BackupCatalog(archive, Clock.fixed(
                    Instant.parse("2026-12-02T03:00:00Z"), ZoneOffset.UTC))).run(to(dest));
            assertEquals(ID, restored.id());
            assertEquals("15\n", Files.readString(dest.resolve("PG_VERSION")));
            assertEquals(new String(manifest, StandardCharsets.UTF_8), Files.readString(dest.resolve("backup_manifest")));
            assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(dest)));
        }
    }

    @Test
    void aReplacedPartIsRefusedAndTheDestinationLeftEmpty() throws Exception {
        byte[] manifest = "{}".getBytes(StandardCharsets.UTF_8);
        try (Archive archive = archiveWithABackup(tar("PG_VERSION", "15\n"), manifest)) {
            // another valid tar of the same length under the part's name: only the checksum tells
            archive.storage().put("backups/" + ID + "/base.tar", new ByteArrayInputStream(tar("PG_VERSION", "16\n")));
            Path dest = Files.createDirectory(dir.resolve("restored"));
            var restore = new BackupRestore(archive, new BackupCatalog(archive, Clock.systemUTC()));
            String message = assertThrows(java.io.IOException.class, () -> restore.run(to(dest))).getMessage();
            assertTrue(message.contains("base.tar decoded to") && message.contains("damaged or replaced"), message);
            try (var left = Files.list(dest)) {
                assertEquals(List.of(), left.toList(), "what the failed restore wrote is removed");
            }
        }
    }
}
