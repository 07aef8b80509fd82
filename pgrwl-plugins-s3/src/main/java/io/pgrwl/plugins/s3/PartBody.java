package io.pgrwl.plugins.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Up to one part (or one whole small object) of a put, read from the content stream into chunks of at most
 * {@value #CHUNK} bytes, with its MD5 computed as it is read.
 *
 * <p>Why chunks: S3 needs each request's length before its first byte, and our content (an encoded WAL file, a base
 * backup's tar) is a stream of unknown length, so a part has to be held in memory. Held as chunks and handed to the SDK
 * as a {@link RequestBody#fromContentProvider content provider} that re-reads them (for the SDK's retries), a part
 * costs its own size plus at most one chunk; {@code InputStream.readNBytes} followed by {@code RequestBody.fromBytes}
 * (which copies) cost three times its size at the peak. With four upload workers putting 16 MiB segments, that
 * difference is most of the receive process's heap.
 *
 * <p>Not thread-safe; its content must not change once read (the SDK may read it again on a retry).
 */
final class PartBody {

    static final int CHUNK = 1024 * 1024;

    private final List<byte[]> chunks;
    private final long length;
    private final byte[] md5;

    private PartBody(List<byte[]> chunks, long length, byte[] md5) {
        this.chunks = chunks;
        this.length = length;
        this.md5 = md5;
    }

    /**
     * Reads at most {@code limit} bytes; blocks on {@code content}.
     *
     * @return the bytes read; fewer than {@code limit} only at the end of {@code content}, and then possibly none
     */
    static PartBody read(InputStream content, long limit) throws IOException {
        MessageDigest digest = newMd5();
        List<byte[]> chunks = new ArrayList<>();
        long length = 0;
        while (length < limit) {
            byte[] chunk = content.readNBytes((int) Math.min(CHUNK, limit - length));
            if (chunk.length == 0) {
                break;
            }
            digest.update(chunk);
            chunks.add(chunk);
            length += chunk.length;
            if (chunk.length < CHUNK && length < limit) {
                break; // readNBytes returns less only at the end of the stream
            }
        }
        return new PartBody(List.copyOf(chunks), length, digest.digest());
    }

    /** @return a body for the same bytes, for callers that have them as one array (the conditional-write probe) */
    static PartBody of(byte[] bytes) {
        MessageDigest digest = newMd5();
        digest.update(bytes);
        return new PartBody(bytes.length == 0 ? List.of() : List.of(bytes.clone()), bytes.length, digest.digest());
    }

    long length() {
        return length;
    }

    /** @return the MD5 of the content (a fresh copy) */
    byte[] md5() {
        return md5.clone();
    }

    /** @return a request body that reads the chunks again each time the SDK asks (a retry starts from the start) */
    RequestBody requestBody() {
        return RequestBody.fromContentProvider(this::stream, length, "application/octet-stream");
    }

    private InputStream stream() {
        List<InputStream> parts = new ArrayList<>(chunks.size());
        for (byte[] chunk : chunks) {
            parts.add(new java.io.ByteArrayInputStream(chunk));
        }
        return new SequenceInputStream(Collections.enumeration(parts));
    }

    static MessageDigest newMd5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no MD5, which S3 ETags need", e);
        }
    }
}
