package io.pgrwl.server.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.builtin.LocalStorageProvider;
import io.pgrwl.server.builtin.ZstdCodecProvider;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Storage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upload of segments in progress against a real local archive (zstd): uploaded, replaced when the file changes,
 * deleted once the complete segment (or the next timeline's) is archived, and the local-only WAL it reports.
 */
class PartialUploaderTest {

    private static final String SEG = "000000010000000000000005";

    @TempDir
    Path tmp;

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    private static byte[] decoded(Archive archive, Archive.PartialObject p) {
        try (InputStream in = archive.openDecoded(p.object(), p.segment() + "." + p.receiver() + ".partial")) {
            return in.readAllBytes();
        } catch (Exception e) {
            return null;
        }
    }

    @Test
    void theSegmentInProgressIsUploadedReplacedAndDeletedOnceComplete() throws Exception {
        Path wal = Files.createDirectories(tmp.resolve("wal"));
        Storage storage = new LocalStorageProvider().create(new PluginConfig("storage.local",
                Map.of("directory", tmp.resolve("archive").toString()), Set.of()));
        var zstd = new ZstdCodecProvider().create(new PluginConfig("storage.compression", Map.of(), Set.of()));
        Archive archive = new Archive(storage, "", List.of(zstd), Map.of(".zst", zstd));
        Path partial = wal.resolve(SEG + ".partial");
        byte[] first = new byte[64 * 1024]; // the segment size below: only whole segments are uploaded
        first[0] = 1;
        Files.write(partial, first);
        AtomicLong flushed = new AtomicLong(5L * 64 * 1024 + 100);
        AtomicLong timeline = new AtomicLong(1);
        java.util.concurrent.atomic.AtomicBoolean waiting = new java.util.concurrent.atomic.AtomicBoolean(true);
        PartialUploader uploader = new PartialUploader(wal, archive, "node_a", Duration.ofMillis(50),
                () -> new PartialUploader.Flushed(flushed.get(), (int) timeline.get(), 64 * 1024), () -> !waiting.get());
        try {
            Files.write(wal.resolve("000000010000000000000004.partial"), new byte[1000]); // a zero-fill cut short
            await("the first upload", () -> partials(archive).size() == 1
                    && java.util.Arrays.equals(first, decoded(archive, partials(archive).get(0))));
            assertEquals("wal-archive/" + SEG + ".node_a.partial.zst", partials(archive).get(0).object().name());
            long rounds = uploader.rounds() + 2;
            await("two more rounds", () -> uploader.rounds() >= rounds);
            assertEquals(100, uploader.localOnly().bytes(), "a complete segment still waits for the uploader:"
                    + " nothing counts as covered, and before the first covering round the segment in progress is"
                    + " local only");
            waiting.set(false);
            await("nothing local only", () -> uploader.localOnly().bytes() == 0);

            // more WAL flushed: local only until the next upload covers it
            byte[] second = first.clone();
            second[1] = 2;
            Files.write(partial, second);
            Files.setLastModifiedTime(partial, FileTime.from(Instant.now().plusSeconds(5)));
            flushed.addAndGet(1000);
            await("the changed file uploaded over the first", () -> partials(archive).size() == 1
                    && java.util.Arrays.equals(second, decoded(archive, partials(archive).get(0))));
            await("covered again", () -> uploader.localOnly().bytes() == 0);
            assertTrue(uploader.localOnly().lastUpload() != null);

            assertEquals(1, partials(archive).size(), "a file shorter than a segment is never uploaded");
            Files.delete(wal.resolve("000000010000000000000004.partial"));
            // the complete segment is archived: the upload in progress goes
            storage.put("wal-archive/" + SEG + ".zst", new ByteArrayInputStream(new byte[] {1}));
            Files.delete(partial);
            await("the upload deleted", () -> partials(archive).isEmpty());

            // an older timeline's last segment goes once the current timeline's segment of that number is archived
            String old = "000000010000000000000006";
            Files.write(wal.resolve(old + ".partial"), first);
            await("the old timeline's segment uploaded", () -> partials(archive).size() == 1);
            Files.delete(wal.resolve(old + ".partial"));
            timeline.set(2);
            long after = uploader.rounds() + 3;
            await("three more rounds", () -> uploader.rounds() >= after); // nothing on timeline 2 yet: it stays
            assertEquals(1, partials(archive).size(), "kept while the new timeline has no such segment");
            storage.put("wal-archive/000000020000000000000006.zst", new ByteArrayInputStream(new byte[] {1}));
            await("the old timeline's upload deleted", () -> partials(archive).isEmpty());
        } finally {
            uploader.close();
            archive.close();
        }
    }

    private static List<Archive.PartialObject> partials(Archive archive) {
        try {
            return archive.partials(null);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
