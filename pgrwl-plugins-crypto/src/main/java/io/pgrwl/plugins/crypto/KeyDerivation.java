package io.pgrwl.plugins.crypto;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * Argon2id (memory-hard, slow on purpose) with a cache, so that a process derives a password's key once per salt and
 * parameters instead of once per object; HKDF-SHA256 (fast) for per-object keys. Thread-safe.
 */
final class KeyDerivation {

    /** Refuse headers asking for absurd work: they could only come from corrupt or hostile input. */
    static final int MAX_MEMORY_KIB = 1 << 20;
    static final int MAX_ITERATIONS = 16;
    static final int MAX_PARALLELISM = 16;
    private static final int CACHE_ENTRIES = 64;
    private static final KeyDerivation SHARED = new KeyDerivation();

    private final Map<String, byte[]> cache = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };

    private final java.util.concurrent.Semaphore working = new java.util.concurrent.Semaphore(1);

    /** How many Argon2id derivations ran (not served from the cache); for tests and diagnostics. */
    final java.util.concurrent.atomic.AtomicInteger derivations = new java.util.concurrent.atomic.AtomicInteger();

    static KeyDerivation shared() {
        return SHARED;
    }

    /** @return a 32-byte Argon2id (version 1.3) key, computed once per (password, salt, parameters) */
    byte[] argon2id(byte[] password, byte[] salt, int iterations, int memoryKib, int parallelism) {
        String id = HexFormat.of().formatHex(sha256(password)) + ":" + HexFormat.of().formatHex(salt) + ":"
                + iterations + ":" + memoryKib + ":" + parallelism;
        synchronized (cache) {
            byte[] cached = cache.get(id);
            if (cached != null) {
                return cached.clone();
            }
        }
        return derive(id, password, salt, iterations, memoryKib, parallelism);
    }

    /**
     * @return a 32-byte Argon2id (version 1.3) key that is not cached: for a salt used once (the Go pgrwl's AEADv1
     *     format derives a key per object)
     */
    byte[] argon2idOnce(byte[] password, byte[] salt, int iterations, int memoryKib, int parallelism) {
        return derive(null, password, salt, iterations, memoryKib, parallelism);
    }

    /**
     * One derivation at a time per process: each holds {@code memoryKib} of heap (64 MiB for AEADv1), so four upload
     * workers deriving at once would need four times that; one after the other they cost time, not memory. Threads
     * that waited for the same cached key find it once they get their turn: serve mode's read-ahead opens eight objects
     * of one writer at once, and each used to derive the same key again (a profile: eight 64 MiB derivations at the
     * start of a recovery).
     *
     * @param cacheId the key's cache entry, or null for a key not to cache
     */
    private byte[] derive(String cacheId, byte[] password, byte[] salt, int iterations, int memoryKib,
                          int parallelism) {
        working.acquireUninterruptibly();
        boolean derived = false;
        try {
            if (cacheId != null) {
                synchronized (cache) {
                    byte[] cached = cache.get(cacheId);
                    if (cached != null) {
                        return cached.clone();
                    }
                }
            }
            derived = true;
            derivations.incrementAndGet();
            byte[] key = generate(password, salt, iterations, memoryKib, parallelism);
            if (cacheId != null) {
                synchronized (cache) {
                    cache.put(cacheId, key.clone());
                }
            }
            return key;
        } finally {
            working.release();
            if (derived) {
                releaseDerivationMemory();
            }
        }
    }

    /**
     * In a method of its own so that the generator and its memory are unreachable once it returns: a local of the
     * caller's frame stays a root until the frame ends (always so in the interpreter), and the collection asked for
     * after a derivation then found all 64 MiB live (GC log of the catch-up benchmark: 77 MiB before, 76 MiB after).
     */
    private static byte[] generate(byte[] password, byte[] salt, int iterations, int memoryKib, int parallelism) {
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13).withIterations(iterations)
                .withMemoryAsKB(memoryKib).withParallelism(parallelism).withSalt(salt).build());
        byte[] key = new byte[32];
        generator.generateBytes(password, key);
        return key;
    }

    /**
     * A constant expression on purpose: {@link #SHARED} is built during this class's static initialisation, before any
     * static field computed at run time is set, and a minute read as 0 there made the shared instance's first minute
     * (when a receiver derives its key) ask for no collection at all (profile of the catch-up benchmark: the 64 MiB
     * stayed in the old generation for the life of the process).
     */
    private static final long COLLECT_AT_MOST_EVERY_NANOS = 60L * 1_000_000_000L;
    /** No collection asked for yet. */
    private static final long NEVER = Long.MIN_VALUE;
    private final java.util.concurrent.atomic.AtomicLong lastCollection = new java.util.concurrent.atomic.AtomicLong(
            NEVER);
    /** How many collections were asked for; for tests. */
    final java.util.concurrent.atomic.AtomicInteger collectionsRequested = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * The derivation's memory (64 MiB by default) is garbage now, most of it promoted to the old generation, which a
     * receiver's steady allocation never fills: without a full collection it would stay committed and resident for the
     * life of the process. One collection lets the heap shrink back (the launcher's {@code MaxHeapFreeRatio}) and
     * returns those pages to the kernel. At most one a minute: reading the Go pgrwl's AEADv1 objects derives a key per
     * object, and a collection per object would cost more than it gives back.
     */
    private void releaseDerivationMemory() {
        long now = System.nanoTime();
        long last = lastCollection.get();
        if ((last == NEVER || now - last >= COLLECT_AT_MOST_EVERY_NANOS) && lastCollection.compareAndSet(last, now)) {
            collectionsRequested.incrementAndGet();
            System.gc();
        }
    }

    /** @return 32 bytes of HKDF-SHA256(ikm, salt, info) */
    static byte[] hkdf(byte[] ikm, byte[] salt, byte[] info) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(ikm, salt, info));
        byte[] out = new byte[32];
        hkdf.generateBytes(out, 0, out.length);
        return out;
    }

    private static byte[] sha256(byte[] data) {
        SHA256Digest d = new SHA256Digest();
        d.update(data, 0, data.length);
        byte[] out = new byte[32];
        d.doFinal(out, 0);
        return out;
    }

    static void wipe(byte[] key) {
        Arrays.fill(key, (byte) 0);
    }
}
