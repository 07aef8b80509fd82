package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The golden crash test's steps, shared by its variants: pgrwl is the synchronous standby; a base backup is taken with
 * -X none; a workload commits a row every ~100 ms next to pgbench and a bulk table; every postgres process is killed
 * with SIGKILL. Then PGDATA is replaced by the backup, recovery runs with the restore_command given, and nothing
 * committed may be missing.
 *
 * @param pg the killed cluster
 * @param backup the base backup
 * @param dump pg_dumpall just before the kill
 * @param lastCommitted the id of the last row whose commit returned
 */
record GoldenCrash(PgCluster pg, Path backup, String dump, long lastCommitted) {

    /** A step between the end of the workload and the kill (e.g. waiting for the archive). */
    interface BeforeKill {
        void run() throws Exception;
    }

    /** Runs the workload against {@code pg} with {@code pgrwl} (already started) as its standby, then kills pg. */
    static GoldenCrash commitThenKill(Path base, PgCluster pg, BeforeKill beforeKill) throws Exception {
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
        beforeKill.run();
        String dump = pg.dumpAll();
        pg.killAll();
        return new GoldenCrash(pg, backup, dump, committed.get());
    }

    private static void tick(PgCluster pg, AtomicBoolean running, AtomicLong committed) {
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

    /** Restores the backup with {@code restoreCommand}, recovers, and compares with what was committed. */
    void recoverAndCompare(Path base, String restoreCommand) throws Exception {
        restoreBaseBackup(pg, backup, restoreCommand);
        try (PgCluster restored = PgCluster.existing(base, "restored", pg.data, pg.port).start()) {
            restored.awaitReady(Duration.ofMinutes(3));
            assertEquals(dump, restored.dumpAll(), "pg_dumpall before the crash and after recovery");
            assertEquals("1", restored.queryOne("select count(*) from ticks where id = " + lastCommitted),
                    "the last committed row " + lastCommitted + " exists");
        }
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
