package io.pgrwl.server.backup;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.spi.ObjectInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.function.BooleanSupplier;
import java.util.zip.CRC32C;

/**
 * An object written as a stream: the bytes written go through a pipe to an encoder thread (compression, then
 * encryption, the archive's codecs), and through a second pipe into a {@code putIfAbsent} on a third thread. So the
 * thread that reads the server's stream never waits for compression: on two cores, reading and compressing run side
 * by side. Nothing is staged on disk; memory is the two pipes (256 KiB each), the codecs' buffers and the storage's own
 * (an S3 multipart part).
 *
 * <p>{@link #close} completes the object: it returns once the storage has stored it durably, and throws when it did
 * not. {@link #abort} makes the put fail, so no object appears. The storage never takes an aborted or unfinished
 * stream for a complete object: each pipe's end counts as an end only after its writer finished. One thread writes;
 * not thread-safe.
 */
final class EncodedUpload extends OutputStream {

    private static final int PIPE = 256 * 1024;

    private final String objectName;
    private final PipedOutputStream plainOut;
    // CRC32C, not SHA-256: on 2 cores a SHA-256 of every byte halved backup throughput (bench/run.sh backup); the
    // check is for damage, and tampering is the encryption's to detect (AES-GCM authenticates every chunk)
    private final CRC32C crc = new CRC32C();
    private final Thread encoder;
    private final Thread putter;
    private volatile boolean complete;
    private volatile boolean encoded;
    private volatile boolean aborted;
    private volatile ObjectInfo stored;
    private volatile IOException failure;
    private long plainBytes;
    private boolean closed;

    private EncodedUpload(Archive archive, String objectName) throws IOException {
        this.objectName = objectName;
        PipedInputStream plainIn = new PipedInputStream(PIPE);
        this.plainOut = new PipedOutputStream(plainIn);
        PipedInputStream encodedIn = new PipedInputStream(PIPE);
        PipedOutputStream encodedOut = new PipedOutputStream(encodedIn);
        InputStream plain = new CompletionChecked(plainIn, () -> complete && !aborted);
        InputStream content = new CompletionChecked(encodedIn, () -> encoded);
        this.putter = Thread.ofPlatform().daemon().name("backup-put").start(() -> {
            try (content) {
                stored = archive.storage().putIfAbsent(objectName, content);
            } catch (IOException e) {
                fail(e);
            } catch (RuntimeException e) {
                fail(new IOException(e.toString(), e));
            }
        });
        this.encoder = Thread.ofPlatform().daemon().name("backup-encode").start(() -> {
            // the codecs close their sink when they are closed: the pipe is closed only after "encoded" is set, or
            // the storage would read the end of the stream first and fail the put
            try (plain; OutputStream codecs = archive.encode(new NonClosing(encodedOut))) {
                plain.transferTo(codecs);
            } catch (IOException | RuntimeException e) {
                fail(e instanceof IOException io ? io : new IOException(e.toString(), e));
                closeQuietly(encodedOut);
                return;
            }
            encoded = true;
            closeQuietly(encodedOut);
        });
    }

    /** Starts the put of {@code objectName} (the stored name, with the codecs' suffixes). */
    static EncodedUpload start(Archive archive, String objectName) throws IOException {
        return new EncodedUpload(archive, objectName);
    }

    private void fail(IOException e) {
        if (failure == null) {
            failure = e;
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (failure != null) {
            throw failed();
        }
        crc.update(b, off, len);
        plainBytes += len;
        try {
            plainOut.write(b, off, len);
        } catch (IOException e) {
            throw failure != null ? failed() : e;
        }
    }

    private IOException failed() {
        return new IOException("storing " + objectName + " failed: " + failure.getMessage(), failure);
    }

    /** Ends the stream, waits for the encoder and the storage, and throws unless the object is stored. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        complete = true;
        plainOut.close();
        join();
        if (failure != null) {
            throw failed();
        }
    }

    /** Makes the put fail and waits for it: no object appears. Idempotent, never throws. */
    void abort() {
        if (closed) {
            return;
        }
        closed = true;
        aborted = true;
        closeQuietly(plainOut); // the encoder reads an end it must not take for one, and fails; so does the put
        try {
            join();
        } catch (IOException e) {
            // interrupted: the threads end by themselves, failing the put
        }
    }

    private void join() throws IOException {
        try {
            encoder.join();
            putter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while " + objectName + " was being stored");
        }
    }

    /** @return what the storage stored; only after {@link #close} returned */
    ObjectInfo stored() {
        return stored;
    }

    /** @return bytes written (before encoding) */
    long plainBytes() {
        return plainBytes;
    }

    /** @return the CRC-32C of the bytes written (before encoding), 8 lower-case hex digits */
    String plainCrc32c() {
        return String.format("%08x", crc.getValue());
    }

    private static void closeQuietly(OutputStream out) {
        try {
            out.close();
        } catch (IOException e) {
            // the reader side is gone: its thread reports its own failure
        }
    }

    /** A pipe as its reader sees it: its end is an end only once {@code finished} says the writer completed it. */
    private final class CompletionChecked extends InputStream {
        private final PipedInputStream in;
        private final BooleanSupplier finished;

        CompletionChecked(PipedInputStream in, BooleanSupplier finished) {
            this.in = in;
            this.finished = finished;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n < 0 && !finished.getAsBoolean()) {
                throw new IOException("the base backup stream of " + objectName + " ended before it was complete"
                        + " (the backup failed or was stopped)");
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** The codecs' sink: their close() flushes, the pipe is closed by the encoder thread itself. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
