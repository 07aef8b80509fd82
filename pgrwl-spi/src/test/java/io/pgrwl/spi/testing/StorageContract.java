package io.pgrwl.spi.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.Storage;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Storage} must have, run by each provider against its real server: extend it and return a
 * fresh, empty storage from {@link #newStorage()}. Besides round trips, listings and concurrency: a put whose content
 * stream fails leaves nothing (nor a temporary object), a failed put leaves the old object, {@link Storage#putIfAbsent}
 * refuses an existing name with {@link FileAlreadyExistsException} and of two racing writers exactly one wins.
 */
public abstract class StorageContract {

    protected Storage storage;

    /** @return a new, empty storage (a fresh directory, bucket or prefix) */
    protected abstract Storage newStorage() throws Exception;

    /**
     * Whether {@link #storage} decides {@link Storage#putIfAbsent} atomically on the backend, so that of two writers
     * racing for one name exactly one wins. True by default; a test answers false only where the server it runs
     * against cannot do it: an S3-compatible server that ignores {@code If-None-Match} (the storage then looks before
     * it puts, and warns), or an SFTP server whose refusal of an existing rename target is a look, then a rename
     * (Apache MINA's). Then the race case is skipped for it, and nothing else.
     */
    protected boolean atomicCreateIfAbsent() {
        return true;
    }

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

    /**
     * How far a failing content stream gets before it throws: 12 MiB, more than two parts of the smallest S3 part
     * size (5 MiB) the S3 tests use, so an S3 backend has a multipart upload in flight that it must abort.
     */
    protected static final long FAIL_AFTER = 12L << 20;

    /** {@link #data} of unbounded length that throws {@link IOException} once {@code failAfter} bytes were read. */
    protected static InputStream failingAfter(long failAfter, long seed) {
        return new FilterInputStream(data(Long.MAX_VALUE, seed)) {
            private long read;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (read >= failAfter) {
                    throw new IOException("the content stream failed after " + read + " bytes (on purpose)");
                }
                int n = super.read(b, off, (int) Math.min(len, failAfter - read));
                read += Math.max(n, 0);
                return n;
            }
        };
    }

    private interface Put {
        ObjectInfo into(Storage storage, String name, InputStream content) throws IOException;
    }

    private static final Put PUT = Storage::put;
    private static final Put PUT_IF_ABSENT = Storage::putIfAbsent;

    private static byte[] read(Storage storage, String name) throws IOException {
        try (InputStream in = storage.get(name)) {
            return in.readAllBytes();
        }
    }

    private void assertNothingUnder(String name, String what) throws IOException {
        assertEquals(Optional.empty(), storage.stat(name), what + ": stat");
        assertEquals(List.of(), storage.list("wal-archive/"), what + ": list (no temporary or partial object)");
        assertThrows(NoSuchFileException.class, () -> storage.get(name).close(), what + ": get");
    }

    @Test
    void aPutWhoseContentFailsMidwayLeavesNothing() throws Exception {
        for (Put put : List.of(PUT, PUT_IF_ABSENT)) {
            String what = put == PUT ? "put" : "putIfAbsent";
            String name = "wal-archive/broken-" + what;
            assertThrows(IOException.class, () -> put.into(storage, name, failingAfter(FAIL_AFTER, 7)), what);
            assertNothingUnder(name, what);
            // and a small one, which an S3 backend would have sent in one request
            assertThrows(IOException.class, () -> put.into(storage, name, failingAfter(1000, 8)), what + " (small)");
            assertNothingUnder(name, what + " (small)");
        }
    }

    @Test
    void aFailedPutOverAnExistingObjectLeavesItIntact() throws Exception {
        String name = "wal-archive/000000010000000000000001";
        storage.put(name, data(300_000, 1));
        for (Put put : List.of(PUT, PUT_IF_ABSENT)) {
            assertThrows(IOException.class, () -> put.into(storage, name, failingAfter(FAIL_AFTER, 2)));
            assertEquals(Optional.of(300_000L), storage.stat(name).map(ObjectInfo::size));
            assertArrayEquals(digest(data(300_000, 1)), digest(storage.get(name)), "the old object, byte for byte");
            assertEquals(List.of(name), storage.list("wal-archive/").stream().map(ObjectInfo::name).toList());
        }
    }

    @Test
    void putIfAbsentStoresANewNameAndRefusesAnExistingOne() throws Exception {
        // 200 KiB goes in one request everywhere; 11 MiB is a multipart upload for the S3 tests' 5 MiB parts
        for (long size : new long[] {200 << 10, 11L << 20}) {
            String name = "wal-archive/absent-" + size;
            ObjectInfo stored = storage.putIfAbsent(name, data(size, 1));
            assertEquals(size, stored.size(), "size reported by putIfAbsent");
            assertEquals(name, stored.name());
            FileAlreadyExistsException other = assertThrows(FileAlreadyExistsException.class,
                    () -> storage.putIfAbsent(name, data(size, 2)), "different content");
            assertTrue(other.getMessage().contains(name), "the exception names the object: " + other.getMessage());
            assertArrayEquals(digest(data(size, 1)), digest(storage.get(name)), "the first content, byte for byte");
            // identical content is refused too: what counts as the same is the caller's decision
            assertThrows(FileAlreadyExistsException.class, () -> storage.putIfAbsent(name, data(size, 1)),
                    "identical content");
            assertArrayEquals(digest(data(size, 1)), digest(storage.get(name)));
        }
        assertEquals(2, storage.list("wal-archive/").size(), "no temporary object is left by a refused putIfAbsent");
    }

    @Test
    void putStillReplacesWhatPutIfAbsentStored() throws Exception {
        storage.putIfAbsent("wal-archive/x", new ByteArrayInputStream(new byte[] {1, 2, 3}));
        storage.put("wal-archive/x", new ByteArrayInputStream(new byte[] {9}));
        assertArrayEquals(new byte[] {9}, read(storage, "wal-archive/x"));
        assertThrows(FileAlreadyExistsException.class,
                () -> storage.putIfAbsent("wal-archive/x", new ByteArrayInputStream(new byte[] {4})));
        assertArrayEquals(new byte[] {9}, read(storage, "wal-archive/x"));
    }

    /**
     * Two writers race {@code putIfAbsent} of different content on one name, released together: exactly one wins,
     * the other gets {@link FileAlreadyExistsException}, and the stored object is the winner's. Repeated, with
     * content that takes one request and content that takes a multipart upload on S3.
     */
    @Test
    void racingPutIfAbsentHasExactlyOneWinner() throws Exception {
        Assumptions.assumeTrue(atomicCreateIfAbsent(), "this backend cannot create-if-absent atomically");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 6; round++) {
                long size = round % 2 == 0 ? 64 << 10 : 6L << 20;
                race(pool, "wal-archive/race-" + round, size, 100L * round);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private void race(ExecutorService pool, String name, long size, long seed) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<ObjectInfo>> writers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            long contentSeed = seed + w;
            writers.add(pool.submit(() -> {
                start.await();
                return storage.putIfAbsent(name, data(size, contentSeed));
            }));
        }
        start.countDown();
        int winner = -1;
        for (int w = 0; w < 2; w++) {
            try {
                ObjectInfo stored = writers.get(w).get(5, TimeUnit.MINUTES);
                assertEquals(-1, winner, name + ": both writers won");
                assertEquals(size, stored.size());
                winner = w;
            } catch (ExecutionException e) {
                assertInstanceOf(FileAlreadyExistsException.class, e.getCause(), name + ": the loser's failure");
            }
        }
        assertTrue(winner >= 0, name + ": neither writer won");
        assertArrayEquals(digest(data(size, seed + winner)), digest(storage.get(name)), name + ": the winner's content");
    }

    @Test
    void unsafeNamesAreRejected() {
        for (String bad : List.of("../x", "/abs", "a/../b", "a//b", "", "a\\b")) {
            assertThrows(IllegalArgumentException.class, () -> storage.put(bad, new ByteArrayInputStream(new byte[1])),
                    "name \"" + bad + "\"");
            assertThrows(IllegalArgumentException.class,
                    () -> storage.putIfAbsent(bad, new ByteArrayInputStream(new byte[1])), "name \"" + bad + "\"");
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
