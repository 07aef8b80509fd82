package io.pgrwl.server.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256, the one digest pgrwl uses to compare WAL files: what the uploader verifies after a put, what serve mode
 * announces in {@code Repr-Digest} and what {@code pgrwl restore-command} checks. Stateless; thread-safe.
 */
public final class Digests {

    private Digests() {
    }

    /** @return a new SHA-256 digest; never null */
    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK lacks SHA-256, which every Java platform must have", e);
        }
    }

    /**
     * Reads {@code in} to its end and closes it.
     *
     * @return the SHA-256 of what was read; never null
     * @throws IOException when reading fails
     */
    public static byte[] sha256(InputStream in) throws IOException {
        MessageDigest sha = newSha256();
        try (InputStream d = new DigestInputStream(in, sha)) {
            d.transferTo(OutputStream.nullOutputStream());
        }
        return sha.digest();
    }

    /** @return {@code digest} in lower-case hex, for messages; never null */
    public static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }
}
