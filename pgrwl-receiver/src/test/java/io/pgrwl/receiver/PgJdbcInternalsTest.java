package io.pgrwl.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The PgJDBC pin: changing PgJDBC's version in the build fails here until its internals are verified again. */
class PgJdbcInternalsTest {

    @Test
    void thePgJdbcOnTheClassPathIsTheVerifiedOneAndHasTheInternals() throws Exception {
        assertEquals(PgJdbcInternals.VERIFIED_VERSION, org.postgresql.util.DriverInfo.DRIVER_VERSION,
                "PgJDBC changed: check that QueryExecutorBase.pgStream and PGStream.pgInput still mean what"
                        + " ReplicationConnection relies on, then update PgJdbcInternals.VERIFIED_VERSION");
        PgJdbcInternals.check();
    }
}
