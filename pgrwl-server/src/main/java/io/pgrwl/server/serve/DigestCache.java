package io.pgrwl.server.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SHA-256 digests of complete WAL files in {@code main.directory}, remembered by file identity (device and inode),
 * size and modification time, so a file asked for again (a restore retried, several standbys, a prefetcher racing
 * PostgreSQL) is not read twice. Complete WAL files are never written in place, so identity, size and mtime change
 * whenever content does. A file modified in the last {@value #RACY_SECONDS} seconds is not remembered: a write within
 * the timestamp's granularity after hashing could otherwise go unseen (git's "racy clean" case).
 *
 * <p>Thread-safe. Bounded: forgets everything past {@value #MAX_ENTRIES} entries.
 */
final class DigestCache {

    static final int MAX_ENTRIES = 4096;
    static final int RACY_SECONDS = 2;

    /** What a digest was computed from. */
    record Identity(Object fileKey, long size, Instant modified) {
        static Identity of(BasicFileAttributes a) {
            return new Identity(a.fileKey(), a.size(), a.lastModifiedTime().toInstant());
        }
    }

    private record Known(Identity identity, byte[] sha256) {
    }

    private final Map<Path, Known> known = new ConcurrentHashMap<>();

    /** @return the file's identity now, read from the path (not from an open channel: Java has no fstat) */
    static Identity identify(Path file) throws IOException {
        return Identity.of(Files.readAttributes(file, BasicFileAttributes.class));
    }

    /** @return the digest computed earlier for exactly this identity */
    Optional<byte[]> get(Path file, Identity identity) {
        Known k = known.get(file);
        return k != null && k.identity().equals(identity) && identity.fileKey() != null ? Optional.of(
                k.sha256().clone()) : Optional.empty();
    }

    void put(Path file, Identity identity, byte[] sha256) {
        if (identity.fileKey() == null || identity.modified().isAfter(Instant.now().minus(Duration.ofSeconds(
                RACY_SECONDS)))) {
            return;
        }
        if (known.size() >= MAX_ENTRIES) {
            known.clear();
        }
        known.put(file, new Known(identity, sha256.clone()));
    }
}
