package io.pgrwl.server.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.builtin.GzipCodecProvider;
import io.pgrwl.server.builtin.LocalStorageProvider;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Storage;
import io.pgrwl.spi.WalFileName;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Read-ahead and the bounds of the serve cache, over a real local-directory archive of 1 MiB segments. */
class ArchiveCacheTest {

    private static final int SEGMENT = 1 << 20;

    @TempDir
    Path dir;

    private Archive archive;
    private ArchiveCache cache;

    @AfterEach
    void close() throws Exception {
        if (cache != null) {
            cache.close();
        }
        if (archive != null) {
            archive.close();
        }
    }

    private static String name(long segment) {
        return new WalFileName(1, segment, false).fileName(SEGMENT);
    }

    /** Archives segments 1..count, gzip-encoded, and returns their plain contents by segment number. */
    private byte[][] archive(int count, long maxBytes, int prefetch) throws Exception {
        Storage storage = new LocalStorageProvider().create(new PluginConfig("storage.local",
                Map.of("directory", dir.resolve("archive").toString()), Set.of()));
        var gzip = new GzipCodecProvider().create(new PluginConfig("storage.compression", Map.of(), Set.of()));
        archive = new Archive(storage, "", List.of(gzip), Map.of(gzip.suffix(), gzip));
        byte[][] plain = new byte[count + 1][];
        Random random = new Random(1);
        for (int i = 1; i <= count; i++) {
            plain[i] = new byte[SEGMENT];
            random.nextBytes(plain[i]);
            ByteArrayOutputStream encoded = new ByteArrayOutputStream();
            try (var out = archive.encode(encoded)) {
                out.write(plain[i]);
            }
            storage.put(archive.objectName(name(i)), new ByteArrayInputStream(encoded.toByteArray()));
        }
        cache = new ArchiveCache(archive, Files.createDirectories(dir.resolve("cache")), maxBytes, prefetch);
        return plain;
    }

    private byte[] read(String name) throws Exception {
        Optional<ServedFile> f = cache.get(name);
        assertTrue(f.isPresent(), name);
        try (ServedFile file = f.get()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            file.sendTo(out);
            return out.toByteArray();
        }
    }

    private List<String> cached() throws Exception {
        try (var files = Files.list(dir.resolve("cache"))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(ArchiveCache.SUFFIX)).sorted()
                    .toList();
        }
    }

    @Test
    void readsAheadTheNextSegmentsAndServesThemFromTheCache() throws Exception {
        byte[][] plain = archive(12, 64L * SEGMENT, 4);
        assertArrayEquals(plain[1], read(name(1)));
        awaitCached(4); // 2..5 read ahead; 1 was removed once served
        for (int i = 2; i <= 5; i++) {
            assertTrue(cached().contains(name(i) + ArchiveCache.SUFFIX), cached().toString());
        }
        assertTrue(!cached().contains(name(1) + ArchiveCache.SUFFIX), "a served entry is removed: " + cached());
        long misses = cache.misses.get();
        assertArrayEquals(plain[2], read(name(2)));
        assertEquals(misses, cache.misses.get(), "segment 2 came from the cache");
        assertEquals(1, cache.hits.get());
        assertTrue(cache.get(name(13)).isEmpty(), "a segment the archive lacks is absent, not an error");
    }

    @Test
    void neverServesACachedCopyThatChangedOnDisk() throws Exception {
        byte[][] plain = archive(4, 64L * SEGMENT, 2);
        read(name(1));
        awaitCached(2); // 2 and 3 read ahead; 1 was removed once served
        Path copy = dir.resolve("cache").resolve(name(2) + ArchiveCache.SUFFIX);
        byte[] damaged = Files.readAllBytes(copy);
        damaged[100] ^= 1;
        // replaced by another file (another inode), as a stray process would
        Path other = Files.write(dir.resolve("other"), damaged);
        Files.move(other, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertArrayEquals(plain[2], read(name(2)), "the damaged copy is dropped and fetched again");
        // written in place: the modification time moves (set explicitly, as the clock's granularity is coarse)
        Path third = dir.resolve("cache").resolve(name(3) + ArchiveCache.SUFFIX);
        java.nio.file.attribute.FileTime before = Files.getLastModifiedTime(third);
        byte[] bad = Files.readAllBytes(third);
        bad[7] ^= 1;
        Files.write(third, bad);
        Files.setLastModifiedTime(third, java.nio.file.attribute.FileTime.from(before.toInstant().plusMillis(10)));
        assertArrayEquals(plain[3], read(name(3)), "the copy written in place is dropped and fetched again");
    }

    @Test
    void staysWithinItsByteBound() throws Exception {
        byte[][] plain = archive(20, 3L * SEGMENT, 8);
        for (int i = 1; i <= 20; i++) {
            assertArrayEquals(plain[i], read(name(i)), "segment " + i);
            assertTrue(cache.bytes() <= 3L * SEGMENT, "cache holds " + cache.bytes() + " bytes after segment " + i);
        }
    }

    @Test
    void prefetchZeroFetchesExactlyWhatIsAsked() throws Exception {
        archive(6, 64L * SEGMENT, 0);
        read(name(1));
        read(name(3));
        assertEquals(2, cache.misses.get(), "each fetched when asked");
        cache.close(); // waits for any fetch under way, so a read-ahead (there must be none) would be visible now
        assertEquals(List.of(), cached(), "nothing read ahead, and the served entries removed");
    }

    @Test
    void closeWaitsForTheReadAheadSoNothingWritesIntoTheDirectoryAfterIt() throws Exception {
        archive(12, 64L * SEGMENT, 8);
        read(name(1)); // starts fetching 2..9
        cache.close();
        assertTrue(cache.fetchesStopped(), "a read-ahead fetch is still running after close()");
        try (var files = Files.list(dir.resolve("cache"))) {
            List<String> temps = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pgrwl-tmp"))
                    .toList();
            assertEquals(List.of(), temps, "an interrupted fetch leaves no temporary file");
        }
    }

    private void awaitCached(int count) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (cached().size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + cached() + " cached after 30 s");
            }
            Thread.sleep(10); // polling the condition
        }
    }
}
