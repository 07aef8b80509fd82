package io.pgrwl.spi.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.Storage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Storage} must have, run by each provider against its real server: extend it and return a
 * fresh, empty storage from {@link #newStorage()}.
 */
public abstract class StorageContract {

    protected Storage storage;

    /** @return a new, empty storage (a fresh directory, bucket or prefix) */
    protected abstract Storage newStorage() throws Exception;

    @BeforeEach
    void open() throws Exception {
        storage = newStorage();
    }

    @AfterEach
    void closeStorage() throws IOException {
        storage.close();
    }

    /** Deterministic pseudo-random bytes of any length, streamed so 64 MiB need not sit in memory twice. */
    protected static InputStream data(long length, long seed) {
        Random random = new Random(seed);
        return new InputStream() {
            private long left = length;

            @Override
            public int read() {
                return left-- > 0 ? random.nextInt(256) : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                byte[] chunk = new byte[n];
                random.nextBytes(chunk);
                System.arraycopy(chunk, 0, b, off, n);
                left -= n;
                return n;
            }
        };
    }

    protected static byte[] digest(InputStream in) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (DigestInputStream d = new DigestInputStream(in, sha)) {
            d.transferTo(OutputStreamNull.INSTANCE);
        }
        return sha.digest();
    }

    @Test
    void roundTripsOfEverySize() throws Exception {
        for (long size : new long[] {0, 1, 16L << 20, 64L << 20}) {
            String name = "wal-archive/size-" + size;
            ObjectInfo put = storage.put(name, data(size, size));
            assertEquals(size, put.size(), "size reported by put");
            assertEquals(Optional.of(size), storage.stat(name).map(ObjectInfo::size), "size reported by stat");
            try (InputStream in = storage.get(name)) {
                assertArrayEquals(digest(data(size, size)), digest(in), "content of " + size + " bytes");
            }
        }
    }

    @Test
    void listsByPrefixInNameOrder() throws Exception {
        for (String name : List.of("wal-archive/b", "wal-archive/a", "wal-archive2/c", "other/d")) {
            storage.put(name, new ByteArrayInputStream(name.getBytes()));
        }
        assertEquals(List.of("wal-archive/a", "wal-archive/b"),
                storage.list("wal-archive/").stream().map(ObjectInfo::name).toList());
        assertEquals(4, storage.list("").size());
        assertEquals(List.of(), storage.list("missing/"));
    }

    @Test
    void overwriteReplacesTheObject() throws Exception {
        storage.put("wal-archive/x", new ByteArrayInputStream(new byte[] {1, 2, 3}));
        storage.put("wal-archive/x", new ByteArrayInputStream(new byte[] {9}));
        try (InputStream in = storage.get("wal-archive/x")) {
            assertArrayEquals(new byte[] {9}, in.readAllBytes());
        }
        assertEquals(1, storage.list("wal-archive/").size());
    }

    @Test
    void missingAndDeletedObjects() throws Exception {
        assertThrows(NoSuchFileException.class, () -> storage.get("wal-archive/none").close());
        assertEquals(Optional.empty(), storage.stat("wal-archive/none"));
        storage.delete("wal-archive/none"); // deleting an absent object is a no-op
        storage.put("wal-archive/gone", new ByteArrayInputStream(new byte[10]));
        storage.delete("wal-archive/gone");
        assertThrows(NoSuchFileException.class, () -> storage.get("wal-archive/gone").close());
        assertEquals(List.of(), storage.list("wal-archive/"));
    }

    @Test
    void concurrentPuts() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<ObjectInfo>> puts = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                int n = i;
                puts.add(pool.submit(() -> storage.put("wal-archive/c" + n, data(256 * 1024, n))));
                puts.add(pool.submit(() -> storage.put("wal-archive/same", data(256 * 1024, 1000 + n))));
            }
            for (Future<ObjectInfo> f : puts) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        for (int i = 0; i < 16; i++) {
            try (InputStream in = storage.get("wal-archive/c" + i)) {
                assertArrayEquals(digest(data(256 * 1024, i)), digest(in));
            }
        }
        byte[] same;
        try (InputStream in = storage.get("wal-archive/same")) {
            same = digest(in);
        }
        boolean oneWholeVersion = false;
        for (int i = 0; i < 16; i++) {
            oneWholeVersion |= java.util.Arrays.equals(same, digest(data(256 * 1024, 1000 + i)));
        }
        assertTrue(oneWholeVersion, "concurrent puts of one name leave exactly one complete version");
        assertEquals(17, storage.list("wal-archive/").size());
    }

    /**
     * Uploads run in parallel and each lists the archive while the others move their objects into place: a listing
     * must never fail because something vanished under it.
     */
    @Test
    void listingWhileOthersPutNeverFails() throws Exception {
        int writers = 4;
        int perWriter = 40;
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers + 2);
        try {
            List<java.util.concurrent.Future<?>> puts = new java.util.ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                puts.add(pool.submit(() -> {
                    for (int i = 0; i < perWriter; i++) {
                        storage.put("wal-archive/" + writer + "-" + i, new ByteArrayInputStream(new byte[512]));
                    }
                    return null;
                }));
            }
            List<java.util.concurrent.Future<Integer>> lists = new java.util.ArrayList<>();
            for (int l = 0; l < 2; l++) {
                lists.add(pool.submit(() -> {
                    int listings = 0;
                    while (writing.get()) {
                        storage.list("wal-archive/");
                        listings++;
                    }
                    return listings;
                }));
            }
            for (java.util.concurrent.Future<?> f : puts) {
                f.get(); // a failed put fails the test here
            }
            writing.set(false);
            for (java.util.concurrent.Future<Integer> f : lists) {
                assertTrue(f.get() > 0, "listed while writing"); // a failed listing fails the test here
            }
            assertEquals(writers * perWriter, storage.list("wal-archive/").size());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void unsafeNamesAreRejected() {
        for (String bad : List.of("../x", "/abs", "a/../b", "a//b", "", "a\\b")) {
            assertThrows(IllegalArgumentException.class, () -> storage.put(bad, new ByteArrayInputStream(new byte[1])),
                    "name \"" + bad + "\"");
        }
    }

    private static final class OutputStreamNull extends java.io.OutputStream {
        static final OutputStreamNull INSTANCE = new OutputStreamNull();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
