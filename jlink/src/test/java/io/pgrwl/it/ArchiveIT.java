package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.plugins.crypto.AesGcmCodecProvider;
import io.pgrwl.server.builtin.ZstdCodecProvider;
import io.pgrwl.spi.Codec;
import io.pgrwl.spi.PluginConfig;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Receive mode with the local archive, zstd and aes-256-gcm (from plugins/crypto): every completed segment is
 * archived as NAME.zst.aes and leaves main.directory; decoded, each is byte-identical to pg_receivewal's.
 */
class ArchiveIT {

    @Test
    void archivesEncodedSegmentsThatDecodeToPgReceiveWalsBytes() throws Exception {
        Path base = Os.tempDir("pgrwl-archive");
        Path wal = base.resolve("pgrwl-wal");
        Path archive = base.resolve("archive");
        Path reference = base.resolve("recv-wal");
        String yaml = Pgrwl.config(wal, "pgrwl") + "storage:\n  name: local\n  local:\n    directory: " + archive + "\n"
                + "  compression:\n    algo: zstd\n  encryption:\n    algo: aes-256-gcm\n    pass: ${ARCHIVE_PASS}\n"
                + "  uploader:\n    sync_interval: 1s\n    max_concurrency: 2\n";
        try (PgCluster pg = PgCluster.init(base, "primary", 1).start()) {
            pg.execute("select pg_create_physical_replication_slot('pgrwl', true),"
                    + " pg_create_physical_replication_slot('recv', true)");
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, yaml).env("ARCHIVE_PASS", "archive-secret").start();
                 PgReceiveWal recv = new PgReceiveWal(pg, reference, "recv").start()) {
                pg.execute("create table t as select g, md5(g::text) from generate_series(1, 100000) g");
                for (int i = 0; i < 30; i++) {
                    pg.execute("insert into t values (" + i + ", 'x')", "select pg_switch_wal()");
                }
                String target = pg.queryOne("select pg_current_wal_lsn()");
                Slots.awaitFlushed(pg, "pgrwl", target, Duration.ofMinutes(2));
                Slots.awaitFlushed(pg, "recv", target, Duration.ofMinutes(2));
                Path objects = archive.resolve("wal-archive");
                Await.until("every segment archived and removed from main.directory", Duration.ofMinutes(2),
                        () -> WalDirs.completed(wal).isEmpty() && Files.isDirectory(objects)
                                && archived(objects).keySet().containsAll(WalDirs.completed(reference).keySet()));
                assertEquals(0, pgrwl.stop());
                recv.stop();
                assertTrue(!pgrwl.logText().contains("archive-secret"), "the password never appears in the log");
            }
            TreeMap<String, String> decoded = archived(archive.resolve("wal-archive"));
            TreeMap<String, String> expected = WalDirs.completed(reference);
            assertTrue(expected.size() > 30, "expected more than 30 segments, got " + expected.size());
            for (var e : expected.entrySet()) {
                assertEquals(e.getValue(), decoded.get(e.getKey()), "decoded " + e.getKey() + ".zst.aes");
            }
            try (var names = Files.list(archive.resolve("wal-archive"))) {
                List<String> others = names.map(p -> p.getFileName().toString())
                        .filter(n -> !n.matches("[0-9A-F]{24}\\.zst\\.aes")).toList();
                // besides them only the upload of the segment in progress, newer than every complete one
                assertTrue(others.size() <= 1 && others.stream().allMatch(n -> n.matches("[0-9A-F]{24}\\.pgrwl"
                        + "\\.partial\\.zst\\.aes") && expected.lastKey().compareTo(n.substring(0, 24)) < 0),
                        "only completed segments, encoded, are archived (no temp files): " + others);
            }
        }
        Os.deleteTree(base);
    }

    /** @return WAL name to SHA-256 of the decoded content, for every NAME.zst.aes object */
    private static TreeMap<String, String> archived(Path objects) throws Exception {
        Codec zstd = new ZstdCodecProvider().create(new PluginConfig("storage.compression", Map.of(), Set.of()));
        Codec aes = new AesGcmCodecProvider().create(new PluginConfig("storage.encryption",
                Map.of("pass", "archive-secret"), Set.of("pass")));
        TreeMap<String, String> result = new TreeMap<>();
        try (var files = Files.list(objects)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (!name.endsWith(".zst.aes")) {
                    continue;
                }
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                try (InputStream in = zstd.decode(aes.decode(Files.newInputStream(p)))) {
                    sha.update(in.readAllBytes());
                }
                result.put(name.substring(0, 24), HexFormat.of().formatHex(sha.digest()));
            }
        }
        return result;
    }
}
