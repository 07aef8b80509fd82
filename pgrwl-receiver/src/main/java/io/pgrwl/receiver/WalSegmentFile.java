package io.pgrwl.receiver;

import io.pgrwl.spi.WalFileName;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * One WAL segment being received, written as {@code NAME.partial} exactly as {@code pg_receivewal} does
 * ({@code receivelog.c} {@code open_walfile}/{@code close_walfile}, {@code walmethods.c} {@code dir_open_for_write}):
 * a new file is padded with zeros to the segment size (or, catching up, extended to it: see
 * {@link #open(WalDirectory, WalFileName, int, boolean)}) and fsynced with its directory; an existing one must be empty or
 * exactly one segment long; a complete segment is renamed to {@code NAME} durably.
 *
 * <p>Not thread-safe.
 */
final class WalSegmentFile implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(WalSegmentFile.class.getName());
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

    private final WalDirectory directory;
    private final WalFileName name;
    private final int segmentSize;
    private final FileChannel channel;
    private long position;

    private WalSegmentFile(WalDirectory directory, WalFileName name, int segmentSize, FileChannel channel) {
        this.directory = directory;
        this.name = name;
        this.segmentSize = segmentSize;
        this.channel = channel;
    }

    /**
     * Opens (creating and padding if needed) the {@code .partial} file of a segment, positioned at its start.
     *
     * @throws ReceiverException fatal when an existing file has the wrong size or an fsync fails
     * @throws IOException when the file cannot be created or padded (for example a full disk)
     */
    static WalSegmentFile open(WalDirectory directory, WalFileName segment, int segmentSize)
            throws IOException, ReceiverException {
        return open(directory, segment, segmentSize, false);
    }

    /**
     * Opens (creating if needed) the {@code .partial} file of a segment, positioned at its start.
     *
     * <p>A new file is zero-filled, as {@code pg_receivewal} does, so that the fdatasync after each burst of a live
     * stream writes data blocks only, never block allocations. When the whole segment is already on the server
     * ({@code wholeSegmentFollows}: catching up from a backlog) every byte of it is about to be overwritten in one
     * burst with no fdatasync in between, and zero-filling would double the copying into the page cache (measured:
     * half of the receiver's CPU while catching up). Such a file is extended to its full size without writing (a
     * sparse file: the holes read as zeros), so it is as long as a padded one from the first moment; what is lost is
     * only the early "disk full" at creation: a full disk then fails a later write instead, which the receive loop
     * handles the same way (nothing beyond the last fdatasync is acknowledged).
     *
     * @param wholeSegmentFollows whether the server's end of WAL is at or past this segment's end
     * @throws ReceiverException fatal when an existing file has the wrong size or an fsync fails
     * @throws IOException when the file cannot be created or padded (for example a full disk)
     */
    static WalSegmentFile open(WalDirectory directory, WalFileName segment, int segmentSize,
                               boolean wholeSegmentFollows) throws IOException, ReceiverException {
        WalFileName partial = segment.asPartial();
        Path path = directory.path().resolve(partial.fileName(segmentSize));
        if (Files.exists(path)) {
            long size = Files.size(path);
            if (size == segmentSize) {
                FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE);
                // pg_receivewal fsyncs a reopened file "in case of a previous crash"
                WalDirectory.force(ch, path);
                return new WalSegmentFile(directory, segment, segmentSize, ch);
            }
            if (size < segmentSize && onlyZeros(path)) {
                return completePadding(directory, segment, segmentSize, path, size);
            }
            throw ReceiverException.fatal("WAL file \"" + path + "\" has " + size + " bytes, should be "
                    + segmentSize + " (or fewer, all zero, when a crash interrupted its zero-filling): it was"
                    + " truncated or not written by pgrwl or pg_receivewal. Move it out of main.directory (keep it for"
                    + " inspection) and restart pgrwl; it re-streams the segment.", null);
        }
        FileChannel ch;
        try {
            ch = directory.createPrivateFile(path);
        } catch (IOException e) {
            throw new WalWriteException("create", path, e);
        }
        try {
            if (wholeSegmentFollows) {
                ch.write(ByteBuffer.allocate(1), segmentSize - 1); // the file's length; the holes read as zeros
            } else {
                pad(ch, segmentSize);
            }
            WalDirectory.force(ch, path);
        } catch (IOException e) {
            // a half-padded file would be refused at the next start: remove it, the segment is streamed again
            ch.close();
            Files.deleteIfExists(path);
            throw new WalWriteException("zero-fill (" + segmentSize + " bytes)", path, e);
        }
        directory.fsync();
        return new WalSegmentFile(directory, segment, segmentSize, ch);
    }

    /**
     * A {@code .partial} shorter than a segment and all zeros is one whose zero-filling a crash interrupted (no WAL is
     * written into a file before it is padded and fsynced): finish the padding and go on, as {@code pg_receivewal}
     * does for an empty one. The segment is streamed from its start, so nothing in it is trusted.
     */
    private static WalSegmentFile completePadding(WalDirectory directory, WalFileName segment, int segmentSize,
                                                  Path path, long size) throws IOException, ReceiverException {
        LOG.log(System.Logger.Level.WARNING, "WAL file \"" + path.getFileName() + "\" has " + size + " of "
                + segmentSize + " bytes, all zero: its zero-filling was interrupted (a crash); completing it");
        FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE);
        try {
            pad(ch, size, segmentSize);
            WalDirectory.force(ch, path);
        } catch (IOException e) {
            ch.close();
            throw new WalWriteException("zero-fill (" + segmentSize + " bytes)", path, e);
        }
        directory.fsync();
        return new WalSegmentFile(directory, segment, segmentSize, ch);
    }

    private static boolean onlyZeros(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(64 * 1024);
            while (ch.read(b.clear()) > 0) {
                b.flip();
                while (b.hasRemaining()) {
                    if (b.get() != 0) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private static void pad(FileChannel ch, int segmentSize) throws IOException {
        pad(ch, 0, segmentSize);
    }

    private static void pad(FileChannel ch, long from, int segmentSize) throws IOException {
        long written = from;
        while (written < segmentSize) {
            ByteBuffer zeros = ZEROS.duplicate();
            zeros.limit((int) Math.min(zeros.capacity(), segmentSize - written));
            written += ch.write(zeros, written);
        }
    }

    WalFileName name() {
        return name;
    }

    /** @return the bytes written so far, i.e. the offset of the next byte inside the segment */
    long position() {
        return position;
    }

    void write(byte[] data, int offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(data, offset, length);
        try {
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
        } catch (IOException e) {
            // a copy-on-write file system can run out of space even inside a padded file
            throw new WalWriteException("write to", partialPath(), e);
        }
    }

    /** fdatasync; a failure is fatal and never retried (the kernel may have dropped the dirty pages). */
    void sync() throws ReceiverException {
        WalDirectory.forceOrDie(channel, partialPath());
    }

    /**
     * Fsyncs and closes the file; renames {@code NAME.partial} to {@code NAME} when the segment is complete.
     *
     * @return whether the segment was complete (and renamed)
     */
    boolean closeAndRenameIfComplete() throws ReceiverException, IOException {
        sync();
        channel.close();
        Path partial = partialPath();
        if (position == segmentSize) {
            Path complete = directory.path().resolve(name.fileName(segmentSize));
            Files.move(partial, complete, StandardCopyOption.ATOMIC_MOVE);
            directory.fsync();
            return true;
        }
        LOG.log(System.Logger.Level.INFO, "not renaming \"" + partial.getFileName() + "\", segment is not complete");
        directory.fsync();
        return false;
    }

    private Path partialPath() {
        return directory.path().resolve(name.asPartial().fileName(segmentSize));
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
