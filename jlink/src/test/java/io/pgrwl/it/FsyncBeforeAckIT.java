package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * fsync before acknowledgement, proven from the system calls: pgrwl runs as the synchronous standby under strace,
 * which records every write to a WAL file (pwrite64 with its offset), every fdatasync/fsync and every write to the
 * replication socket. Each standby status update ('r' message) found on the socket names a flush position F; at that
 * moment, in the order the kernel saw the calls:
 * <ol>
 *   <li>every write to a segment below F completed and was followed by a completed fsync of that segment file;</li>
 *   <li>no write below F to that segment comes later (pgrwl never writes bytes it already acknowledged);</li>
 * </ol>
 * and at the end pgrwl's segments equal pg_receivewal's, so the bytes written were the WAL. This does not rely on
 * anything pgrwl says about itself. Mirrors pg_receivewal --synchronous, which fsyncs before each feedback message
 * (<a href="https://github.com/postgres/postgres/blob/REL_15_STABLE/src/bin/pg_basebackup/receivelog.c">receivelog.c</a>,
 * ProcessXLogDataMsg and HandleCopyStream).
 */
@Timeout(value = 5, unit = java.util.concurrent.TimeUnit.MINUTES)
class FsyncBeforeAckIT {

    private static final int SEGMENT = 1024 * 1024;
    /** A standby status update: CopyData 'd', length 38, 'r', then write, flush, apply LSNs (strace -xx hex). */
    private static final Pattern STATUS_UPDATE = Pattern.compile(
            "\"\\\\x64\\\\x00\\\\x00\\\\x00\\\\x26\\\\x72((?:\\\\x[0-9a-f]{2}){16})");
    /** pwrite64(FD<PATH>, BUFFER, COUNT, OFFSET) = WRITTEN; with -xx the path is hex-escaped too */
    private static final Pattern PWRITE = Pattern.compile(
            "^pwrite64\\(\\d+<([^>]*)>, .*, (\\d+), (\\d+)\\) = (\\d+)$");
    private static final Pattern SYNC = Pattern.compile("^f(?:data)?sync\\(\\d+<([^>]*)>\\) = 0$");
    private static final Pattern WAL_FILE = Pattern.compile(".*/([0-9A-F]{24})(?:\\.partial)?");
    private static final Pattern SOCKET_WRITE = Pattern.compile("^(?:write|sendto|sendmsg)\\(\\d+<TCP");

    @Test
    void everyAcknowledgedByteWasWrittenAndFsyncedBeforeTheStatusUpdateThatReportsIt() throws Exception {
        Path strace = Path.of("/usr/bin/strace");
        Assumptions.assumeTrue(Files.isExecutable(strace), "needs strace (apt-get install strace)");
        Path base = Os.tempDir("pgrwl-fsync-ack");
        Path wal = base.resolve("pgrwl-wal");
        Path reference = base.resolve("recv-wal");
        Path trace = base.resolve("strace.txt");
        int commits = 300;
        try (PgCluster pg = PgCluster.init(base, "primary", 1, "synchronous_standby_names = 'pgrwl'",
                "synchronous_commit = on").start()) {
            pg.execute("select pg_create_physical_replication_slot('recv', true)");
            // -f: every thread (--seccomp-bpf: only the traced calls stop the process); -yy: fds named by path or socket; -xx -s 48: the first 48 bytes of each buffer in hex
            try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, Pgrwl.config(wal, "pgrwl")).env("PGSSLMODE",
                    "disable").under(List.of(strace.toString(), "-f", "--seccomp-bpf", "-qq", "-yy", "-xx", "-s", "48", "-o",
                    trace.toString(), "-e", "trace=pwrite64,fdatasync,fsync,write,sendto,sendmsg")).start();
                 PgReceiveWal recv = new PgReceiveWal(pg, reference, "recv").start()) {
                Await.until("pgrwl is the synchronous standby", Duration.ofMinutes(2), () -> "sync".equals(
                        pg.queryOne("select sync_state from pg_stat_replication where application_name = 'pgrwl'")));
                pg.execute("create table t(id int, v text)");
                for (int i = 0; i < commits; i++) { // each returns only once pgrwl acknowledged it
                    pg.execute("insert into t select g, md5(g::text) from generate_series(1, 200) g");
                    if (i % 60 == 59) {
                        pg.execute("select pg_switch_wal()");
                    }
                }
                String end = pg.queryOne("select pg_current_wal_flush_lsn()");
                Slots.awaitFlushed(pg, "recv", end, Duration.ofMinutes(1));
                assertEquals(0, pgrwl.stopInsideWrapper());
                recv.stop();
            }
            Check check = check(Files.readAllLines(trace, StandardCharsets.ISO_8859_1));
            assertTrue(check.acks >= commits, "status updates found on the socket: " + check.acks + " (one per"
                    + " synchronous commit at least)");
            assertTrue(check.syncs >= commits / 2, "fsyncs of WAL files: " + check.syncs);
            assertTrue(check.violations.isEmpty(), check.violations.size() + " violations, first: "
                    + check.violations.subList(0, Math.min(5, check.violations.size())));
            assertSameSegments(reference, wal);
            ReliabilityReport.passed(new ReliabilityReport.Row("R.fsync-before-ack", "pgrwl as the synchronous"
                    + " standby under strace, " + commits + " synchronous commits, 1 MiB segments",
                    "none (an observation): every pwrite64 to a WAL file, every fdatasync/fsync, every write to the"
                    + " replication socket recorded by strace -f", "at each standby status update the bytes below"
                    + " its flush position were written and fsynced before it, and never written again after it;"
                    + " pgrwl's segments equal pg_receivewal's", check.acks + " status updates checked, "
                    + check.advancing + " of them advancing the flush position, " + check.syncs + " fsyncs, "
                    + check.writes + " WAL writes, 0 violations"));
        }
        Os.deleteTree(base);
    }

    /** What the trace showed. */
    private record Check(int acks, int advancing, int syncs, int writes, List<String> violations) {
    }

    /** The state of one segment file as the system calls left it. */
    private static final class SegmentState {
        /** lowest offset written since the last completed fsync, or MAX when everything written is synced */
        long unsyncedFrom = Long.MAX_VALUE;
        /** lowest offset a later write may touch: the acknowledged offset within this segment */
        long acknowledgedUpTo;
    }

    private static Check check(List<String> lines) {
        Map<String, String> unfinished = new HashMap<>();
        Map<Long, SegmentState> segments = new HashMap<>();
        List<String> violations = new ArrayList<>();
        int acks = 0;
        int advancing = 0;
        int syncs = 0;
        int writes = 0;
        long lastFlush = 0;
        for (String raw : lines) {
            // "PID call(...) = ret", or split by another thread: "PID call(... <unfinished ...>" then
            // "PID <... call resumed>...) = ret": a call counts where it completed
            int space = raw.indexOf(' ');
            String pid = raw.substring(0, space);
            String line = raw.substring(space + 1).stripLeading(); // strace pads short PIDs
            if (line.endsWith("<unfinished ...>")) {
                unfinished.put(pid, line.substring(0, line.length() - "<unfinished ...>".length()));
                continue;
            }
            if (line.startsWith("<... ")) {
                String head = unfinished.remove(pid);
                if (head == null) {
                    continue;
                }
                // strace pads the resumed part: "fdatasync(82<f> <unfinished ...>" + "<... fdatasync resumed>)   = 0"
                line = (head.stripTrailing() + line.substring(line.indexOf("resumed>") + "resumed>".length()))
                        .replaceFirst("\\)\\s+= ", ") = ");
            }
            Matcher m;
            Matcher file;
            if ((m = PWRITE.matcher(line)).matches()
                    && (file = WAL_FILE.matcher(unescape(m.group(1)))).matches()) {
                long offset = Long.parseLong(m.group(3));
                long end = offset + Long.parseLong(m.group(4));
                SegmentState s = segments.computeIfAbsent(segmentNumber(file.group(1)), k -> new SegmentState());
                if (offset < s.acknowledgedUpTo) {
                    violations.add("a write at " + offset + ".." + end + " of " + file.group(1) + " after offset "
                            + s.acknowledgedUpTo + " was acknowledged");
                }
                s.unsyncedFrom = Math.min(s.unsyncedFrom, offset);
                writes++;
            } else if ((m = SYNC.matcher(line)).matches()
                    && (file = WAL_FILE.matcher(unescape(m.group(1)))).matches()) {
                segments.computeIfAbsent(segmentNumber(file.group(1)), k -> new SegmentState()).unsyncedFrom =
                        Long.MAX_VALUE;
                syncs++;
            } else if (SOCKET_WRITE.matcher(line).find() && (m = STATUS_UPDATE.matcher(line)).find()) {
                byte[] lsns = hex(m.group(1));
                long flush = java.nio.ByteBuffer.wrap(lsns, 8, 8).getLong();
                acks++;
                if (flush > lastFlush) {
                    advancing++;
                }
                lastFlush = Math.max(lastFlush, flush);
                long segno = flush / SEGMENT;
                long offset = flush % SEGMENT;
                for (var e : segments.entrySet()) {
                    long limit = e.getKey() < segno ? SEGMENT : e.getKey() == segno ? offset : 0;
                    if (e.getValue().unsyncedFrom < limit) {
                        violations.add("status update with flush " + Long.toHexString(flush) + " while segment "
                                + e.getKey() + " had bytes from offset " + e.getValue().unsyncedFrom
                                + " written but not fsynced");
                    }
                    if (limit > e.getValue().acknowledgedUpTo) {
                        e.getValue().acknowledgedUpTo = limit;
                    }
                }
            }
        }
        return new Check(acks, advancing, syncs, writes, violations);
    }

    /** Segment number of a WAL file name for 1 MiB segments (the timeline is not part of it). */
    private static long segmentNumber(String walName) {
        long segmentsPerId = 0x100000000L / SEGMENT;
        return Long.parseLong(walName.substring(8, 16), 16) * segmentsPerId + Long.parseLong(walName.substring(16), 16);
    }

    /** strace's {@code \\xNN} escapes back to characters (the paths are ASCII). */
    private static String unescape(String escaped) {
        Matcher m = Pattern.compile("\\\\x([0-9a-f]{2})").matcher(escaped);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(String.valueOf((char) Integer.parseInt(m.group(1), 16))));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static byte[] hex(String escaped) {
        String digits = escaped.replace("\\x", "");
        return java.util.HexFormat.of().parseHex(digits);
    }

    /** pgrwl's completed segments equal pg_receivewal's, name by name. */
    private static void assertSameSegments(Path reference, Path wal) throws Exception {
        var theirs = WalDirs.completed(reference);
        var ours = WalDirs.completed(wal);
        for (var e : ours.entrySet()) {
            assertEquals(theirs.get(e.getKey()), e.getValue(), e.getKey() + " equals pg_receivewal's");
        }
        assertTrue(ours.size() >= 5, "segments compared: " + ours.size());
    }
}
