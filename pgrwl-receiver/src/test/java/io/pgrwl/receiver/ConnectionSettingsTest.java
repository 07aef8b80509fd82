package io.pgrwl.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectionSettingsTest {

    @TempDir
    Path tmp;

    @Test
    void libpqDefaults() {
        ConnectionSettings s = ConnectionSettings.fromEnvironment(Map.of(), "slot1", "alice", null);
        assertEquals("localhost", s.host());
        assertEquals(5432, s.port());
        assertEquals("alice", s.user());
        assertEquals("prefer", s.sslMode());
        assertNull(s.password());
        assertEquals("slot1", s.jdbcProperties().getProperty("ApplicationName"));
        assertEquals("true", s.jdbcProperties().getProperty("replication"));
    }

    @Test
    void environmentAndErrorsNameTheVariable() {
        ConnectionSettings s = ConnectionSettings.fromEnvironment(Map.of("PGHOST", "db", "PGPORT", "6543", "PGUSER",
                "bob", "PGPASSWORD", "pw", "PGSSLMODE", "verify-full", "PGSSLROOTCERT", "/ca.pem"), "a", "x", null);
        assertEquals("jdbc:postgresql://db:6543/replication", s.jdbcUrl());
        assertEquals("verify-full", s.jdbcProperties().getProperty("sslmode"));
        assertEquals("/ca.pem", s.jdbcProperties().getProperty("sslrootcert"));
        assertFalse(s.toString().contains("pw"), "toString never shows the password");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ConnectionSettings.fromEnvironment(
                Map.of("PGPORT", "x"), "a", "x", null)).getMessage().startsWith("PGPORT"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ConnectionSettings.fromEnvironment(
                Map.of("PGSSLMODE", "sometimes"), "a", "x", null)).getMessage().startsWith("PGSSLMODE"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ConnectionSettings.fromEnvironment(
                Map.of("PGHOST", "/var/run/postgresql"), "a", "x", null)).getMessage().contains("TCP"));
    }

    @Test
    void passwordFileRulesOfLibpq() throws Exception {
        Path file = tmp.resolve("pgpass");
        Files.writeString(file, "# comment\nother:5432:*:bob:no\ndb:5432:replication:bob:first\n*:*:*:bob:second\n"
                + "db\\:x:5432:*:carol:c\\:olon\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertEquals(Optional.of("first"), PgPassFile.lookup(file, "db", 5432, "replication", "bob"));
        assertEquals(Optional.of("second"), PgPassFile.lookup(file, "db", 1, "replication", "bob"));
        assertEquals(Optional.of("c:olon"), PgPassFile.lookup(file, "db:x", 5432, "replication", "carol"));
        assertEquals(Optional.empty(), PgPassFile.lookup(file, "db", 5432, "replication", "dave"));
        ConnectionSettings s = ConnectionSettings.fromEnvironment(Map.of("PGHOST", "db", "PGUSER", "bob",
                "PGPASSFILE", file.toString()), "a", "x", null);
        assertEquals("first", s.password());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(Optional.empty(), PgPassFile.lookup(file, "db", 5432, "replication", "bob"),
                "a world-readable file is ignored, as libpq does");
    }
}
