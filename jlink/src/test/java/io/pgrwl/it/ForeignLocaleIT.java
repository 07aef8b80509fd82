package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * pgrwl decides from SQLSTATEs and facts, never from the words of a message: a server that speaks German
 * ({@code lc_messages = 'de_DE.UTF-8'}, a locale the test generates with localedef) and a pgrwl JVM in a German locale
 * (PgJDBC's own messages follow it). The case: main.directory holds WAL of timeline 1 beyond the point where the
 * server's history left timeline 1 (it was promoted while behind). The walsender's error for it has no SQLSTATE of
 * its own (XX000); pgrwl must still stop with its advice instead of reconnecting for ever.
 */
@Timeout(value = 5, unit = java.util.concurrent.TimeUnit.MINUTES)
class ForeignLocaleIT {

    private static final Duration LONG = Duration.ofMinutes(2);

    @Test
    void aDivergedHistoryStopsPgrwlWhenTheServerAndTheJvmSpeakGerman() throws Exception {
        Path base = Os.tempDir("pgrwl-locale");
        Path locales = base.resolve("locales");
        Files.createDirectories(locales);
        try {
            Os.run(List.of("localedef", "-i", "de_DE", "-f", "UTF-8", locales.resolve("de_DE.UTF-8").toString()),
                    base.resolve("localedef.log"));
        } catch (java.io.IOException e) {
            Assumptions.abort("cannot generate a German locale here (localedef, /usr/share/i18n): " + e.getMessage());
        }
        Assumptions.assumeTrue(Files.exists(Os.pgBin().getParent().resolve("share/locale/de/LC_MESSAGES"))
                || Files.exists(Path.of("/usr/share/locale/de/LC_MESSAGES/postgres-"
                + Os.pgBin().getParent().getFileName() + ".mo")), "this PostgreSQL has no German messages");
        Path wal = base.resolve("pgrwl-wal");
        try (PgCluster primary = PgCluster.init(base, "primary", 1).start();
             PgCluster standby = PgCluster.standbyOf(primary, "standby")) {
            standby.configure("lc_messages = 'de_DE.UTF-8'");
            standby.serverEnv("LOCPATH", locales.toString()).start();
            primary.execute("create table t(id int, v text)");
            String replayed = primary.queryOne("select pg_current_wal_lsn()");
            Await.until("the standby replayed the table", LONG, () -> "t".equals(standby.queryOne(
                    "select pg_last_wal_replay_lsn() >= '" + replayed + "'::pg_lsn")));
            standby.stop(); // from now on it falls behind

            String yaml = Pgrwl.config(wal, "pgrwl");
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl-primary", primary, yaml).start()) {
                primary.insertAndSwitch(3);
                String end = primary.queryOne("select pg_current_wal_lsn()");
                Slots.awaitFlushed(primary, "pgrwl", end, LONG);
                assertEquals(0, pgrwl.stop());
            }

            // the standby becomes a primary of its own, promoted where it stopped: timeline 1 ends there for it
            standby.configure("primary_conninfo = ''");
            standby.start();
            standby.promote();
            Await.until("the standby is promoted", LONG, () -> "f".equals(standby.queryOne(
                    "select pg_is_in_recovery()")));
            Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl-standby", standby, yaml)
                    .env("PGRWL_JAVA_OPTS", "-Duser.language=de -Duser.country=DE");
            try (pgrwl) {
                pgrwl.start();
                assertEquals(1, pgrwl.awaitExit(LONG), "a fatal error, not a reconnect loop: " + pgrwl.logText());
                String log = pgrwl.logText();
                assertTrue(log.contains("which is not in the history of the server")
                        && log.contains("timeline 2's history leaves timeline 1 at"), log);
                assertTrue(!log.contains("not in this server's history"), "the server's own text is German, so"
                        + " the decision did not rest on English words: " + log);
            }
        }
        Os.deleteTree(base);
    }
}
