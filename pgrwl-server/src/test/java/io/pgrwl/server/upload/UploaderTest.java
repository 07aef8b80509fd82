package io.pgrwl.server.upload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.builtin.LocalStorageProvider;
import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Storage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The uploader against a real local archive directory; failures injected by a decorator around it. */
class UploaderTest {

    @TempDir
    Path tmp;

    private static final String SEG1 = "000000010000000000000001";
    private static final String SEG2 = "000000010000000000000002";

    private Storage local() throws IOException {
        return new LocalStorageProvider().create(new PluginConfig("storage.local",
                Map.of("directory", tmp.resolve("archive").toString()), Set.of()));
    }

    private Path wal() throws IOException {
        return Files.createDirectories(tmp.resolve("wal"));
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20); // polling interval of the condition
        }
    }

    @Test
    void submittingNeverWaitsForTheUploadersLock() throws Exception {
        Path dir = wal();
        Files.write(dir.resolve(SEG1), new byte[] {1});
        try (Uploader uploader = new Uploader(dir, new Archive(local(), "", List.of(), Map.of()), 1,
                Duration.ofHours(1))) {
            await("the scan's file archived", () -> uploader.uploaded() == 1);
            Files.write(dir.resolve(SEG2), new byte[] {2});
            java.util.concurrent.CountDownLatch submitted = new java.util.concurrent.CountDownLatch(1);
            // the receive loop hands over a completed segment while a worker or the scan holds the lock
            uploader.whileLocked(() -> {
                Thread receiveLoop = Thread.ofPlatform().start(() -> {
                    uploader.submit(dir.resolve(SEG2));
                    submitted.countDown();
                });
                try {
                    assertTrue(submitted.await(30, java.util.concurrent.TimeUnit.SECONDS),
                            "submit waited for the uploader's lock: " + receiveLoop.getState());
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            await("the submitted segment archived once the lock is free", () -> uploader.uploaded() == 2);
            assertEquals(0, uploader.waiting());
        }
    }

    @Test
    void identicalReuploadIsAcceptedAndDifferentContentIsNeverOverwritten() throws Exception {
        Path dir = wal();
        Storage storage = local();
        storage.put("wal-archive/" + SEG1, new ByteArrayInputStream(new byte[] {1, 2, 3}));
        storage.put("wal-archive/" + SEG2, new ByteArrayInputStream(new byte[] {7, 7, 7}));
        Files.write(dir.resolve(SEG1), new byte[] {1, 2, 3});
        Files.write(dir.resolve(SEG2), new byte[] {9, 9, 9});
        try (Uploader uploader = new Uploader(dir, new Archive(storage, "", List.of(), Map.of()), 2,
                Duration.ofMillis(100))) {
            await("the identical segment's local copy is removed", () -> !Files.exists(dir.resolve(SEG1)));
            await("the conflict is noticed", () -> uploader.conflicts() == 1);
            assertEquals(1, uploader.backlog().files(), "the conflicting file stays in the backlog");
            assertTrue(Files.exists(dir.resolve(SEG2)), "the local file with different content is kept");
        }
        try (Storage check = local(); InputStream in = check.get("wal-archive/" + SEG2)) {
            assertArrayEquals(new byte[] {7, 7, 7}, in.readAllBytes(), "the archived object is not overwritten");
        }
    }

    @Test
    void failedUploadsAreRetriedUntilTheyLandInWalOrder() throws Exception {
        Path dir = wal();
        AtomicInteger failuresLeft = new AtomicInteger(2);
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        Storage flaky = new Flaky(local(), failuresLeft, order);
        Files.write(dir.resolve(SEG2), new byte[] {2});
        Files.write(dir.resolve(SEG1), new byte[] {1});
        Files.write(dir.resolve(SEG1 + ".partial"), new byte[] {0});
        Files.write(dir.resolve("notes.txt"), new byte[] {0});
        try (Uploader uploader = new Uploader(dir, new Archive(flaky, "", List.of(), Map.of()), 1,
                Duration.ofMillis(100))) {
            await("both segments archived", () -> uploader.uploaded() == 2);
            assertEquals(2, uploader.failures(), "two injected failures, retried");
        }
        assertEquals(List.of("wal-archive/" + SEG1, "wal-archive/" + SEG2), order, "uploaded in WAL order");
        assertTrue(Files.exists(dir.resolve(SEG1 + ".partial")), ".partial files are never uploaded or removed");
        assertTrue(Files.exists(dir.resolve("notes.txt")), "foreign files are never uploaded or removed");
        assertTrue(!Files.exists(dir.resolve(SEG1)) && !Files.exists(dir.resolve(SEG2)));
    }

    /** Real local storage whose first puts fail, as a storage that is down would. */
    private record Flaky(Storage real, AtomicInteger failuresLeft, List<String> order) implements Storage {
        @Override
        public ObjectInfo put(String name, InputStream content) throws IOException {
            if (failuresLeft.getAndDecrement() > 0) {
                throw new IOException("injected: storage unavailable");
            }
            order.add(name);
            return real.put(name, content);
        }

        @Override
        public ObjectInfo putIfAbsent(String name, InputStream content) throws IOException {
            if (failuresLeft.getAndDecrement() > 0) {
                throw new IOException("injected: storage unavailable");
            }
            order.add(name);
            return real.putIfAbsent(name, content);
        }

        @Override
        public InputStream get(String name) throws IOException {
            return real.get(name);
        }

        @Override
        public Optional<ObjectInfo> stat(String name) throws IOException {
            return real.stat(name);
        }

        @Override
        public List<ObjectInfo> list(String prefix) throws IOException {
            return real.list(prefix);
        }

        @Override
        public void delete(String name) throws IOException {
            real.delete(name);
        }

        @Override
        public void close() throws IOException {
            real.close();
        }
    }
}
