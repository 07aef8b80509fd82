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
            stampPages(plain[i], i);
            put(storage, name(i), plain[i]);
        }
        cache = new ArchiveCache(archive, Files.createDirectories(dir.resolve("cache")), maxBytes, prefetch);
        return plain;
    }

    private void put(Storage storage, String name, byte[] plain) throws Exception {
        ByteArrayOutputStream encoded = new ByteArrayOutputStream();
        try (var out = archive.encode(encoded)) {
            out.write(plain);
        }
        storage.put(archive.objectName(name), new ByteArrayInputStream(encoded.toByteArray()));
    }

    /** Page headers as PostgreSQL writes them (8 KiB pages, timeline 1): serve mode checks them. */
    static void stampPages(byte[] segment, long number) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(segment).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at < segment.length; at += 8192) {
            b.putShort(at, (short) 0xD116).putShort(at + 2, (short) (at == 0 ? 2 : 0)).putInt(at + 4, 1)
                    .putLong(at + 8, number * segment.length + at);
        }
        b.putLong(24, 7_445_093_327_480_238_101L).putInt(32, segment.length).putInt(36, 8192);
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
    void anObjectThatIsNotTheSegmentItIsStoredAsIsNeverServed() throws Exception {
        byte[][] plain = archive(3, 64L * SEGMENT, 0);
        Storage storage = archive.storage();
        put(storage, name(2), plain[3]); // segment 3 stored under segment 2's name: it decodes
        java.io.IOException swapped = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> cache.get(name(2)));
        assertTrue(swapped.getMessage().startsWith("archive object " + archive.objectName(name(2)) + " is not segment "
                + name(2) + ": page 0 says it is at 0/300000, it is at 0/200000 (a page of another segment)"),
                swapped.getMessage());
        assertTrue(swapped.getMessage().contains("pgrwl verify --deep"), "says what to do: " + swapped.getMessage());

        put(storage, name(2), java.util.Arrays.copyOf(plain[2], SEGMENT / 2)); // whole codec stream, half a segment
        java.io.IOException shortened = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> cache.get(name(2)));
        assertTrue(shortened.getMessage().contains("its long header says segment size 1048576, it holds 524288"
                + " bytes"), shortened.getMessage());

        byte[] otherTimeline = plain[2].clone();
        java.nio.ByteBuffer.wrap(otherTimeline).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(8192 * 3 + 4, 2);
        put(storage, name(2), otherTimeline);
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> cache.get(name(2)))
                .getMessage().contains("page 3 (at 0/206000) carries timeline 2, expected at most 1"));

        assertArrayEquals(plain[3], read(name(3)), "the others are served");
        assertTrue(cached().isEmpty(), "nothing of the refused objects stays in the cache: " + cached());
        put(storage, name(2), plain[2]);
        assertArrayEquals(plain[2], read(name(2)), "served once the right object is back");
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
