package io.pgrwl.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A throwaway PostgreSQL cluster: initdb'd on a free loopback port with wal_level=replica and replication allowed,
 * run as the postgres OS user when the tests run as root. Always stop it (close()).
 */
final class PgCluster implements AutoCloseable {

    final String name;
    final Path base;
    final Path data;
    final int port;
    /** Output of setup commands (initdb, pg_basebackup), written by the test process. */
    final Path log;
    /** The server log, written by the server (as postgres). */
    final Path serverLog;
    private final List<String> serverEnv = new ArrayList<>();

    private PgCluster(String name, Path base, Path data, int port) {
        this.name = name;
        this.base = base;
        this.data = data;
        this.port = port;
        this.log = base.resolve(name + "-setup.log");
        this.serverLog = base.resolve(name + "-server.log");
    }

    /** initdb + configuration; not started. */
    static PgCluster init(Path base, String name, int segmentSizeMb, String... extraSettings) throws IOException {
        PgCluster c = new PgCluster(name, base, base.resolve(name), Os.freePort());
        Os.run(Os.asPostgres(List.of(Os.pg("initdb").toString(), "-D", c.data.toString(), "-U", "postgres",
                "--auth=trust", "--no-sync", "--wal-segsize=" + segmentSizeMb)), c.log);
        c.configure(extraSettings);
        return c;
    }

    /** A streaming standby of {@code primary} (pg_basebackup -R -X stream); not started. */
    static PgCluster standbyOf(PgCluster primary, String name) throws IOException {
        PgCluster c = new PgCluster(name, primary.base, primary.base.resolve(name), Os.freePort());
        Os.run(Os.asPostgres(List.of(Os.pg("pg_basebackup").toString(), "-D", c.data.toString(), "-h", "127.0.0.1",
                "-p", Integer.toString(primary.port), "-U", "postgres", "-R", "-X", "stream", "--no-sync")), c.log);
        c.configure("hot_standby = on");
        return c;
    }

    /** A cluster over an existing data directory (restored from a base backup). */
    static PgCluster existing(Path base, String name, Path data, int port) {
        return new PgCluster(name, base, data, port);
    }

    void configure(String... settings) throws IOException {
        List<String> lines = new ArrayList<>(List.of(
                "port = " + port,
                "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = '" + base + "'",
                "wal_level = replica",
                "max_wal_senders = 10",
                "max_replication_slots = 10",
                "fsync = off",
                "full_page_writes = on",
                "wal_keep_size = 0",
                "log_line_prefix = '%m [%p] %a '"));
        lines.addAll(List.of(settings));
        Path conf = data.resolve("postgresql.auto.conf");
        // postgresql.auto.conf is read last: later lines win over earlier ones and over postgresql.conf
        Files.write(conf, lines, java.nio.file.StandardOpenOption.APPEND);
    }

    /** Sets an environment variable for the server from its next start on (e.g. LOCPATH for a generated locale). */
    PgCluster serverEnv(String name, String value) {
        serverEnv.add(name + "=" + value);
        return this;
    }

    PgCluster start() throws IOException {
        List<String> command = new ArrayList<>();
        if (!serverEnv.isEmpty()) {
            command.add("env");
            command.addAll(serverEnv);
        }
        command.addAll(List.of(Os.pg("pg_ctl").toString(), "-D", data.toString(), "-l", serverLog.toString(), "-w",
                "-t", "120", "start"));
        Os.run(Os.asPostgres(command), null);
        return this;
    }

    void stop() throws IOException {
        Os.run(Os.asPostgres(List.of(Os.pg("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "stop")),
                null);
    }

    void restart() throws IOException {
        Os.run(Os.asPostgres(List.of(Os.pg("pg_ctl").toString(), "-D", data.toString(), "-l", serverLog.toString(),
                "-m", "fast", "-w", "restart")), null);
    }

    /** {@code pg_ctl -m immediate stop}, then start: every backend quits at once and the start runs crash recovery. */
    void restartImmediate() throws IOException {
        Os.run(Os.asPostgres(List.of(Os.pg("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w",
                "stop")), null);
        start();
    }

    void promote() throws IOException {
        Os.run(Os.asPostgres(List.of(Os.pg("pg_ctl").toString(), "-D", data.toString(), "-w", "promote")), null);
    }

    /** SIGKILL of the postmaster and all its children: a crash. */
    void killAll() throws IOException {
        Path pidFile = data.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        String pid = Files.readAllLines(pidFile).get(0).trim();
        Os.run(List.of("sh", "-c", "pkill -KILL -P " + pid + "; kill -KILL " + pid + "; true"), null);
        // A killed postmaster may stay an unreaped zombie here (PID 1 does not reap), which makes the next start
        // believe it still runs. Remove its socket lock as a reboot would.
        Files.deleteIfExists(base.resolve(".s.PGSQL." + port + ".lock"));
        Files.deleteIfExists(base.resolve(".s.PGSQL." + port));
    }

    boolean running() {
        return Files.exists(data.resolve("postmaster.pid"));
    }

    Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
    }

    void execute(String... sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    String queryOne(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            return r.next() ? r.getString(1) : null;
        }
    }

    void pgbenchInit(int scale) throws IOException {
        Os.run(List.of(Os.pg("pgbench").toString(), "-i", "-s", Integer.toString(scale), "-q", "-h", "127.0.0.1",
                "-p", Integer.toString(port), "-U", "postgres", "postgres"), base.resolve(name + "-pgbench.log"));
    }

    /** pg_dumpall as text, without the \\restrict lines whose key is random on every run. */
    String dumpAll() throws IOException {
        String dump = Os.run(List.of(Os.pg("pg_dumpall").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port),
                "-U", "postgres", "--quote-all-identifiers"), null);
        return dump.lines().filter(l -> !l.startsWith("\\restrict ") && !l.startsWith("\\unrestrict "))
                .collect(java.util.stream.Collectors.joining("\n"));
    }

    void awaitReady(Duration timeout) throws Exception {
        Await.until(name + " accepts connections and left recovery", timeout,
                () -> "f".equals(queryOne("select pg_is_in_recovery()")));
    }

    @Override
    public void close() throws IOException {
        if (running()) {
            try {
                Os.run(Os.asPostgres(List.of(Os.pg("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate",
                        "-w", "stop")), null);
            } catch (IOException e) {
                killAll();
            }
        }
    }

    /** A write load in whole segments: {@code switches} times, 3000 rows into table {@code t}, then pg_switch_wal(). */
    void insertAndSwitch(int switches) throws Exception {
        for (int i = 0; i < switches; i++) {
            execute("insert into t select g, md5(g::text) from generate_series(1, 3000) g", "select pg_switch_wal()");
        }
    }
}
