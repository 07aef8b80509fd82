package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each bad input ends pgrwl with an error that says what happened and what to do; nothing is lost. */
class BadInputIT {

    private static Path base;
    private static PgCluster pg;

    @BeforeAll
    static void cluster() throws Exception {
        base = Os.tempDir("pgrwl-bad");
        pg = PgCluster.init(base, "primary", 1, "min_wal_size = 2MB", "max_wal_size = 4MB").start();
        // scram and md5 logins for dedicated roles, before initdb's trust lines
        Path hba = pg.data.resolve("pg_hba.conf");
        List<String> lines = new java.util.ArrayList<>(List.of(
                "host replication scramuser 127.0.0.1/32 scram-sha-256",
                "host replication md5user 127.0.0.1/32 md5"));
        lines.addAll(Files.readAllLines(hba));
        Files.write(hba, lines);
        pg.execute("create role scramuser login replication password 'right-secret'",
                "set password_encryption = 'md5'", "create role md5user login replication password 'md5-secret'",
                "create role norepl login", "select pg_reload_conf()");
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
        Os.deleteTree(base);
    }

    private static Pgrwl pgrwl(String name, String yaml) throws Exception {
        return Pgrwl.receive(base, name, pg, yaml);
    }

    private static String failWith(Pgrwl p, int status) throws Exception {
        p.start();
        assertEquals(status, p.awaitExit(Duration.ofSeconds(60)), p.logText());
        return p.logText();
    }

    @Test
    void missingSlotWithCreationDisabled() throws Exception {
        String log = failWith(pgrwl("noslot", Pgrwl.config(base.resolve("noslot"), "nosuch", "create_slot: false")), 1);
        assertTrue(log.contains("replication slot \"nosuch\" does not exist"), log);
        assertTrue(log.contains("receiver.create_slot: true"), log);
    }

    @Test
    void gapInTheArchiveStopsLoudly() throws Exception {
        Path dir = base.resolve("gap");
        pg.execute("select pg_create_physical_replication_slot('gap', true)");
        try (Pgrwl first = pgrwl("gap1", Pgrwl.config(dir, "gap")).start()) {
            pg.execute("create table g1 as select g from generate_series(1, 10000) g", "select pg_switch_wal()");
            Slots.awaitFlushed(pg, "gap", pg.queryOne("select pg_current_wal_lsn()"), Duration.ofMinutes(1));
            assertEquals(0, first.stop());
        }
        String needed = pg.queryOne("select pg_walfile_name(restart_lsn) from pg_replication_slots where slot_name = 'gap'");
        pg.execute("select pg_drop_replication_slot('gap')", "select pg_create_physical_replication_slot('gap', false)");
        Await.until("the server removed " + needed, Duration.ofMinutes(1), () -> {
            pg.execute("insert into g1 select g from generate_series(1, 20000) g", "select pg_switch_wal()",
                    "checkpoint");
            return "0".equals(pg.queryOne("select count(*) from pg_ls_waldir() where name <= '" + needed + "'"));
        });
        String log = failWith(pgrwl("gap2", Pgrwl.config(dir, "gap")), 1);
        assertTrue(log.contains("GAP IN THE WAL ARCHIVE"), log);
        assertTrue(log.contains("will not skip ahead"), log);
    }

    @Test
    void aPortInUseIsAClearError() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            String yaml = Pgrwl.config(base.resolve("port"), "port").replace("listen_port: 0",
                    "listen_port: " + taken.getLocalPort() + "\n  listen_address: 127.0.0.1");
            String log = failWith(pgrwl("port", yaml), 1);
            assertTrue(log.contains("cannot listen on 127.0.0.1:" + taken.getLocalPort()
                    + " (main.listen_address, main.listen_port)"), log);
        }
    }

    @Test
    void partialOfTheWrongSize() throws Exception {
        Path dir = base.resolve("badpartial");
        Files.createDirectories(dir);
        String current = pg.queryOne("select pg_walfile_name(pg_current_wal_lsn())");
        byte[] notZeroFill = new byte[1000];
        notZeroFill[999] = 1; // not what an interrupted zero-fill leaves (that is completed: ResumeAndReconnectIT)
        Files.write(dir.resolve(current + ".partial"), notZeroFill);
        String log = failWith(pgrwl("badpartial", Pgrwl.config(dir, "badpartial")), 1);
        assertTrue(log.contains(current + ".partial\" has 1000 bytes, should be 1048576"), log);
        assertEquals(1000, Files.size(dir.resolve(current + ".partial")), "the bad file is left untouched");
    }

    @Test
    void directoryThatCannotBeWritten() throws Exception {
        Path file = base.resolve("plainfile");
        Files.writeString(file, "not a directory");
        String log = failWith(pgrwl("unwritable", Pgrwl.config(file.resolve("wal"), "unwritable")), 1);
        assertTrue(log.contains("is not a writable directory"), log);
        assertTrue(log.contains("main.directory"), log);
    }

    @Test
    void directoryOfAnotherCluster() throws Exception {
        Path dir = base.resolve("foreign");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(".pgrwl-cluster"), "system_identifier=1234\nwal_segment_size=1048576\n");
        String log = failWith(pgrwl("foreign", Pgrwl.config(dir, "foreign")), 1);
        assertTrue(log.contains("holds WAL of the cluster with system identifier 1234"), log);
    }

    @Test
    void roleWithoutReplication() throws Exception {
        Pgrwl p = pgrwl("norepl", Pgrwl.config(base.resolve("norepl"), "norepl")).env("PGUSER", "norepl");
        String log = failWith(p, 1);
        assertTrue(log.contains("REPLICATION"), log);
        assertTrue(log.contains("ALTER ROLE norepl REPLICATION"), log);
    }

    @Test
    void wrongPassword() throws Exception {
        Pgrwl p = pgrwl("wrongpw", Pgrwl.config(base.resolve("wrongpw"), "wrongpw")).env("PGUSER", "scramuser")
                .env("PGPASSWORD", "wrong-secret");
        String log = failWith(p, 1);
        assertTrue(log.contains("password authentication failed"), log);
        assertTrue(log.contains("PGPASSWORD"), log);
        assertTrue(!log.contains("wrong-secret"), "the password never appears in the log");
    }

    @Test
    void scramWithAPasswordFileAndMd5WithPgpassword() throws Exception {
        Path passfile = base.resolve("pgpass");
        Files.writeString(passfile, "# test\n127.0.0.1:" + pg.port + ":replication:scramuser:right-secret\n");
        Files.setPosixFilePermissions(passfile, PosixFilePermissions.fromString("rw-------"));
        try (Pgrwl scram = pgrwl("scram", Pgrwl.config(base.resolve("scram"), "scram")).env("PGUSER", "scramuser")
                .env("PGPASSFILE", passfile.toString()).start();
             Pgrwl md5 = pgrwl("md5", Pgrwl.config(base.resolve("md5"), "md5")).env("PGUSER", "md5user")
                .env("PGPASSWORD", "md5-secret").start()) {
            scram.awaitLog("streaming WAL from", Duration.ofSeconds(60));
            md5.awaitLog("streaming WAL from", Duration.ofSeconds(60));
            assertEquals(0, scram.stop());
            assertEquals(0, md5.stop());
        }
    }

    @Test
    void noLoopExitsOnDisconnect() throws Exception {
        try (Pgrwl p = pgrwl("noloop", Pgrwl.config(base.resolve("noloop"), "noloop", "no_loop: true")).start()) {
            p.awaitLog("streaming WAL from", Duration.ofSeconds(60));
            pg.execute("select pg_terminate_backend(pid) from pg_stat_replication where application_name = 'noloop'");
            assertEquals(1, p.awaitExit(Duration.ofSeconds(60)));
            assertTrue(p.logText().contains("receiver.no_loop is true"), p.logText());
        }
    }

    @Test
    void invalidConfigurationNamesEveryKey() throws Exception {
        Path config = base.resolve("invalid.yml");
        Files.writeString(config, "main:\n  directory: /tmp/x\n  colour: blue\nreceiver:\n  slot: ${PGRWL_TEST_UNSET}\n"
                + "  status_interval: soon\n  no_loop: maybe\nlog:\n  level: loud\n");
        ProcessBuilder pb = new ProcessBuilder(Pgrwl.launcher().toString(), "validate", "-c", config.toString())
                .redirectErrorStream(true);
        Process proc = pb.start();
        String out = new String(proc.getInputStream().readAllBytes());
        assertEquals(2, proc.waitFor(), out);
        for (String expected : List.of("main.colour: unknown key", "receiver.slot: environment variable"
                + " PGRWL_TEST_UNSET", "receiver.status_interval:", "receiver.no_loop:", "log.level:")) {
            assertTrue(out.contains(expected), "expected \"" + expected + "\" in:\n" + out);
        }
    }
}
