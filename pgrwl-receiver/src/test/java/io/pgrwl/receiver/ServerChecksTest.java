package io.pgrwl.receiver;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** Decisions about the server that need no server: version floor and login-failure classification. */
class ServerChecksTest {

    @Test
    void refusesServersOlderThan15() {
        ReceiverException e = assertThrows(ReceiverException.class, () -> WalReceiver.checkVersion("140011", "db:5432"));
        assertTrue(e.fatal());
        assertTrue(e.getMessage().contains("PostgreSQL 14.11"), e.getMessage());
        assertTrue(e.getMessage().contains("15 or newer"), e.getMessage());
        assertDoesNotThrow(() -> WalReceiver.checkVersion("150018", "db"));
        assertDoesNotThrow(() -> WalReceiver.checkVersion("180000", "db"));
    }

    @Test
    void loginFailuresThatRetryingCannotCureAreFatal() {
        ConnectionSettings s = ConnectionSettings.fromEnvironment(java.util.Map.of(), "a", "bob", null);
        assertTrue(ConnectFailures.classify(new SQLException("FATAL: password authentication failed", "28P01"), s)
                .fatal());
        assertTrue(ConnectFailures.classify(new SQLException("must be superuser or replication role", "42501"), s)
                .fatal());
        assertTrue(ConnectFailures.classify(new SQLException("no pg_hba.conf entry", "28000"), s).fatal());
        assertTrue(!ConnectFailures.classify(new SQLException("Connection refused", "08001"), s).fatal(),
                "a refused connection is retried");
        assertTrue(!ConnectFailures.classify(new SQLException("the database system is starting up", "57P03"), s)
                .fatal());
        assertTrue(ConnectFailures.classify(new SQLException("Der Server verlangt passwortbasierte Authentifizierung,"
                + " jedoch wurde kein Passwort angegeben.", "08004"), s).fatal(), "PgJDBC's own, in a German JVM");
        assertTrue(ConnectFailures.classify(new SQLException("Passwort-Authentifizierung für Benutzer fehlgeschlagen",
                "28P01"), s).fatal(), "the server's, in German");
        assertTrue(!ConnectFailures.classify(new SQLException("password authentication failed, or so it says",
                "08006"), s).fatal(), "words decide nothing: a lost connection is retried whatever it says");
    }
}
