/**
 * The streaming core of pgrwl: receives WAL over PostgreSQL's physical replication protocol into
 * {@code .partial} segment files, fsyncs them before acknowledging, and follows timeline switches.
 * Knows nothing of HTTP, storage or configuration files.
 */
module io.pgrwl.receiver {
    requires transitive io.pgrwl.spi;
    requires org.postgresql.jdbc;
    requires java.sql;

    exports io.pgrwl.receiver;
}
