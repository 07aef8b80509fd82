package io.pgrwl.it;

import java.time.Duration;

/** Replication-slot conditions and LSN arithmetic. */
final class Slots {

    private Slots() {
    }

    /** Waits until the slot's restart_lsn (the flush position its receiver reported) reaches {@code lsn}. */
    static void awaitFlushed(PgCluster pg, String slot, String lsn, Duration timeout) throws Exception {
        Await.until("slot " + slot + " flushed to " + lsn, timeout, () -> "t".equals(pg.queryOne(
                "select restart_lsn >= '" + lsn + "'::pg_lsn from pg_replication_slots where slot_name = '" + slot
                        + "'")));
    }

    /** @return an LSN in PostgreSQL's {@code X/Y} text as the 64-bit WAL position */
    static long lsn(String text) {
        String[] parts = text.split("/");
        return Long.parseLong(parts[0], 16) << 32 | Long.parseLong(parts[1], 16);
    }
}
