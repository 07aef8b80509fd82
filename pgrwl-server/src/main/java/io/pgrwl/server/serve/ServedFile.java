package io.pgrwl.server.serve;

import io.pgrwl.server.support.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * One WAL file ready to be sent: an open channel whose content was hashed through that same channel, so the length and
 * SHA-256 announced in the headers are exactly what is sent, even if the path is renamed or removed meanwhile.
 *
 * <p>Not thread-safe: one request owns it and closes it.
 */
public final class ServedFile implements AutoCloseable {

    private static final int CHUNK = 256 * 1024;

    private final FileChannel channel;
    private final long length;
    private final byte[] sha256;
    private final String origin;

    private ServedFile(FileChannel channel, long length, byte[] sha256, String origin) {
        this.channel = channel;
        this.length = length;
        this.sha256 = sha256;
        this.origin = origin;
    }

    /**
     * Opens a file that does not change while it is open (a complete WAL file, a cache entry) and hashes it.
     *
     * @param origin where it comes from, for the {@code X-Pgrwl-Source} header and the log
     */
    static ServedFile open(Path file, String origin) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return hash(channel, origin);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static ServedFile hash(FileChannel channel, String origin) throws IOException {
        MessageDigest sha = Digests.newSha256();
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        long length = 0;
        for (int n; (n = channel.read(buffer, length)) > 0; length += n) {
            sha.update(buffer.flip());
            buffer.clear();
        }
        return new ServedFile(channel, length, sha.digest(), origin);
    }

    /**
     * Opens a complete WAL file of {@code main.directory}, taking its digest from {@code digests} when the file is
     * the one hashed before: the same identity before and after opening (so the open channel is that file) and
     * {@code channel.size()} equal to the remembered size.
     */
    static ServedFile open(Path file, String origin, DigestCache digests) throws IOException {
        DigestCache.Identity before = DigestCache.identify(file);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            DigestCache.Identity after = DigestCache.identify(file);
            boolean stable = before.equals(after) && channel.size() == after.size();
            if (stable) {
                java.util.Optional<byte[]> sha = digests.get(file, after);
                if (sha.isPresent()) {
                    return new ServedFile(channel, after.size(), sha.get(), origin);
                }
            }
            ServedFile hashed = hash(channel, origin);
            if (stable && hashed.length == after.size()) {
                digests.put(file, after, hashed.sha256);
            }
            return hashed;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Opens a file whose content and digest are known from when it was written (an archive cache entry), without
     * hashing it again, if it still has the identity it had then, before and after opening.
     *
     * @return empty when the file changed (another inode, size or modification time)
     */
    static java.util.Optional<ServedFile> openUnchanged(Path file, String origin, DigestCache.Identity identity,
                                                        long length, byte[] sha256) throws IOException {
        if (!DigestCache.identify(file).equals(identity)) {
            return java.util.Optional.empty();
        }
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            if (!DigestCache.identify(file).equals(identity) || channel.size() != length) {
                channel.close();
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(new ServedFile(channel, length, sha256.clone(), origin));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Copies a file that may be written meanwhile (a {@code .partial} the receiver is appending to) into an unlinked
     * file in {@code scratch}, so what is sent is one consistent snapshot.
     */
    static ServedFile snapshot(Path file, Path scratch, String origin) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return copyOf(in, scratch, origin);
        }
    }

    /** Copies a stream (a decoded archive object) into an unlinked file in {@code scratch}. */
    static ServedFile copyOf(InputStream in, Path scratch, String origin) throws IOException {
        Path temp = Files.createTempFile(scratch, "snapshot-", ".pgrwl-tmp");
        try {
            FileChannel channel = FileChannel.open(temp, StandardOpenOption.READ, StandardOpenOption.WRITE);
            try {
                MessageDigest sha = Digests.newSha256();
                long length = 0;
                byte[] buffer = new byte[CHUNK];
                for (int n; (n = in.read(buffer)) > 0; length += n) {
                    sha.update(buffer, 0, n);
                    channel.write(ByteBuffer.wrap(buffer, 0, n), length);
                }
                return new ServedFile(channel, length, sha.digest(), origin);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } finally {
            Files.deleteIfExists(temp); // the open channel keeps the data until it is closed
        }
    }

    public long length() {
        return length;
    }

    byte[] sha256Bytes() {
        return sha256.clone();
    }

    public String origin() {
        return origin;
    }

    /** @return the {@code Repr-Digest} header value (RFC 9530): {@code sha-256=:<base64>:} */
    public String reprDigest() {
        return "sha-256=:" + Base64.getEncoder().encodeToString(sha256) + ":";
    }

    /** Sends exactly {@link #length()} bytes; an IOException means the peer got less than announced. */
    public void sendTo(OutputStream out) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        long sent = 0;
        while (sent < length) {
            buffer.clear().limit((int) Math.min(CHUNK, length - sent));
            int n = channel.read(buffer, sent);
            if (n <= 0) {
                throw new IOException("the file shrank while it was being sent (" + sent + " of " + length
                        + " bytes)");
            }
            out.write(buffer.array(), 0, n);
            sent += n;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
