package io.pgrwl.server.serve;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the WAL file a recovery asks for, as the Go pgrwl does: the complete file in {@code main.directory}; else its
 * {@code .partial} there, served under the final name so the newest WAL (up to the last commit the receiver fsynced)
 * can be restored; else the archive, decoded; else the newest upload of that segment while it was in progress
 * ({@code X-Pgrwl-Source: archive-partial}), for when the receiver's disk is gone.
 *
 * <p>Thread-safe.
 */
public final class WalLookup {

    private final Path directory;
    private final Path scratch;
    private final ArchiveCache archive;
    private final DigestCache digests = new DigestCache();

    /**
     * @param scratch where consistent copies of {@code .partial} files are made
     * @param archive null when no storage is configured
     */
    public WalLookup(Path directory, Path scratch, ArchiveCache archive) {
        this.directory = directory;
        this.scratch = scratch;
        this.archive = archive;
    }

    /**
     * @param name a name accepted by {@link WalRequestName#parse}
     * @return empty only when the file is in none of the places
     * @throws IOException when a place cannot be read now (the answer is then 503, never 404)
     */
    public Optional<ServedFile> find(String name) throws IOException {
        if (name.endsWith(".partial")) {
            return partial(directory.resolve(name));
        }
        try {
            return Optional.of(ServedFile.open(directory.resolve(name), "directory", digests));
        } catch (NoSuchFileException e) {
            // not complete here: maybe still being received, or already archived
        }
        if (WalRequestName.isSegment(name)) {
            Optional<ServedFile> partial = partial(directory.resolve(name + ".partial"));
            if (partial.isPresent()) {
                return partial;
            }
        }
        if (archive == null) {
            return Optional.empty();
        }
        Optional<ServedFile> archived = archive.get(name);
        if (archived.isEmpty() && WalRequestName.isSegment(name)) {
            // the receiver's disk may be gone: what it uploaded of the segment it was receiving
            return archive.partialUpload(name);
        }
        return archived;
    }

    private Optional<ServedFile> partial(Path file) throws IOException {
        try {
            return Optional.of(ServedFile.snapshot(file, scratch, "partial"));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }
}
