package io.pgrwl.it;

import java.time.Duration;

/** Replication-slot conditions. */
final class Slots {

    private Slots() {
    }

    /** Waits until the slot's restart_lsn (the flush position its receiver reported) reaches {@code lsn}. */
    static void awaitFlushed(PgCluster pg, String slot, String lsn, Duration timeout) throws Exception {
        Await.until("slot " + slot + " flushed to " + lsn, timeout, () -> "t".equals(pg.queryOne(
                "select restart_lsn >= '" + lsn + "'::pg_lsn from pg_replication_slots where slot_name = '" + slot
                        + "'")));
    }
}
