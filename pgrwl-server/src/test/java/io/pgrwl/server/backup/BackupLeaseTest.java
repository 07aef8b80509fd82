package io.pgrwl.server.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.builtin.LocalStorageProvider;
import io.pgrwl.spi.PluginConfig;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backup lease over a real local archive: who holds it for what, and a backup meeting a retention run. */
class BackupLeaseTest {

    @TempDir
    Path tmp;

    private Archive archive;

    @BeforeEach
    void open() throws Exception {
        archive = new Archive(new LocalStorageProvider().create(new PluginConfig("storage.local",
                Map.of("directory", tmp.resolve("archive").toString()), Set.of())), "", List.of(), Map.of());
    }

    @AfterEach
    void close() throws Exception {
        archive.close();
    }

    private BackupRunner runner() {
        return new BackupRunner(archive, null, null, Clock.systemUTC());
    }

    @Test
    void aLeaseSaysWhatItIsHeldFor() throws Exception {
        BackupId id = BackupId.startingAt(Instant.now());
        try (BackupLease lease = BackupLease.acquire(archive, id, BackupLease.Purpose.RETENTION, Clock.systemUTC(),
                h -> { }).orElseThrow()) {
            BackupLease.Holder holder = BackupLease.read(archive).orElseThrow();
            assertEquals(BackupLease.Purpose.RETENTION, holder.purpose());
            assertEquals(id.value(), holder.backupId());
            AtomicReference<BackupLease.Holder> other = new AtomicReference<>();
            assertTrue(BackupLease.acquire(archive, BackupId.startingAt(Instant.now()), BackupLease.Purpose.BACKUP,
                    Clock.systemUTC(), other::set).isEmpty(), "a live lease is not taken twice");
            assertEquals(holder, other.get());
        }
        assertTrue(BackupLease.read(archive).isEmpty(), "closing deletes the lease");
    }

    @Test
    void aLeaseWithoutAPurposeIsABackups() throws Exception {
        archive.storage().put(archive.backupPrefix() + BackupLease.NAME, new ByteArrayInputStream(
                ("{\"holder\":\"elsewhere:1/x\",\"backup_id\":\"20261124120000-abcdef\",\"expires_at\":\""
                        + Instant.now().plusSeconds(60) + "\"}").getBytes(StandardCharsets.UTF_8)));
        BackupLease.Holder holder = BackupLease.read(archive).orElseThrow();
        assertEquals(BackupLease.Purpose.BACKUP, holder.purpose());
        BackupRunner.AlreadyRunning refused = assertThrows(BackupRunner.AlreadyRunning.class,
                () -> runner().takeLease());
        assertTrue(refused.getMessage().contains("base backup 20261124120000-abcdef by elsewhere:1/x"),
                refused.getMessage());
    }

    @Test
    void aBackupWaitsForARetentionRunInsteadOfFailing() throws Exception {
        BackupLease retention = BackupLease.acquire(archive, BackupId.startingAt(Instant.now()),
                BackupLease.Purpose.RETENTION, Clock.systemUTC(), h -> { }).orElseThrow();
        AtomicReference<Thread> waiter = new AtomicReference<>();
        CompletableFuture<BackupLease> backup = CompletableFuture.supplyAsync(() -> {
            waiter.set(Thread.currentThread());
            try {
                return runner().takeLease();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // the backup is polling the lease (sleeping between looks), not failed
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (waiter.get() == null || waiter.get().getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < deadline, "the backup never waited");
            assertTrue(!backup.isDone(), "the backup did not wait for the retention run: " + backup);
            Thread.onSpinWait();
        }
        assertTrue(!backup.isDone());
        retention.close();
        try (BackupLease lease = backup.get(30, TimeUnit.SECONDS)) {
            BackupLease.Holder holder = BackupLease.read(archive).orElseThrow();
            assertEquals(BackupLease.Purpose.BACKUP, holder.purpose());
            assertEquals(lease.backup().value(), holder.backupId());
        }
    }
}
