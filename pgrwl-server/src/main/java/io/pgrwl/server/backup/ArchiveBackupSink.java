package io.pgrwl.server.backup;

import io.pgrwl.receiver.BaseBackupSink;
import io.pgrwl.receiver.BaseBackupStart;
import io.pgrwl.server.archive.Archive;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts a base backup's parts into the archive as PostgreSQL sends them: {@code backups/<id>/base.tar<suffixes>}, one
 * {@code <oid>.tar<suffixes>} per tablespace, {@code backup_manifest<suffixes>} byte-exact, each a streaming
 * {@link EncodedUpload}. Checks the lease before each part, so a backup whose lease was taken over stops. Used by the
 * backup's one thread.
 */
final class ArchiveBackupSink implements BaseBackupSink {

    private static final System.Logger LOG = System.getLogger(ArchiveBackupSink.class.getName());

    private final Archive archive;
    private final BackupId id;
    private final BackupLease lease;
    private final BackupProgress progress;
    private final List<BackupMarker.Part> parts = new ArrayList<>();
    private EncodedUpload current;
    private BaseBackupStart start;
    private long lastLog;
    private boolean begun;

    ArchiveBackupSink(Archive archive, BackupId id, BackupLease lease, BackupProgress progress) {
        this.archive = archive;
        this.id = id;
        this.lease = lease;
        this.progress = progress;
    }

    /** The record a backup leaves as soon as it began, so that one whose process is killed is listed failed. */
    static final String STARTED = "started.json";

    @Override
    public void started(BaseBackupStart start) throws IOException {
        this.start = start;
        lease.stillHeld();
        EncodedUpload record = EncodedUpload.start(archive, partObject(STARTED));
        try (record) {
            record.write(io.pgrwl.server.support.Json.object().put("id", id.value())
                    .put("start_lsn", start.startLsn().value()).put("timeline_id", start.startTimeline())
                    .put("system_identifier", start.systemIdentifier()).toString()
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            record.abort();
            throw e;
        }
        begun = true;
        LOG.log(System.Logger.Level.INFO, "base backup " + id + " started at " + lsn(start.startLsn().value())
                + " on timeline " + start.startTimeline() + (start.estimatedBytes() >= 0 ? ", about "
                + start.estimatedBytes() / (1 << 20) + " MiB" : "") + (start.tablespaces().isEmpty() ? ""
                : ", " + start.tablespaces().size() + " tablespace(s)"));
    }

    @Override
    public OutputStream openArchive(String archiveName, String tablespacePath) throws IOException {
        if (!archiveName.matches("base\\.tar|[0-9]{1,10}\\.tar")) {
            throw new IOException("the server sent an archive named \"" + archiveName + "\"; pgrwl expects base.tar"
                    + " and <oid>.tar (a server that compresses on its side is not supported)");
        }
        return open(archiveName);
    }

    @Override
    public OutputStream openManifest() throws IOException {
        return open("backup_manifest");
    }

    private OutputStream open(String plainName) throws IOException {
        lease.stillHeld();
        EncodedUpload upload = EncodedUpload.start(archive, partObject(plainName));
        current = upload;
        return new FilterOutputStream(upload) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                upload.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                upload.close();
                current = null;
                parts.add(new BackupMarker.Part(plainName, upload.plainBytes(), upload.stored().size(),
                        upload.plainCrc32c()));
            }
        };
    }

    @Override
    public void progress(long bytesDone, long bytesTotal) {
        progress.update(bytesDone, bytesTotal);
        long now = System.nanoTime();
        if (now - lastLog > 10_000_000_000L) {
            lastLog = now;
            LOG.log(System.Logger.Level.INFO, "base backup " + id + ": " + progress.describe());
        }
    }

    @Override
    public void notice(String message) {
        // "WAL archiving is not enabled; you must ensure that all required WAL segments are copied through other
        // means": pgrwl's own stream is that means, and the catalog checks the archive for them
        LOG.log(System.Logger.Level.DEBUG, "base backup " + id + ": the server says: " + message);
    }

    /** Aborts the part being stored, if any: it does not appear. */
    void abort() {
        if (current != null) {
            current.abort();
            current = null;
        }
    }

    String partObject(String plainName) {
        return archive.backupPrefix() + id + "/" + plainName + archive.writeSuffixes();
    }

    /** @return whether the backup left anything in the archive (its started record) */
    boolean begun() {
        return begun;
    }

    List<BackupMarker.Part> parts() {
        return List.copyOf(parts);
    }

    BaseBackupStart start() {
        return start;
    }

    static String lsn(long value) {
        return Long.toHexString(value >>> 32).toUpperCase() + "/" + Long.toHexString(value & 0xFFFFFFFFL).toUpperCase();
    }
}
