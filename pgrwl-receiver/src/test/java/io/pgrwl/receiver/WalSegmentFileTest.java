package io.pgrwl.receiver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.spi.WalFileName;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a crash can leave of a {@code .partial}, and what opening it again does. */
class WalSegmentFileTest {

    private static final int SEGMENT = 1 << 20;
    private static final WalFileName NAME = new WalFileName(1, 5, false);

    @TempDir
    Path dir;

    private Path partial() {
        return dir.resolve(NAME.asPartial().fileName(SEGMENT));
    }

    @Test
    void anEmptyPartialLeftBetweenCreateAndZeroFillIsPaddedAndUsed() throws Exception {
        Files.createFile(partial());
        try (WalSegmentFile f = WalSegmentFile.open(WalDirectory.open(dir), NAME, SEGMENT)) {
            assertEquals(0, f.position(), "written from the segment's start");
        }
        assertEquals(SEGMENT, Files.size(partial()));
    }

    @Test
    void aPartialWhoseZeroFillWasCutShortIsCompleted() throws Exception {
        Files.write(partial(), new byte[SEGMENT / 3]);
        try (WalSegmentFile f = WalSegmentFile.open(WalDirectory.open(dir), NAME, SEGMENT)) {
            byte[] wal = {1, 2, 3, 4};
            f.write(wal, 0, wal.length);
            f.sync();
        }
        byte[] content = Files.readAllBytes(partial());
        assertEquals(SEGMENT, content.length);
        assertArrayEquals(new byte[] {1, 2, 3, 4}, java.util.Arrays.copyOf(content, 4));
        assertTrue(java.util.stream.IntStream.range(4, SEGMENT).allMatch(i -> content[i] == 0), "the rest is zero");
    }

    @Test
    void aShortPartialWithDataInItIsRefusedWithAdvice() throws Exception {
        byte[] data = new byte[SEGMENT / 2];
        data[1000] = 7;
        Files.write(partial(), data);
        ReceiverException e = assertThrows(ReceiverException.class,
                () -> WalSegmentFile.open(WalDirectory.open(dir), NAME, SEGMENT));
        assertTrue(e.fatal());
        assertTrue(e.getMessage().contains("Move it out of main.directory"), e.getMessage());
        assertEquals(SEGMENT / 2, Files.size(partial()), "the file is left as it was, for inspection");
    }

    @Test
    void aLongerFileIsRefused() throws Exception {
        Files.write(partial(), new byte[SEGMENT + 1]);
        assertTrue(assertThrows(ReceiverException.class,
                () -> WalSegmentFile.open(WalDirectory.open(dir), NAME, SEGMENT)).fatal());
    }

    /** @return the blocks the file system allocated to the file, as stat(1) reports them (512-byte units) */
    private static long allocatedBlocks(Path file) throws Exception {
        Process stat = new ProcessBuilder("stat", "--format=%b", file.toString()).redirectErrorStream(true).start();
        String out = new String(stat.getInputStream().readAllBytes()).strip();
        assertEquals(0, stat.waitFor(), out);
        return Long.parseLong(out);
    }

    @Test
    void aNewSegmentIsZeroFilledWhileStreamingLiveAndExtendedWithoutWritingWhenItFollowsWhole() throws Exception {
        try (WalSegmentFile f = WalSegmentFile.open(WalDirectory.open(dir), NAME, SEGMENT, false)) {
            assertEquals(0, f.position());
        }
        assertEquals(SEGMENT, Files.size(partial()));
        assertTrue(allocatedBlocks(partial()) * 512 >= SEGMENT, "zero-filled: every block written");
        Files.delete(partial());

        try (WalSegmentFile f = WalSegmentFile.open(WalDirectory.open(dir), NAME, SEGMENT, true)) {
            byte[] wal = {9, 8, 7};
            f.write(wal, 0, wal.length);
            f.sync();
        }
        assertEquals(SEGMENT, Files.size(partial()), "as long as a padded file from the start");
        assertTrue(allocatedBlocks(partial()) * 512 < SEGMENT / 2, "not zero-filled: "
                + allocatedBlocks(partial()) + " blocks allocated");
        byte[] content = Files.readAllBytes(partial());
        assertArrayEquals(new byte[] {9, 8, 7}, java.util.Arrays.copyOf(content, 3));
        assertTrue(java.util.stream.IntStream.range(3, SEGMENT).allMatch(i -> content[i] == 0), "the rest reads 0");
        // and a restart finds a file of the right size, reopened as it is
        try (WalSegmentFile f = WalSegmentFile.open(WalDirectory.open(dir), NAME, SEGMENT, false)) {
            assertEquals(0, f.position());
        }
        assertEquals(SEGMENT, Files.size(partial()));
    }
}
