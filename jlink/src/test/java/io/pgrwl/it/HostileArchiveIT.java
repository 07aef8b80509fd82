package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real archive (receive mode, local storage, zstd + aes-256-gcm) damaged in storage the ways a storage, an operator
 * or an attacker can: a flipped bit, an object cut at a GCM chunk boundary, two segments' objects swapped, two chunks
 * of one object reordered. Serve mode must refuse each with a status and a log line that name the object and the
 * problem, {@code pgrwl restore-command} must exit above 125 (PostgreSQL stops recovery) leaving nothing at {@code %p},
 * and {@code pgrwl verify --deep} must name every damaged object.
 *
 * <p>The swap is the case the codecs cannot see (neither the GCM tags nor zstd's checksums cover the object's name):
 * only the WAL page headers tell it, so serve mode checks them before answering.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class HostileArchiveIT {

    private static final Duration LONG = Duration.ofMinutes(2);
    /** StreamHeader of format v2: a 48-byte header, then chunks of 64 KiB of plaintext plus a 16-byte GCM tag. */
    private static final int HEADER = 48;
    private static final int CHUNK = 65536 + 16;
    private static final String PASS = "hostile-" + java.util.UUID.randomUUID();

    /** One damaged object: the WAL file name asked for, the object's name in storage, what its refusal must say. */
    private record Victim(String kind, String segment, String object, String problem) {
    }

    @Test
    void damagedObjectsAreNeverRestoredAndAreNamed() throws Exception {
        Path base = Os.tempDir("pgrwl-hostile");
        Path wal = base.resolve("pgrwl-wal");
        Path archive = base.resolve("archive");
        String storage = "storage:\n  name: local\n  local:\n    directory: " + archive + "\n  compression:\n"
                + "    algo: zstd\n  encryption:\n    algo: aes-256-gcm\n    pass: ${ARCHIVE_PASS}\n";
        String yaml = Pgrwl.config(wal, "pgrwl") + storage + "  uploader:\n    sync_interval: 1s\n";
        try (PgCluster pg = PgCluster.init(base, "primary", 1).start()) {
            pg.execute("create table t(id int, v text)");
            try (Pgrwl receive = Pgrwl.receive(base, "receive", pg, yaml).env("ARCHIVE_PASS", PASS).start()) {
                for (int i = 0; i < 6; i++) {
                    // random text: its zstd output spans several GCM chunks per 1 MiB segment
                    pg.execute("insert into t select g, md5(random()::text) || md5(random()::text)"
                            + " || md5(random()::text) from generate_series(1, 6000) g", "select pg_switch_wal()");
                }
                String end = pg.queryOne("select pg_current_wal_lsn()");
                Slots.awaitFlushed(pg, "pgrwl", end, LONG);
                Await.until("every completed segment is archived", LONG, () -> WalDirs.completed(wal).keySet()
                        .stream().noneMatch(n -> n.length() == 24));
                assertEquals(0, receive.stop());
            }
        }
        Path objects = archive.resolve("wal-archive");
        List<Path> big;
        try (var files = Files.list(objects)) {
            // at least four chunks: two full ones to reorder after the first, and the final one
            big = files.filter(f -> f.getFileName().toString().endsWith(".zst.aes"))
                    .filter(f -> f.toFile().length() > HEADER + 3L * CHUNK).sorted().toList();
        }
        assertTrue(big.size() >= 6, "six objects of more than three GCM chunks: " + big);
        Path intact = big.get(0);
        List<Victim> victims = damage(big.subList(1, 6));

        Path empty = Files.createDirectories(base.resolve("serve-directory"));
        try (Pgrwl serve = Pgrwl.serve(base, "serve", Pgrwl.serveConfig(empty, storage.strip().split("\n")))
                .env("ARCHIVE_PASS", PASS).start()) {
            int port = serve.apiPort();
            Path control = Files.createDirectories(base.resolve("restore-intact"));
            RestoreCommandRun ok = RestoreCommandRun.run(Map.of(), "--serve-addr", ":" + port,
                    segmentOf(intact), control.resolve("RECOVERYXLOG").toString());
            assertEquals(0, ok.exit(), "an intact object restores: " + ok.output());
            assertEquals(1 << 20, Files.size(control.resolve("RECOVERYXLOG")));

            long slowest = 0;
            for (Victim v : victims) {
                String answer = rawGet(port, "/api/v1/wal/" + v.segment());
                assertTrue(answer.startsWith("HTTP/1.1 503"), v.kind() + ": " + answer);
                assertTrue(answer.contains(v.object()) && answer.contains(v.problem()), v.kind() + ": the answer"
                        + " names the object and the problem: " + answer);

                Path target = Files.createDirectories(base.resolve("restore-" + v.kind()));
                long started = System.nanoTime();
                RestoreCommandRun run = RestoreCommandRun.run(Map.of(), "--serve-addr", ":" + port, "--timeout", "3s",
                        v.segment(), target.resolve("RECOVERYXLOG").toString());
                slowest = Math.max(slowest, System.nanoTime() - started);
                assertTrue(run.exit() > 125, v.kind() + ": exit " + run.exit() + " stops recovery: " + run.output());
                assertTrue(run.output().contains("503") && run.output().contains(v.segment()), run.output());
                try (var left = Files.list(target)) {
                    assertEquals(List.of(), left.toList(), v.kind() + ": nothing at %p, no temporary file either");
                }
            }
            assertEquals(0, serve.stop());
            String log = serve.logText();
            for (Victim v : victims) {
                assertTrue(log.contains("cannot serve " + v.segment() + " now (answering 503): ")
                        && log.lines().anyMatch(l -> l.contains(v.object()) && l.contains(v.problem())),
                        v.kind() + ": the log names the object and the problem");
            }
            assertTrue(!log.contains(PASS), "the archive pass never appears in the log");

            Pgrwl verify = Pgrwl.command(base, "verify", null, yaml, "verify", "--deep").env("ARCHIVE_PASS", PASS);
            assertEquals(1, verify.run(LONG), verify.logText());
            String report = verify.logText();
            for (Victim v : victims) {
                assertTrue(report.contains("DAMAGED  " + v.object() + ": "), v.kind() + " named by verify: " + report);
            }
            ReliabilityReport.passed(new ReliabilityReport.Row("7.tampered-objects",
                    "receive mode's archive (local storage, zstd + aes-256-gcm, 1 MiB segments) damaged in storage;"
                            + " serve mode over it, restore-command through it, verify --deep on it",
                    "one flipped bit, one object cut at a GCM chunk boundary, two segments' objects swapped, two"
                            + " chunks of one object reordered (5 objects)",
                    "each answered 503 naming the object and the problem, and logged so; restore-command exit >125"
                            + " with nothing at %p; verify --deep names all 5; an intact object restores",
                    victims.size() + "/" + victims.size() + " damaged objects refused and named; slowest"
                            + " restore-command refusal " + TimeUnit.NANOSECONDS.toMillis(slowest) + " ms (--timeout"
                            + " 3s)"));
        }
        Os.deleteTree(base);
    }

    /** Damages five objects, one way each (the swap takes two). */
    private static List<Victim> damage(List<Path> five) throws Exception {
        List<Victim> victims = new ArrayList<>();
        Map<String, Path> byKind = new LinkedHashMap<>();
        byKind.put("tampered", five.get(0));
        byKind.put("truncated", five.get(1));
        byKind.put("swapped-a", five.get(2));
        byKind.put("swapped-b", five.get(3));
        byKind.put("reordered", five.get(4));

        byte[] tampered = Files.readAllBytes(byKind.get("tampered"));
        tampered[tampered.length / 2] ^= 0x10;
        Files.write(byKind.get("tampered"), tampered);
        victims.add(victim("tampered", byKind.get("tampered"), "failed authentication at chunk"));

        byte[] whole = Files.readAllBytes(byKind.get("truncated"));
        Files.write(byKind.get("truncated"), java.util.Arrays.copyOf(whole, HEADER + 2 * CHUNK));
        victims.add(victim("truncated", byKind.get("truncated"), "truncated: chunk 2 is missing"));

        byte[] a = Files.readAllBytes(byKind.get("swapped-a"));
        byte[] b = Files.readAllBytes(byKind.get("swapped-b"));
        Files.write(byKind.get("swapped-a"), b);
        Files.write(byKind.get("swapped-b"), a);
        victims.add(victim("swapped-a", byKind.get("swapped-a"), "(a page of another segment)"));
        victims.add(victim("swapped-b", byKind.get("swapped-b"), "(a page of another segment)"));

        byte[] reordered = Files.readAllBytes(byKind.get("reordered"));
        byte[] first = java.util.Arrays.copyOfRange(reordered, HEADER + CHUNK, HEADER + 2 * CHUNK);
        System.arraycopy(reordered, HEADER + 2 * CHUNK, reordered, HEADER + CHUNK, CHUNK);
        System.arraycopy(first, 0, reordered, HEADER + 2 * CHUNK, CHUNK);
        Files.write(byKind.get("reordered"), reordered);
        victims.add(victim("reordered", byKind.get("reordered"), "failed authentication at chunk 1"));
        return victims;
    }

    private static Victim victim(String kind, Path object, String problem) {
        return new Victim(kind, segmentOf(object), "wal-archive/" + object.getFileName(), problem);
    }

    private static String segmentOf(Path object) {
        return object.getFileName().toString().substring(0, 24);
    }

    /** One GET written byte for byte. @return the head and the body (up to 64 KiB) of the response */
    private static String rawGet(int port, String path) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return head.toString();
                }
                head.append((char) b);
            }
            java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)")
                    .matcher(head);
            int body = length.find() ? (int) Math.min(Long.parseLong(length.group(1)), 64 * 1024) : 0;
            return head + new String(in.readNBytes(body), StandardCharsets.UTF_8);
        }
    }
}
