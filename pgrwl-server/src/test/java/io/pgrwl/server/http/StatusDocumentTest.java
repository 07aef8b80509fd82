package io.pgrwl.server.http;

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
        assertTrue(json.contains("\"running_mode\":\"receive\",\"stream_status\":{\"slot\":\"main_slot\","
                + "\"timeline\":2,\"last_flush_lsn\":\"0/3000000\",\"uptime\":\"1h0m30s\",\"running\":true}"),
                "the Go pgrwl's fields: " + json);
    }

    @Test
    void serveDocumentCountsRequestsByStatus() {
        String json = StatusDocument.serve(java.util.Map.of(404, 2L, 200, 5L), 5L << 24, null, null,
                Instant.parse("2026-11-24T09:00:00Z"), Instant.parse("2026-11-24T09:00:07Z")).toString();
        assertTrue(json.startsWith("{\"mode\":\"serve\""), json);
        assertTrue(json.contains("\"uptime_seconds\":7"), json);
        assertTrue(json.contains("\"requests\":{\"200\":5,\"404\":2},\"sent_bytes\":83886080"), json);
        assertTrue(json.contains("\"storage\":null") && json.contains("\"cache\":null"), json);
    }

    @Test
    void beforeTheFirstMessageThereIsNoLag() {
        ReceiverStatus r = new ReceiverStatus(false, 0, new Lsn(0), new Lsn(0), new Lsn(0), null, 0, 0, 0, 0, null, 0);
        String json = StatusDocument.receive("s", r, null, null, Instant.EPOCH, Instant.EPOCH).toString();
        assertTrue(json.contains("\"lag_bytes\":0") && json.contains("\"last_message_at\":null"), json);
    }
}
