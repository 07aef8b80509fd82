package io.pgrwl.server.backup;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.support.Digests;
import io.pgrwl.spi.ObjectInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * An object written as a stream: the bytes written are encoded with the archive's codecs (compression, then
 * encryption) and go, through a pipe, into a {@code putIfAbsent} that runs on its own thread. Nothing is staged on
 * disk; memory is the pipe (256 KiB), the codecs' buffers and the storage's own (an S3 multipart part).
 *
 * <p>{@link #close} completes the object: it returns once the storage has stored it durably, and throws when it did
 * not. {@link #abort} makes the put fail, so no object appears. The storage never takes an aborted or unfinished
 * stream for a complete object: its end of stream comes only after {@link #close} finished the codecs. One thread
 * writes; not thread-safe.
 */
final class EncodedUpload extends OutputStream {

    private static final int PIPE = 256 * 1024;

    private final String objectName;
    private final PipedOutputStream pipeOut;
    private final OutputStream encoded;
    private final MessageDigest sha = Digests.newSha256();
    private final Thread putter;
    private volatile boolean complete;
    private volatile boolean aborted;
    private volatile ObjectInfo stored;
    private volatile IOException failure;
    private long plainBytes;
    private boolean closed;

    private EncodedUpload(Archive archive, String objectName) throws IOException {
        this.objectName = objectName;
        PipedInputStream pipeIn = new PipedInputStream(PIPE);
        this.pipeOut = new PipedOutputStream(pipeIn);
        InputStream content = new CompletionCheckedInput(pipeIn);
        this.putter = Thread.ofPlatform().daemon().name("backup-put").start(() -> {
            try (content) {
                stored = archive.storage().putIfAbsent(objectName, content);
            } catch (IOException e) {
                failure = e;
            } catch (RuntimeException e) {
                failure = new IOException(e.toString(), e);
            }
        });
        // the codecs close their sink when they are closed: keep the pipe open until the object is marked complete,
        // or the storage would read the end of the stream first and fail the put
        this.encoded = archive.encode(new java.io.FilterOutputStream(pipeOut) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                pipeOut.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                pipeOut.flush();
            }
        });
    }

    /** Starts the put of {@code objectName} (the stored name, with the codecs' suffixes). */
    static EncodedUpload start(Archive archive, String objectName) throws IOException {
        return new EncodedUpload(archive, objectName);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (failure != null) {
            throw new IOException("storing " + objectName + " failed: " + failure.getMessage(), failure);
        }
        sha.update(b, off, len);
        plainBytes += len;
        try {
            encoded.write(b, off, len);
        } catch (IOException e) {
            throw failure != null ? new IOException("storing " + objectName + " failed: " + failure.getMessage(),
                    failure) : e;
        }
    }

    /** Finishes the codecs, waits for the storage, and throws unless the object is stored. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            encoded.close(); // the codecs' last bytes (a zstd frame end, the last GCM chunk and tag)
            complete = true;
        } finally {
            pipeOut.close();
            join();
        }
        if (failure != null) {
            throw new IOException("storing " + objectName + " failed: " + failure.getMessage(), failure);
        }
    }

    /** Makes the put fail and waits for it: no object appears. Idempotent, never throws. */
    void abort() {
        if (closed) {
            return;
        }
        closed = true;
        aborted = true;
        try {
            pipeOut.close();
        } catch (IOException e) {
            // the reader sees the end of stream and, as the upload is aborted, fails the put
        }
        try {
            join();
        } catch (IOException e) {
            // interrupted: the put thread ends by itself, failing its put
        }
    }

    private void join() throws IOException {
        try {
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

    /** @return the SHA-256 of the bytes written (before encoding), lower-case hex; only after {@link #close} */
    String plainSha256() {
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The pipe as the storage reads it: its end is an end only once the writer completed the object. */
    private final class CompletionCheckedInput extends InputStream {
        private final PipedInputStream in;

        CompletionCheckedInput(PipedInputStream in) {
            this.in = in;
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
            if (n < 0 && (aborted || !complete)) {
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
}
