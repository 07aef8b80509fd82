package io.pgrwl.receiver;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * Where and how to connect to PostgreSQL, read from the standard libpq environment variables the way
 * {@code pg_receivewal} does: {@code PGHOST}, {@code PGPORT}, {@code PGUSER}, {@code PGPASSWORD}, {@code PGPASSFILE}
 * (else {@code ~/.pgpass}), {@code PGSSLMODE}, {@code PGSSLROOTCERT}, {@code PGSSLCERT}, {@code PGSSLKEY},
 * {@code PGCONNECT_TIMEOUT}.
 *
 * <p>Immutable and thread-safe. {@link #toString()} never shows the password.
 *
 * @param host host name or address (TCP only)
 * @param port TCP port
 * @param user role to log in as
 * @param password the password, or null to log in without one (trust, peer certificates)
 * @param sslMode libpq's {@code sslmode}: disable, allow, prefer, require, verify-ca or verify-full
 * @param sslRootCert CA file for verify-ca/verify-full, or null for libpq's default ({@code ~/.postgresql/root.crt})
 * @param sslCert client certificate file, or null
 * @param sslKey client key file, or null
 * @param connectTimeout how long one connection attempt may take
 * @param applicationName the {@code application_name} the server shows (and matches in
 *     {@code synchronous_standby_names})
 */
public record ConnectionSettings(String host, int port, String user, String password, String sslMode,
                                 String sslRootCert, String sslCert, String sslKey, Duration connectTimeout,
                                 String applicationName) {

    private static final List<String> SSL_MODES =
            List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

    public ConnectionSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(sslMode, "sslMode");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(applicationName, "applicationName");
    }

    /**
     * Reads the libpq variables from {@code env}.
     *
     * @param env the process environment (or a test's map); not null
     * @param applicationName the {@code application_name} to report; not null
     * @param osUser the operating-system user name, libpq's default for {@code PGUSER}
     * @param home the home directory, where {@code .pgpass} is looked for; may be null
     * @return the settings
     * @throws IllegalArgumentException naming the variable when a value is invalid
     */
    public static ConnectionSettings fromEnvironment(Map<String, String> env, String applicationName, String osUser,
                                                     Path home) {
        String host = value(env, "PGHOST").orElse("localhost");
        if (host.startsWith("/") || host.startsWith("@")) {
            throw new IllegalArgumentException("PGHOST=" + host + " names a Unix-domain socket directory; pgrwl connects"
                    + " over TCP only: set PGHOST to a host name or address, for example 127.0.0.1");
        }
        if (host.contains(",")) {
            throw new IllegalArgumentException("PGHOST=" + host + " lists several hosts; pgrwl streams from exactly one"
                    + " server: set PGHOST to one host");
        }
        int port = intValue(env, "PGPORT", 5432, 1, 65535);
        String user = value(env, "PGUSER").orElse(osUser);
        String sslMode = value(env, "PGSSLMODE").orElse("prefer");
        if (!SSL_MODES.contains(sslMode)) {
            throw new IllegalArgumentException("PGSSLMODE=" + sslMode + " is not one of " + String.join(", ", SSL_MODES));
        }
        int timeoutSeconds = intValue(env, "PGCONNECT_TIMEOUT", 10, 0, 3600);
        String password = value(env, "PGPASSWORD").orElseGet(() -> passwordFromFile(env, home, host, port, user));
        return new ConnectionSettings(host, port, user, password, sslMode, value(env, "PGSSLROOTCERT").orElse(null),
                value(env, "PGSSLCERT").orElse(null), value(env, "PGSSLKEY").orElse(null),
                // libpq treats 0 as "wait forever"; we cap it so a dead host cannot hang a reconnect loop
                Duration.ofSeconds(timeoutSeconds == 0 ? 3600 : Math.max(timeoutSeconds, 2)), applicationName);
    }

    /** @return a JDBC URL for PgJDBC */
    String jdbcUrl() {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return "jdbc:postgresql://" + h + ":" + port + "/replication";
    }

    /** @return PgJDBC properties for a physical replication connection */
    Properties jdbcProperties() {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("replication", "true");
        p.setProperty("assumeMinServerVersion", "10");
        p.setProperty("preferQueryMode", "simple");
        p.setProperty("ApplicationName", applicationName);
        p.setProperty("sslmode", sslMode);
        p.setProperty("gssEncMode", "disable");
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("connectTimeout", Long.toString(connectTimeout.toSeconds()));
        p.setProperty("loginTimeout", Long.toString(connectTimeout.toSeconds()));
        if (sslRootCert != null) {
            p.setProperty("sslrootcert", sslRootCert);
        }
        if (sslCert != null) {
            p.setProperty("sslcert", sslCert);
        }
        if (sslKey != null) {
            p.setProperty("sslkey", sslKey);
        }
        return p;
    }

    /** @return these settings with another {@code application_name} (a base backup's own connection) */
    public ConnectionSettings withApplicationName(String name) {
        return new ConnectionSettings(host, port, user, password, sslMode, sslRootCert, sslCert, sslKey, connectTimeout,
                name);
    }

    /** @return host:port, for messages */
    public String address() {
        return host + ":" + port;
    }

    @Override
    public String toString() {
        return "ConnectionSettings[host=" + host + ", port=" + port + ", user=" + user + ", password="
                + (password == null ? "(none)" : "(set)") + ", sslMode=" + sslMode + ", applicationName="
                + applicationName + "]";
    }

    private static String passwordFromFile(Map<String, String> env, Path home, String host, int port, String user) {
        Optional<Path> file = value(env, "PGPASSFILE").map(Path::of)
                .or(() -> Optional.ofNullable(home).map(h -> h.resolve(".pgpass")));
        // libpq matches physical replication connections against the database name "replication"
        return file.flatMap(f -> PgPassFile.lookup(f, host, port, "replication", user)).orElse(null);
    }

    private static Optional<String> value(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
    }

    private static int intValue(Map<String, String> env, String name, int fallback, int min, int max) {
        Optional<String> v = value(env, name);
        if (v.isEmpty()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.get().trim());
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + v.get() + " is not a number from " + min + " to " + max, e);
        }
    }
}
