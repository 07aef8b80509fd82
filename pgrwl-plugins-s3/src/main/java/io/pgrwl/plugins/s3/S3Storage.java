package io.pgrwl.plugins.s3;

import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.ObjectNames;
import io.pgrwl.spi.Storage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * One bucket. A put is one PutObject when the content fits in one part, else a multipart upload with equal parts
 * (some S3-compatible servers require that), aborted on failure; either way the object appears whole or not at all.
 * The returned ETag is checked against the MD5 computed while sending (plain MD5, or MD5 of part MD5s "-N").
 * Thread-safe: the SDK client is.
 */
final class S3Storage implements Storage {

    private final S3Client s3;
    private final String bucket;
    private final int partSize;

    S3Storage(S3Client s3, String bucket, int partSize) {
        this.s3 = s3;
        this.bucket = bucket;
        this.partSize = partSize;
    }

    /**
     * Runs one S3 request. Connection-level failures (a pooled keep-alive connection the server already closed reaches
     * us as an {@link java.io.UncheckedIOException}, which the SDK does not retry) are retried twice on a fresh
     * connection: every request body here is buffered and every write is atomic, so a retry is safe. Anything that
     * still fails becomes an {@link IOException} naming the operation.
     */
    private <T> T call(String what, java.util.function.Supplier<T> request) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return request.get();
            } catch (NoSuchKeyException e) {
                throw e;
            } catch (java.io.UncheckedIOException | software.amazon.awssdk.core.exception.SdkClientException e) {
                if (attempt == 3) {
                    throw new IOException("S3 " + what + " failed: " + e.getMessage(), e);
                }
            } catch (SdkException e) {
                throw new IOException("S3 " + what + " failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public ObjectInfo put(String name, InputStream content) throws IOException {
        String key = ObjectNames.requireSafe(name);
        byte[] first = content.readNBytes(partSize);
        if (first.length < partSize) {
            String etag = call("put of \"" + key + "\" into bucket \"" + bucket + "\"",
                    () -> s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(first)).eTag());
            verify(key, etag, HexFormat.of().formatHex(md5(first)));
            return new ObjectInfo(name, first.length, java.time.Instant.now(), Optional.of(unquote(etag)));
        }
        return multipart(key, first, content);
    }

    private ObjectInfo multipart(String key, byte[] first, InputStream content) throws IOException {
        String uploadId = call("put of \"" + key + "\" (start multipart)",
                () -> s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId());
        try {
            List<CompletedPart> parts = new ArrayList<>();
            ByteArrayOutputStream partMd5s = new ByteArrayOutputStream();
            long size = 0;
            byte[] part = first;
            while (part.length > 0) {
                int number = parts.size() + 1;
                byte[] body = part;
                String etag = call("put of \"" + key + "\" part " + number, () -> s3.uploadPart(b -> b.bucket(bucket)
                        .key(key).uploadId(uploadId).partNumber(number), RequestBody.fromBytes(body)).eTag());
                byte[] md5 = md5(body);
                verify(key + " part " + number, etag, HexFormat.of().formatHex(md5));
                partMd5s.write(md5);
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
                size += body.length;
                part = content.readNBytes(partSize);
            }
            String etag = call("put of \"" + key + "\" (complete multipart)", () -> s3.completeMultipartUpload(
                    b -> b.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts))).eTag());
            verify(key, etag, HexFormat.of().formatHex(md5(partMd5s.toByteArray())) + "-" + parts.size());
            return new ObjectInfo(key, size, java.time.Instant.now(), Optional.of(unquote(etag)));
        } catch (IOException | RuntimeException e) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
            } catch (RuntimeException abort) {
                e.addSuppressed(abort);
            }
            throw e;
        }
    }

    /** Compares the ETag with our MD5 when it is one (servers with SSE-KMS or their own ETags return something else). */
    private static void verify(String what, String etag, String expected) throws IOException {
        String tag = unquote(etag);
        if (tag.matches("[0-9a-f]{32}(-\\d+)?") && !tag.equals(expected)) {
            throw new IOException("S3 checksum mismatch for \"" + what + "\": sent MD5 " + expected + ", server reports "
                    + tag + "; the data was changed in transit");
        }
    }

    private static String unquote(String etag) {
        return etag == null ? "" : etag.replace("\"", "").toLowerCase(java.util.Locale.ROOT);
    }

    private static byte[] md5(byte[] data) {
        try {
            return MessageDigest.getInstance("MD5").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public InputStream get(String name) throws IOException {
        String key = ObjectNames.requireSafe(name);
        try {
            return call("get of \"" + key + "\"", () -> s3.getObject(b -> b.bucket(bucket).key(key)));
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException(key, null, "no such object in bucket " + bucket);
        }
    }

    @Override
    public Optional<ObjectInfo> stat(String name) throws IOException {
        String key = ObjectNames.requireSafe(name);
        try {
            HeadObjectResponse head = call("head of \"" + key + "\"", () -> s3.headObject(b -> b.bucket(bucket).key(key)));
            return Optional.of(new ObjectInfo(name, head.contentLength(), head.lastModified(),
                    Optional.ofNullable(head.eTag()).map(S3Storage::unquote)));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (e.getCause() instanceof S3Exception s3e && s3e.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        List<ObjectInfo> objects = call("list of \"" + prefix + "\"", () -> {
            List<ObjectInfo> found = new ArrayList<>();
            for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
                found.add(new ObjectInfo(o.key(), o.size(), o.lastModified(), Optional.ofNullable(o.eTag())
                        .map(S3Storage::unquote)));
            }
            return found;
        });
        objects.sort(java.util.Comparator.comparing(ObjectInfo::name));
        return objects;
    }

    @Override
    public void delete(String name) throws IOException {
        String key = ObjectNames.requireSafe(name);
        call("delete of \"" + key + "\"", () -> s3.deleteObject(b -> b.bucket(bucket).key(key)));
    }

    @Override
    public void close() {
        s3.close();
    }
}
