package io.pgrwl.server.upload;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.support.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;

/**
 * A local WAL file, encoded (compressed, encrypted) by a helper thread and read as a stream by the storage's put.
 * Nothing is staged on disk: when uploads fall behind and the disk fills, uploading is what frees space, so it must
 * not need space itself.
 *
 * <p>End of stream is reported only after the whole file was read and every codec finished; if reading or encoding
 * failed, the read that would have ended the stream throws instead, so a storage never mistakes a failed encoding for a
 * complete object. Used by one thread; {@link #close} stops the helper.
 */
final class EncodingPipe extends InputStream {

    private static final int BUFFER = 256 * 1024;

    private final Path file;
    private final PipedInputStream pipe;
    private final MessageDigest sha;
    private final Thread encoder;
    private volatile Throwable failure;
    private long encodedBytes;
    private boolean ended;

    private EncodingPipe(Path file, Archive archive) throws IOException {
        this.file = file;
        this.pipe = new PipedInputStream(BUFFER);
        this.sha = Digests.newSha256();
        PipedOutputStream sink = new PipedOutputStream(pipe);
        InputStream plain = new DigestInputStream(Files.newInputStream(file), sha);
        this.encoder = Thread.ofPlatform().name("encode-" + file.getFileName()).daemon(true).start(() -> {
            try (plain; OutputStream encoded = archive.encode(sink)) {
                plain.transferTo(encoded);
            } catch (Throwable t) {
                failure = t;
                closeQuietly(sink);
            }
        });
    }

    /** Starts encoding {@code file} with the archive's codecs. */
    static EncodingPipe start(Path file, Archive archive) throws IOException {
        return new EncodingPipe(file, archive);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = pipe.read(b, off, len);
        if (n < 0) {
            awaitEncoder();
            ended = true;
            return -1;
        }
        encodedBytes += n;
        return n;
    }

    private void awaitEncoder() throws IOException {
        try {
            encoder.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while encoding " + file);
        }
        Throwable t = failure;
        if (t != null) {
            throw new IOException("encoding " + file + " failed: " + t, t);
        }
    }

    /** @return how many encoded bytes were read; the object's size once the stream ended */
    long encodedBytes() {
        return encodedBytes;
    }

    /**
     * @return the SHA-256 of the local file's content
     * @throws IllegalStateException before the stream ended
     */
    byte[] plainSha256() {
        if (!ended) {
            throw new IllegalStateException("the stream of " + file + " has not ended");
        }
        return sha.digest();
    }

    @Override
    public void close() throws IOException {
        pipe.close(); // a helper still writing fails with "Pipe closed" and ends
        try {
            encoder.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(OutputStream out) {
        try {
            out.close();
        } catch (IOException e) {
            // the reader learns of the failure from the recorded cause
        }
    }

}
