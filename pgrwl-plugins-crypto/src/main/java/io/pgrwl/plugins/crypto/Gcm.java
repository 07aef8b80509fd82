package io.pgrwl.plugins.crypto;

import java.io.IOException;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * One AES-256-GCM chunk with the JDK's cipher (AES-NI/CLMUL intrinsics once JIT-compiled; several times faster than a
 * pure-Java AES). Sealing feeds the input in small slices: many short calls get the intrinsic compiled early, while one
 * large call per chunk would run interpreted for the first segments. Opening does not: the JDK's GCM decryption keeps
 * every {@code update} in a growing buffer until {@code doFinal} (it releases no plaintext before the tag is checked),
 * which copied each chunk about three times and made serve mode's garbage collector work (a profile of the recovery
 * benchmark: 27 % of serve's allocation); one {@code doFinal} over the chunk decrypts it in place. Not thread-safe:
 * one per stream.
 */
final class Gcm {

    private static final int SLICE = 8192;

    private final Cipher cipher;
    private final SecretKeySpec key;

    Gcm(byte[] key) throws IOException {
        try {
            this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IOException("AES/GCM is not available in this JVM", e);
        }
        this.key = new SecretKeySpec(key, "AES");
        KeyDerivation.wipe(key);
    }

    /** @return the number of bytes written to {@code out}: {@code length} + 16 */
    int seal(byte[] nonce, byte[] aad, byte[] in, int length, byte[] out) throws IOException {
        return run(Cipher.ENCRYPT_MODE, nonce, aad, in, length, out);
    }

    /**
     * @return the plaintext length
     * @throws IOException when the chunk does not authenticate (tampered, truncated, reordered or wrong password)
     */
    int open(byte[] nonce, byte[] aad, byte[] in, int length, byte[] out) throws IOException {
        return run(Cipher.DECRYPT_MODE, nonce, aad, in, length, out);
    }

    private int run(int mode, byte[] nonce, byte[] aad, byte[] in, int length, byte[] out) throws IOException {
        try {
            cipher.init(mode, key, new GCMParameterSpec(128, nonce));
            if (aad != null) {
                cipher.updateAAD(aad);
            }
            if (mode == Cipher.DECRYPT_MODE) {
                return cipher.doFinal(in, 0, length, out, 0);
            }
            int written = 0;
            int offset = 0;
            while (length - offset > SLICE) {
                written += cipher.update(in, offset, SLICE, out, written);
                offset += SLICE;
            }
            return written + cipher.doFinal(in, offset, length - offset, out, written);
        } catch (AEADBadTagException e) {
            throw new IOException("authentication failed", e);
        } catch (GeneralSecurityException e) {
            throw new IOException("AES-GCM failed: " + e.getMessage(), e);
        }
    }
}
