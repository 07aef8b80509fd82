package io.pgrwl.server.backup;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.support.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * One base backup at a time across every process that shares an archive (the CLI, the daemon, the other receiver of
 * a pair): a lease object {@code backups/lease.json} created with {@code putIfAbsent}, naming its holder, the backup it
 * covers and when it expires, renewed by the holder every {@link #RENEW_EVERY}. A lease past its expiry belongs to a
 * process that died, and so does one whose holder is a process of this host that is gone: the next taker deletes it
 * and creates its own. The object holds no secret and is not encoded, so
 * an operator can read it.
 *
 * <p>The takeover of an expired lease is a look then a delete then a create: two takers racing for the same expired
 * lease are still decided by the create, but one may delete the other's fresh lease in the moment between; the
 * renewal finds that out ({@link #stillHeld}) and the backup that lost stops. Thread-safe.
 */
final class BackupLease implements AutoCloseable {

    static final Duration TTL = Duration.ofSeconds(60);
    static final Duration RENEW_EVERY = Duration.ofSeconds(15);
    static final String NAME = "lease.json";

    private final Archive archive;
    private final String objectName;
    private final String holder;
    private final BackupId backup;
    private final Purpose purpose;
    private final Clock clock;
    private final ScheduledExecutorService renewer;
    private volatile IOException lost;

    private BackupLease(Archive archive, String holder, BackupId backup, Purpose purpose, Clock clock) {
        this.archive = archive;
        this.objectName = archive.leasePrefix() + NAME;
        this.holder = holder;
        this.backup = backup;
        this.purpose = purpose;
        this.clock = clock;
        this.renewer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                .name("backup-lease").unstarted(r));
    }

    /**
     * What the lease is held for. A retention run holds it for the seconds its listing and deletes take, and a
     * backup that meets it waits for it rather than failing; a backup meeting a backup is refused.
     */
    enum Purpose {
        BACKUP, RETENTION;

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** @return the purpose a lease object names; a lease without one (older objects) is a backup's */
        static Purpose of(Object wire) {
            return "retention".equals(wire) ? RETENTION : BACKUP;
        }
    }

    /** What a lease object says. */
    record Holder(String holder, String backupId, Instant expiresAt, Purpose purpose) {
        /** @return who holds it, for a message: the backup and the process, or the retention run */
        String describe() {
            return (purpose == Purpose.RETENTION ? "a retention run" : "base backup " + backupId) + " by " + holder;
        }

        /**
         * @return whether the lease is over: past its expiry, or held by a process of this host that is gone (a
         *     restart after a crash need not wait for the expiry)
         */
        boolean expired(Instant now) {
            return now.isAfter(expiresAt) || deadOnThisHost();
        }

        private boolean deadOnThisHost() {
            int slash = holder.indexOf('/'); // holder: host:pid/uuid
            String process = slash < 0 ? holder : holder.substring(0, slash);
            int colon = process.lastIndexOf(':');
            if (colon < 0 || !process.substring(0, colon).equals(hostName())) {
                return false;
            }
            try {
                long pid = Long.parseLong(process.substring(colon + 1));
                return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(p -> !p.isAlive())
                        .orElse(true);
            } catch (NumberFormatException e) {
                return false;
            }
        }
    }

    /**
     * Takes the lease for {@code backup}, or says who has it.
     *
     * @return the lease, renewed until closed; empty when another process holds a live one ({@code current} gets it)
     * @throws IOException when the storage cannot be used
     */
    static Optional<BackupLease> acquire(Archive archive, BackupId backup, Purpose purpose, Clock clock,
            java.util.function.Consumer<Holder> current) throws IOException {
        String holder = processName() + "/" + UUID.randomUUID();
        BackupLease lease = new BackupLease(archive, holder, backup, purpose, clock);
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                archive.storage().putIfAbsent(lease.objectName, lease.content());
                lease.renewer.scheduleWithFixedDelay(lease::renew, RENEW_EVERY.toMillis(), RENEW_EVERY.toMillis(),
                        TimeUnit.MILLISECONDS);
                return Optional.of(lease);
            } catch (FileAlreadyExistsException e) {
                Optional<Holder> other = read(archive);
                if (other.isPresent() && !other.get().expired(clock.instant())) {
                    current.accept(other.get());
                    lease.renewer.shutdownNow();
                    return Optional.empty();
                }
                // expired (its process died) or unreadable: take it over
                archive.storage().delete(lease.objectName);
            }
        }
        lease.renewer.shutdownNow();
        throw new IOException("could not take the backup lease " + lease.objectName + ": another process took it"
                + " over at the same time; try again");
    }

    /** @return the lease object's content, or empty when there is none (or it cannot be parsed) */
    static Optional<Holder> read(Archive archive) throws IOException {
        String text;
        try (InputStream in = archive.storage().get(archive.leasePrefix() + NAME)) {
            text = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            Map<?, ?> m = (Map<?, ?>) new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
            return Optional.of(new Holder(String.valueOf(m.get("holder")), String.valueOf(m.get("backup_id")),
                    Instant.parse(String.valueOf(m.get("expires_at"))), Purpose.of(m.get("purpose"))));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private InputStream content() {
        Instant now = clock.instant();
        return new ByteArrayInputStream(Json.object().put("holder", holder).put("backup_id", backup.value())
                .put("purpose", purpose.wire()).put("renewed_at", now.toString()).put("expires_at", now.plus(TTL).toString()).toString()
                .getBytes(StandardCharsets.UTF_8));
    }

    private void renew() {
        try {
            Optional<Holder> now = read(archive);
            if (now.isEmpty() || !now.get().holder().equals(holder)) {
                lost = new IOException("the backup lease " + objectName + " was taken over by "
                        + now.map(Holder::holder).orElse("nobody (it was deleted)") + "; this backup stops");
                renewer.shutdown();
                return;
            }
            archive.storage().put(objectName, content());
        } catch (IOException e) {
            // one failed renewal is not a loss: the lease lasts TTL, four renewals
            System.getLogger(BackupLease.class.getName()).log(System.Logger.Level.WARNING,
                    "renewing the backup lease " + objectName + " failed (retried in " + RENEW_EVERY.toSeconds()
                            + " s): " + e.getMessage());
        }
    }

    /** @throws IOException when another process took the lease over: the backup must stop */
    void stillHeld() throws IOException {
        if (lost != null) {
            throw lost;
        }
    }

    BackupId backup() {
        return backup;
    }

    /** Stops renewing and deletes the lease, if it is still ours. */
    @Override
    public void close() {
        renewer.shutdownNow();
        try {
            renewer.awaitTermination(10, TimeUnit.SECONDS);
            Optional<Holder> now = read(archive);
            if (now.isPresent() && now.get().holder().equals(holder)) {
                archive.storage().delete(objectName);
            }
        } catch (IOException e) {
            System.getLogger(BackupLease.class.getName()).log(System.Logger.Level.WARNING, "could not delete the"
                    + " backup lease " + objectName + " (it expires by itself in " + TTL.toSeconds() + " s): "
                    + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String processName() {
        return hostName() + ":" + ProcessHandle.current().pid();
    }

    static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }
}
