package io.pgrwl.plugins.s3;

import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.ObjectNames;
import io.pgrwl.spi.Storage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkException;
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
 *
 * <p>{@link #putIfAbsent} sends {@code If-None-Match: *} with the PutObject or the CompleteMultipartUpload, so the
 * server decides atomically; {@link #open} first checks that the server honours it and otherwise falls back to a
 * look-up before the put, with a warning. Retries are the SDK's (configured by {@link S3StorageProvider}); nothing
 * here retries. Thread-safe: the SDK client is.
 */
final class S3Storage implements Storage {

    private static final System.Logger LOG = System.getLogger(S3Storage.class.getName());
    /**
     * The user metadata key ({@code x-amz-meta-pgrwl-put-id}) holding a random id of the put that stored an object,
     * by which a put that the SDK had to resend recognises that its earlier attempt did store the object.
     */
    private static final String PUT_ID = "pgrwl-put-id";
    /** Where the start-up check of conditional writes puts its object; a temporary name, so never listed. */
    private static final String PROBE_PREFIX = ".pgrwl-probe/";

    private final S3Client s3;
    private final String bucket;
    private final int partSize;
    /** Whether the server honours If-None-Match; false: putIfAbsent looks before it puts (not atomic). */
    private final boolean atomicCreate;

    private S3Storage(S3Client s3, String bucket, int partSize, boolean atomicCreate) {
        this.s3 = s3;
        this.bucket = bucket;
        this.partSize = partSize;
        this.atomicCreate = atomicCreate;
    }

    /**
     * A storage of {@code bucket}, after checking once whether the server honours conditional writes: it creates a
     * probe object, tries to create it again with {@code If-None-Match: *} by a PutObject and by a multipart upload,
     * and deletes it. A server that accepts either (it ignores the header) or rejects the header itself is used in
     * fallback mode, with a warning.
     *
     * @param endpoint the server's URL, for messages
     * @throws IOException when the check cannot be made for another reason than missing write permission
     */
    static S3Storage open(S3Client s3, String bucket, int partSize, String endpoint) throws IOException {
        S3Storage conditional = new S3Storage(s3, bucket, partSize, true);
        Optional<String> ignored = conditional.probeConditionalWrites(endpoint);
        if (ignored.isEmpty()) {
            return conditional;
        }
        LOG.log(System.Logger.Level.WARNING, "The S3 server at " + endpoint + " ignores conditional writes ("
                + ignored.get() + "). pgrwl looks for an existing object before each upload instead, which is not "
                + "atomic: two receivers writing to bucket \"" + bucket + "\" could overwrite each other's objects. "
                + "Run a single receiver per bucket, or use a server that honours If-None-Match: * on PutObject and "
                + "CompleteMultipartUpload (AWS S3 does)");
        return new S3Storage(s3, bucket, partSize, false);
    }

    /** @return whether {@link #putIfAbsent} is decided atomically by the server (for tests) */
    boolean atomicCreateIfAbsent() {
        return atomicCreate;
    }

    /** @return empty when the server refuses conditional re-creation both ways; else what it did instead */
    private Optional<String> probeConditionalWrites(String endpoint) throws IOException {
        String key = PROBE_PREFIX + ObjectNames.temporaryFileName("if-none-match");
        try {
            try {
                putObject(key, PartBody.of(probe(1)), true);
            } catch (IOException e) {
                if (e.getCause() instanceof S3Exception s3e && s3e.statusCode() == 403) {
                    LOG.log(System.Logger.Level.INFO, "cannot check whether the S3 server at " + endpoint + " honours "
                            + "conditional writes: writing to bucket \"" + bucket + "\" is not allowed ("
                            + s3e.getMessage() + "); assuming it does (uploads will fail until writing is allowed)");
                    return Optional.empty();
                }
                if (e.getCause() instanceof S3Exception s3e && (s3e.statusCode() == 400 || s3e.statusCode() == 501)) {
                    return Optional.of("it rejects If-None-Match: * on PutObject with HTTP " + s3e.statusCode());
                }
                throw new IOException("cannot check whether the S3 server at " + endpoint + " honours conditional "
                        + "writes: " + e.getMessage(), e);
            }
            if (!refusedAgain(() -> putObject(key, PartBody.of(probe(2)), true))) {
                return Optional.of("a second PutObject with If-None-Match: * replaced the existing object");
            }
            if (!refusedAgain(() -> multipart(key, PartBody.of(probe(3)), InputStream.nullInputStream(), true))) {
                return Optional.of("a CompleteMultipartUpload with If-None-Match: * replaced the existing object");
            }
            return Optional.empty();
        } finally {
            deleteProbe(key);
        }
    }

    private static byte[] probe(int attempt) {
        return ("pgrwl checks that If-None-Match is honoured (" + attempt + "); deleted right away\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private interface Write {
        ObjectInfo run() throws IOException;
    }

    /** @return whether {@code write} of an existing object was refused as such */
    private static boolean refusedAgain(Write write) throws IOException {
        try {
            write.run();
            return false;
        } catch (FileAlreadyExistsException expected) {
            return true;
        } catch (IOException e) {
            if (e.getCause() instanceof S3Exception s3e && (s3e.statusCode() == 400 || s3e.statusCode() == 501)) {
                return false; // rejects the header: no atomic create either
            }
            throw e;
        }
    }

    private void deleteProbe(String key) {
        try {
            delete(key);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not delete the probe object \"" + key + "\" from bucket \""
                    + bucket + "\" (" + e.getMessage() + "); it is never listed by pgrwl and can be deleted by hand");
        }
    }

    /**
     * Runs one S3 request: the SDK retries what is worth retrying (see {@link S3StorageProvider}), so whatever
     * reaches here is final. Every SDK exception becomes an {@link IOException} naming the operation, with the SDK's
     * exception as its cause (callers look there for {@link NoSuchKeyException} or a status code), or an
     * {@link InterruptedIOException} when the thread was interrupted.
     */
    private static <T> T call(String what, Supplier<T> request) throws IOException {
        try {
            return request.get();
        } catch (SdkException | UncheckedIOException e) {
            // UncheckedIOException: the URL-connection client's, should one escape IoRetryableHttpClient
            throw failed(what, e);
        }
    }

    private static IOException failed(String what, RuntimeException e) {
        if (e instanceof AbortedException || Thread.currentThread().isInterrupted()) {
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted = new InterruptedIOException("S3 " + what + " was interrupted");
            interrupted.initCause(e);
            return interrupted;
        }
        return new IOException("S3 " + what + " failed: " + e.getMessage(), e);
    }

    /**
     * Sends a write that answers with an ETag (PutObject, CompleteMultipartUpload), {@code If-None-Match: *} with it
     * when {@code ifAbsent}. An ambiguous answer is resolved: when the SDK had to resend the request (an earlier
     * attempt failed on our side, which does not mean the server did not store it), a 412 PreconditionFailed or a 404
     * NoSuchUpload may be the server's answer to our own earlier attempt, so the object is looked at, and if it carries
     * this put's {@link #PUT_ID}, the earlier attempt stored it and this is a success. Otherwise 412 becomes
     * {@link FileAlreadyExistsException} and 409 ConditionalRequestConflict (a concurrent write or delete of the name
     * got in the way) {@link ConditionalConflict}, which {@link #putIfAbsent} resolves.
     *
     * @return the ETag of the stored object
     */
    private String write(String key, String what, String putId, boolean ifAbsent, Supplier<String> request)
            throws IOException {
        try {
            return call(what, request);
        } catch (IOException e) {
            if (!(e.getCause() instanceof S3Exception s3e)) {
                // No answer at all, after the SDK's retries: an attempt may still have stored it. s3proxy does that
                // when it has read the whole body and answers before the client has written the chunked encoding's
                // last bytes: the client sees a broken connection, and a resend meets the stored object and is cut
                // the same way. The object carrying this put's id says it landed. (A plain put needs no look: its
                // caller retries it, and a resend replaces the object.)
                if (ifAbsent && !(e instanceof java.io.InterruptedIOException)) {
                    Optional<HeadObjectResponse> head;
                    try {
                        head = head(key);
                    } catch (IOException unreachable) {
                        e.addSuppressed(unreachable);
                        throw e;
                    }
                    if (head.isPresent() && putId.equals(head.get().metadata().get(PUT_ID))) {
                        LOG.log(System.Logger.Level.DEBUG, "S3 " + what + ": the connection failed, but an attempt"
                                + " stored it: " + e.getMessage());
                        return head.get().eTag();
                    }
                }
                throw e;
            }
            boolean refused = ifAbsent && s3e.statusCode() == 412;
            boolean uploadGone = s3e.statusCode() == 404 && "NoSuchUpload".equals(errorCode(s3e));
            if ((refused || uploadGone) && s3e.numAttempts() != null && s3e.numAttempts() > 1) {
                Optional<HeadObjectResponse> head = head(key);
                if (head.isPresent() && putId.equals(head.get().metadata().get(PUT_ID))) {
                    return head.get().eTag();
                }
            }
            if (refused) {
                throw exists(key, "the server refused the conditional write (412 PreconditionFailed)", e);
            }
            if (ifAbsent && s3e.statusCode() == 409 && "ConditionalRequestConflict".equals(errorCode(s3e))) {
                throw new ConditionalConflict(e);
            }
            throw e;
        }
    }

    private static String errorCode(S3Exception e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    /** A conditional write met a concurrent write or delete of the same name (HTTP 409); the object may exist. */
    private static final class ConditionalConflict extends IOException {
        private static final long serialVersionUID = 1L;

        ConditionalConflict(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private FileAlreadyExistsException exists(String key, String how, Exception cause) {
        FileAlreadyExistsException e = new FileAlreadyExistsException(key, null, "an object of that name already "
                + "exists in bucket \"" + bucket + "\"; it was left as it was (" + how + ")");
        e.initCause(cause);
        return e;
    }

    @Override
    public ObjectInfo put(String name, InputStream content) throws IOException {
        return store(ObjectNames.requireSafe(name), content, false);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Atomic through {@code If-None-Match: *} unless {@link #open} found the server ignoring it. When the SDK
     * resends the request because an attempt failed on our side after the server had stored the object (s3proxy does
     * that to about one PUT in twenty), the resend is refused; the put recognises its own object by its
     * {@link #PUT_ID} and succeeds, so of two racing writers still exactly one wins.
     */
    @Override
    public ObjectInfo putIfAbsent(String name, InputStream content) throws IOException {
        String key = ObjectNames.requireSafe(name);
        if (!atomicCreate) {
            // the server ignores If-None-Match (warned at start-up): two writers may both find nothing here
            if (stat(key).isPresent()) {
                throw exists(key, "found before the upload", null);
            }
            return store(key, content, false);
        }
        try {
            return store(key, content, true);
        } catch (ConditionalConflict e) {
            if (stat(key).isPresent()) {
                throw exists(key, "a concurrent write of that name won (409 ConditionalRequestConflict)", e);
            }
            throw new IOException("S3 put of \"" + key + "\" into bucket \"" + bucket + "\" met a concurrent write or "
                    + "delete of that name (409 ConditionalRequestConflict) and stored nothing; try again", e);
        }
    }

    private ObjectInfo store(String key, InputStream content, boolean ifAbsent) throws IOException {
        PartBody first = PartBody.read(content, partSize);
        if (first.length() < partSize) {
            return putObject(key, first, ifAbsent);
        }
        return multipart(key, first, content, ifAbsent);
    }

    /** @return user metadata naming one put, so that the put can recognise the object it stored (see {@link #write}) */
    private static Map<String, String> putId() {
        return Map.of(PUT_ID, UUID.randomUUID().toString());
    }

    private ObjectInfo putObject(String key, PartBody body, boolean ifAbsent) throws IOException {
        String what = "put of \"" + key + "\" into bucket \"" + bucket + "\"";
        Map<String, String> id = putId();
        String etag = write(key, what, id.get(PUT_ID), ifAbsent, () -> s3.putObject(b -> b.bucket(bucket).key(key)
                .metadata(id).ifNoneMatch(ifAbsent ? "*" : null), body.requestBody()).eTag());
        verify(key, etag, HexFormat.of().formatHex(body.md5()));
        return new ObjectInfo(key, body.length(), java.time.Instant.now(), Optional.of(unquote(etag)));
    }

    /**
     * Uploads {@code first}, then the rest of {@code content} in parts of {@link #partSize(int, int)}, and completes the
     * upload (with {@code If-None-Match: *} when {@code ifAbsent}). However that fails (the content stream, a part, the
     * completion, an interrupt), the upload is aborted, so its parts are dropped and nothing appears.
     */
    private ObjectInfo multipart(String key, PartBody first, InputStream content, boolean ifAbsent)
            throws IOException {
        Map<String, String> id = putId();
        String uploadId = call("put of \"" + key + "\" (start multipart)",
                () -> s3.createMultipartUpload(b -> b.bucket(bucket).key(key).metadata(id)).uploadId());
        List<CompletedPart> parts = new ArrayList<>();
        ByteArrayOutputStream partMd5s = new ByteArrayOutputStream();
        long size = 0;
        String etag;
        try {
            for (PartBody part = first; part.length() > 0;
                    part = PartBody.read(content, partSize(partSize, parts.size() + 1))) {
                parts.add(uploadPart(key, uploadId, parts.size() + 1, part, partMd5s));
                size += part.length();
            }
            etag = write(key, "put of \"" + key + "\" (complete multipart)", id.get(PUT_ID), ifAbsent,
                    () -> s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                            .multipartUpload(m -> m.parts(parts)).ifNoneMatch(ifAbsent ? "*" : null)).eTag());
        } catch (Throwable e) {
            abort(key, uploadId, e);
            throw e;
        }
        verify(key, etag, HexFormat.of().formatHex(md5(partMd5s.toByteArray())) + "-" + parts.size());
        return new ObjectInfo(key, size, java.time.Instant.now(), Optional.of(unquote(etag)));
    }

    /**
     * S3 allows 10,000 parts per upload: the configured size for the first 2,000, then doubled every 2,000 parts (up
     * to 32 times and at most 1 GiB, what a Java array holds comfortably), so an object of unknown length (a base backup
     * streamed as it arrives) can reach 62,000 × the configured size (about 1.9 TiB at 32 MiB) while memory stays one
     * part.
     *
     * @param configured {@code part_size_mb} in bytes
     * @param partNumber 1 to 10,000
     */
    static int partSize(int configured, int partNumber) {
        int doublings = Math.min(5, (partNumber - 1) / PARTS_PER_SIZE);
        return (int) Math.max(configured, Math.min(MAX_PART, (long) configured << doublings));
    }

    static final int PARTS_PER_SIZE = 2000;
    private static final long MAX_PART = 1L << 30;

    private CompletedPart uploadPart(String key, String uploadId, int number, PartBody body,
            ByteArrayOutputStream md5s) throws IOException {
        String etag = call("put of \"" + key + "\" part " + number, () -> s3.uploadPart(b -> b.bucket(bucket)
                .key(key).uploadId(uploadId).partNumber(number), body.requestBody()).eTag());
        byte[] md5 = body.md5();
        verify(key + " part " + number, etag, HexFormat.of().formatHex(md5));
        md5s.write(md5, 0, md5.length);
        return CompletedPart.builder().partNumber(number).eTag(etag).build();
    }

    /**
     * Aborts a multipart upload, even when the thread was interrupted (that is how many puts fail): the interrupt is
     * set aside for the abort request and set again after it.
     */
    private void abort(String key, String uploadId, Throwable failure) {
        boolean interrupted = Thread.interrupted();
        try {
            call("abort of the multipart upload of \"" + key + "\"",
                    () -> s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)));
        } catch (IOException | RuntimeException abort) {
            // the parts stay invisible (no object appears) until the bucket's lifecycle rule drops the upload
            failure.addSuppressed(abort);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
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
        return PartBody.newMd5().digest(data);
    }

    @Override
    public InputStream get(String name) throws IOException {
        String key = ObjectNames.requireSafe(name);
        String what = "get of \"" + key + "\"";
        try {
            return new ReadFailuresAsIo(call(what, () -> s3.getObject(b -> b.bucket(bucket).key(key))), what);
        } catch (IOException e) {
            if (e.getCause() instanceof NoSuchKeyException) {
                NoSuchFileException missing = new NoSuchFileException(key, null, "no such object in bucket " + bucket);
                missing.initCause(e);
                throw missing;
            }
            throw e;
        }
    }

    /**
     * A download whose SDK failures while reading (a response checksum that does not match, with
     * {@code checksums: when_supported}) are {@link IOException}s like its network failures.
     */
    private static final class ReadFailuresAsIo extends java.io.FilterInputStream {
        private final String what;

        ReadFailuresAsIo(InputStream in, String what) {
            super(in);
            this.what = what;
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (SdkException | UncheckedIOException e) {
                throw failed(what, e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (SdkException | UncheckedIOException e) {
                throw failed(what, e);
            }
        }
    }

    @Override
    public Optional<ObjectInfo> stat(String name) throws IOException {
        return head(ObjectNames.requireSafe(name)).map(head -> new ObjectInfo(name, head.contentLength(),
                head.lastModified(), Optional.ofNullable(head.eTag()).map(S3Storage::unquote)));
    }

    private Optional<HeadObjectResponse> head(String key) throws IOException {
        try {
            return Optional.of(call("head of \"" + key + "\"", () -> s3.headObject(b -> b.bucket(bucket).key(key))));
        } catch (IOException e) {
            if (e.getCause() instanceof S3Exception s3e && s3e.statusCode() == 404) {
                return Optional.empty(); // NoSuchKeyException, or a bare 404 (a HEAD answer has no error code)
            }
            throw e;
        }
    }

    /** {@inheritDoc} Skips temporary names, such as the start-up probe's object while it exists. */
    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        List<ObjectInfo> objects = call("list of \"" + prefix + "\"", () -> {
            List<ObjectInfo> found = new ArrayList<>();
            for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
                if (!ObjectNames.isTemporary(o.key().substring(o.key().lastIndexOf('/') + 1))) {
                    found.add(new ObjectInfo(o.key(), o.size(), o.lastModified(), Optional.ofNullable(o.eTag())
                            .map(S3Storage::unquote)));
                }
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
