package io.pgrwl.receiver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pgrwl.receiver.ReplicationConnection.QueryResult;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Replies the receiver cannot read become one message naming the command and the value, not a stack trace. */
class QueryResultTest {

    private static QueryResult reply(String column, String value) {
        return new QueryResult(List.of(column), List.<byte[][]>of(new byte[][] {
            value == null ? null : value.getBytes(StandardCharsets.UTF_8)}));
    }

    @Test
    void wellFormedValuesAreRead() {
        assertEquals(2, reply("timeline", "2").requireInt("IDENTIFY_SYSTEM", "timeline"));
        assertEquals(Lsn.parse("0/16B3748"), reply("xlogpos", "0/16B3748").requireLsn("IDENTIFY_SYSTEM", "xlogpos"));
        assertArrayEquals("1\t0/3000000\tno recovery target specified\n".getBytes(StandardCharsets.UTF_8),
                reply("content", "1\t0/3000000\tno recovery target specified\n").requireBytes("TIMELINE_HISTORY 2",
                        "content"));
    }

    @Test
    void malformedValuesNameTheCommandTheColumnAndTheValue() {
        assertEquals("the answer to IDENTIFY_SYSTEM has timeline \"two\", not a number",
                assertThrows(MalformedReplyException.class,
                        () -> reply("timeline", "two").requireInt("IDENTIFY_SYSTEM", "timeline")).getMessage());
        assertEquals("the answer to IDENTIFY_SYSTEM has xlogpos \"16B3748\", not a WAL position",
                assertThrows(MalformedReplyException.class,
                        () -> reply("xlogpos", "16B3748").requireLsn("IDENTIFY_SYSTEM", "xlogpos")).getMessage());
        assertEquals("the answer to IDENTIFY_SYSTEM has no systemid", assertThrows(MalformedReplyException.class,
                () -> reply("timeline", "1").requireText("IDENTIFY_SYSTEM", "systemid")).getMessage());
        assertEquals("the answer to IDENTIFY_SYSTEM has no systemid (no row)", assertThrows(
                MalformedReplyException.class, () -> new QueryResult(List.of("systemid"), List.of())
                        .requireText("IDENTIFY_SYSTEM", "systemid")).getMessage());
        assertEquals("the answer to TIMELINE_HISTORY 2 has no content", assertThrows(MalformedReplyException.class,
                () -> reply("content", null).requireBytes("TIMELINE_HISTORY 2", "content")).getMessage());
    }
}
