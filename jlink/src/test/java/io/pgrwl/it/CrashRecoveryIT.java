package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The golden crash test: pgrwl is the synchronous standby; a workload commits a row every ~100 ms; every postgres
 * process is killed with SIGKILL; PGDATA is deleted and restored from a base backup taken with -X none, recovering
 * with a restore_command that copies from pgrwl's directory. Nothing committed may be lost.
 */
class CrashRecoveryIT {

    @Test
    void recoversToTheLastCommittedTransactionFromPgrwlsDirectory() throws Exception {
        Path base = Os.tempDir("pgrwl-crash");
        Path wal = base.resolve("pgrwl-wal");
        PgCluster pg = PgCluster.init(base, "primary", 16, "synchronous_standby_names = 'pgrwl'",
                "synchronous_commit = on").start();
        String before;
        long lastCommitted;
        try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, Pgrwl.config(wal, "pgrwl")).start()) {
            Await.until("pgrwl is the synchronous standby", Duration.ofSeconds(60), () -> "sync".equals(
                    pg.queryOne("select sync_state from pg_stat_replication where application_name = 'pgrwl'")));
            Path backup = base.resolve("backup");
            Os.run(Os.asPostgres(List.of(Os.pg("pg_basebackup").toString(), "-D", backup.toString(), "-h",
                    "127.0.0.1", "-p", Integer.toString(pg.port), "-U", "postgres", "-X", "none", "-c", "fast",
                    "--no-sync")), pg.log);
            pg.execute("create table ticks(id bigint primary key, at timestamptz not null default now())");
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong committed = new AtomicLong();
            Thread ticker = Thread.ofPlatform().start(() -> tick(pg, running, committed));
            pg.pgbenchInit(5);
            pg.execute("create table bulk as select g as id, md5(g::text) as h from generate_series(1, 200000) g");
            Await.until("at least 30 ticks committed", Duration.ofMinutes(2), () -> committed.get() >= 30);
            running.set(false);
            ticker.join();
            lastCommitted = committed.get();
            before = pg.dumpAll();
            pg.killAll();
            assertTrue(pgrwl.alive(), "pgrwl keeps running while the server is down");
            restore(pg, backup, wal, base.resolve("restore-wal"));
        }
        try (PgCluster restored = PgCluster.existing(base, "restored", pg.data, pg.port).start()) {
            restored.awaitReady(Duration.ofMinutes(3));
            assertEquals(before, restored.dumpAll(), "pg_dumpall before the crash and after recovery");
            assertEquals("1", restored.queryOne("select count(*) from ticks where id = " + lastCommitted),
                    "the last committed row " + lastCommitted + " exists");
        }
        Os.deleteTree(base);
    }

    static void tick(PgCluster pg, AtomicBoolean running, AtomicLong committed) {
        try (Connection c = pg.connect(); PreparedStatement insert = c.prepareStatement("insert into ticks(id) values (?)")) {
            long id = 0;
            while (running.get()) {
                insert.setLong(1, ++id);
                insert.executeUpdate(); // autocommit: returns once pgrwl has fsynced the commit
                committed.set(id);
                Thread.sleep(100); // the workload's pace: one commit every ~100 ms
            }
        } catch (Exception e) {
            throw new IllegalStateException("the ticking workload failed", e);
        }
    }

    /** Replaces PGDATA by the base backup and points restore_command at a copy of pgrwl's WAL (.partial renamed). */
    static void restore(PgCluster pg, Path backup, Path pgrwlWal, Path restoreWal) throws Exception {
        Files.createDirectories(restoreWal);
        try (var files = Files.list(pgrwlWal)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.matches("[0-9A-F]{24}(\\.partial)?|[0-9A-F]{8}\\.history")) {
                    Files.copy(f, restoreWal.resolve(name.replace(".partial", "")));
                }
            }
        }
        Os.chownToPostgres(restoreWal);
        restoreBaseBackup(pg, backup, "cp " + restoreWal + "/%f %p");
    }

    /** Replaces PGDATA by the base backup, with recovery.signal and the restore_command given. */
    static void restoreBaseBackup(PgCluster pg, Path backup, String restoreCommand) throws Exception {
        Os.deleteTree(pg.data);
        Os.run(List.of("cp", "-a", backup.toString(), pg.data.toString()), null);
        Files.writeString(pg.data.resolve("recovery.signal"), "");
        Files.write(pg.data.resolve("postgresql.auto.conf"), List.of(
                "restore_command = '" + restoreCommand + "'",
                "recovery_target_timeline = 'latest'",
                "synchronous_standby_names = ''"), java.nio.file.StandardOpenOption.APPEND);
        Os.chownToPostgres(pg.data);
        Os.run(List.of("chmod", "-R", "u+rwX,go-rwx", pg.data.toString()), null);
    }
}
