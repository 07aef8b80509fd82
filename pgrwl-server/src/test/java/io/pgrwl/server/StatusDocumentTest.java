package io.pgrwl.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.receiver.Lsn;
import io.pgrwl.receiver.ReceiverStatus;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The status document: lag from the server's WAL end, LSN text, nulls where there is nothing, escaped strings. */
class StatusDocumentTest {

    @Test
    void receiverFieldsLagAndAbsentParts() {
        ReceiverStatus r = new ReceiverStatus(true, 2, Lsn.parse("0/3000010"), Lsn.parse("0/3000000"),
                Lsn.parse("1/0"), Instant.parse("2026-11-24T10:00:00Z"), 123, 4, 5, 6, "7439\"x", 16 << 20);
        String json = StatusDocument.receive("main_slot", r, null, null, Instant.parse("2026-11-24T09:00:00Z"),
                Instant.parse("2026-11-24T10:00:30Z")).toString();
        assertTrue(json.contains("\"slot\":\"main_slot\",\"connected\":true,\"timeline\":2"), json);
        assertTrue(json.contains("\"flushed_lsn\":\"0/3000000\""), json);
        assertTrue(json.contains("\"lag_bytes\":" + (0x100000000L - 0x3000000L)), json);
        assertTrue(json.contains("\"system_identifier\":\"7439\\\"x\""), json);
        assertTrue(json.contains("\"uptime_seconds\":3630"), json);
        assertTrue(json.contains("\"uploader\":null") && json.contains("\"retention\":null"), json);
        assertTrue(json.startsWith("{\"mode\":\"receive\"") && json.endsWith("}"), json);
    }

    @Test
    void beforeTheFirstMessageThereIsNoLag() {
        ReceiverStatus r = new ReceiverStatus(false, 0, new Lsn(0), new Lsn(0), new Lsn(0), null, 0, 0, 0, 0, null, 0);
        String json = StatusDocument.receive("s", r, null, null, Instant.EPOCH, Instant.EPOCH).toString();
        assertTrue(json.contains("\"lag_bytes\":0") && json.contains("\"last_message_at\":null"), json);
    }
}
