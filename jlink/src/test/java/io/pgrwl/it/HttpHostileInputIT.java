package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile HTTP clients against serve mode (the built image, behind a bearer token): traversal in encodings beyond
 * {@code RestoreCommandIT}'s, wrong and malformed methods, oversized request heads, clients that trickle their request
 * or stop reading the answer, and hundreds at once. Each answer is a 4xx where due and never a file from outside the
 * archive; the process stays within bounded memory; other clients are served meanwhile.
 */
class HttpHostileInputIT {

    private static final String SEGMENT = "000000010000000000000003";
    private static final String TOKEN = "0123456789abcdef0123456789abcdef";
    private static final String AUTH = "Authorization: Bearer " + TOKEN + "\r\n";
    /** The server's limit on a request head and on a blocked write (ConnectionGuard.LIMIT), plus its check period. */
    private static final Duration SERVER_LIMIT = Duration.ofSeconds(30 + 5);
    private static final long RSS_BOUND_MIB = 400;

    private static Path base;
    private static Path wal;
    private static Path tmpCanary;
    private static String canary;
    private static byte[] segment;
    private static Pgrwl serve;
    private static int port;
    private static long pid;
    /** Figures of the parts of a report row that passed so far, by row id. */
    private static final Map<String, List<String>> PARTS = new ConcurrentHashMap<>();

    @BeforeAll
    static void startServe() throws Exception {
        base = Os.tempDir("pgrwl-http-hostile");
        wal = Files.createDirectories(base.resolve("wal"));
        segment = new byte[16 << 20];
        new Random(8).nextBytes(segment);
        Files.write(wal.resolve(SEGMENT), segment);
        // a canary beside the served directory and one in /tmp: any traversal that reaches a file shows its text
        canary = "canary-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(Long.toString(System.nanoTime()).getBytes(StandardCharsets.UTF_8)));
        Files.writeString(base.resolve("canary.txt"), canary);
        tmpCanary = Files.writeString(Path.of("/tmp", "pgrwl-canary-" + ProcessHandle.current().pid() + ".txt"),
                canary);
        serve = Pgrwl.serve(base, "serve", Pgrwl.serveConfig(wal, "  listen_address: 127.0.0.1",
                "  auth_token: ${SERVE_TOKEN}", "metrics:", "  enable: true", "ui:", "  enable: true"))
                .env("SERVE_TOKEN", TOKEN).start();
        port = serve.apiPort();
        pid = ProcessHandle.allProcesses().filter(p -> p.info().arguments().map(a -> List.of(a)
                .contains(serve.config.toString())).orElse(false)).findFirst().orElseThrow().pid();
    }

    @AfterAll
    static void stopServe() throws Exception {
        try {
            assertEquals(0, serve.stop(), "serve mode exits 0 on SIGTERM after the hostile clients");
        } finally {
            Files.deleteIfExists(tmpCanary);
            Os.deleteTree(base);
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void traversalInOtherEncodingsIsRefusedAndReachesNothingOutsideTheArchive() throws Exception {
        String tmp = tmpCanary.getFileName().toString();
        String[] targets = {
            "/api/v1/wal/%252e%252e%252fcanary.txt", "/api/v1/wal/%252e%252e%252f%252e%252e%252ftmp%252f" + tmp,
            "/api/v1/wal/..\\canary.txt", "/api/v1/wal/..%5Ccanary.txt", "/api/v1/wal/..%5c..%5ctmp%5c" + tmp,
            "/api/v1/wal/%c0%ae%c0%ae/canary.txt", "/api/v1/wal/%c0%ae%c0%ae%c0%afcanary.txt",
            "/api/v1/wal/..;/canary.txt", "/api/v1/wal/" + SEGMENT + "/..;/..;/canary.txt",
            "/api/v1/wal/%e2%80%a5/canary.txt", "/api/v1/wal/%ef%bc%8e%ef%bc%8e%ef%bc%8fcanary.txt",
            "http://x/../../etc/passwd", "http://127.0.0.1/api/v1/wal/../../canary.txt",
            "http://127.0.0.1/../../../tmp/" + tmp, "/api/v1/wal//etc/passwd", "//etc/passwd",
            "/api/v1/wal/%2F%2Fetc%2Fpasswd", "/ui/assets/..%2F..%2F..%2Fetc%2Fpasswd",
            "/ui/assets/%2e%2e%2f%2e%2e%2fcanary.txt", "/ui/assets/" + "..%2F".repeat(8) + "tmp%2F" + tmp,
            "/wal/%252e%252e%252fcanary.txt", "/api/v1/wal/.%2e/canary.txt",
        };
        for (String target : targets) {
            Answer a = Answer.of(port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH + "\r\n");
            assertTrue(a.status == 400 || a.status == 404, target + " answered " + a.statusLine());
            assertFalse(a.text.contains(canary) || a.text.contains("root:"), target + " showed a file: " + a.text);
        }
        // the UI's assets need no token: a path that starts there must not reach a route that needs one
        for (String target : new String[] {"/ui/assets/x%2F..%2F..%2Fapi%2Fv1%2Fstatus",
            "/ui/assets/%2e%2e/%2e%2e/api/v1/wal/" + SEGMENT, "/ui/assets/..%2F..%2Fapi%2Fv1%2Fwal%2F" + SEGMENT}) {
            Answer a = Answer.of(port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            assertTrue(a.status == 400 || a.status == 401 || a.status == 404, target + ": " + a.statusLine());
            assertFalse(a.text.contains("\"mode\"") || a.text.contains("Repr-Digest"), target + ": " + a.text);
        }
        assertEquals(200, Answer.of(port, "GET /api/v1/wal/" + SEGMENT + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH
                + "\r\n").status, "the segment itself is still served");
        ReliabilityReport.passed(new ReliabilityReport.Row("8.http-traversal",
                "serve mode: traversal in encodings beyond RestoreCommandIT's",
                targets.length + " traversal paths (double-encoded, \\ and %5C, overlong UTF-8, ..;/, Unicode"
                        + " look-alikes, absolute URIs in the request line, UI asset paths) with the token; 3 UI"
                        + " paths towards token-guarded routes without it",
                "every answer 400 or 404 (401 without the token); no answer shows a canary file beside the"
                        + " archive or in /tmp, nor /etc/passwd; the segment is still served",
                targets.length + 3 + " requests, 0 files outside the archive read"));
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void wrongAndMalformedMethodsAre4xxAndChangeNothing() throws Exception {
        List<String> seen = new ArrayList<>();
        for (String method : new String[] {"PUT", "DELETE", "POST", "PATCH", "TRACE", "OPTIONS", "FOO"}) {
            Answer a = Answer.of(port, method + " /api/v1/wal/" + SEGMENT + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH
                    + "Content-Length: 4\r\n\r\nxxxx");
            assertEquals(405, a.status, method + " on a WAL file: " + a.statusLine());
            assertTrue(a.head.contains("Allow: GET, HEAD"), a.head);
            seen.add(method + " " + a.status);
        }
        for (String request : new String[] {"TRACE / HTTP/1.1", "DELETE /api/v1/status HTTP/1.1",
            "PUT /ui/ HTTP/1.1", "POST /health HTTP/1.1", "FOO /metrics HTTP/1.1", "G@T /api/v1/status HTTP/1.1",
            "GET\t/api/v1/status HTTP/1.1", "CONNECT 127.0.0.1:22 HTTP/1.1"}) {
            Answer a = Answer.of(port, request + "\r\nHost: 127.0.0.1\r\n" + AUTH + "\r\n");
            assertTrue(a.status == 400 || a.status == 404 || a.status == 405, request + ": " + a.statusLine());
            seen.add(request.split("[ \t]")[0] + " " + a.status);
        }
        assertEquals(400, Answer.of(port, "G@T /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").status,
                "a method that is not an HTTP token is the client's error, never a 500");
        assertArrayEquals(segment, Files.readAllBytes(wal.resolve(SEGMENT)), "no method changed the segment");
        assertFalse(serve.logText().contains("Internal server error"), "no request was taken for a server fault");
        part("8.http-methods-headers", 2, "methods: " + String.join(", ", seen));
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void oversizedRequestHeadsAre4xxAndOthersAreStillServed() throws Exception {
        String big = "GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH + "X-Big: " + "a".repeat(64 * 1024)
                + "\r\n\r\n";
        StringBuilder many = new StringBuilder("GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH);
        for (int i = 0; i < 500; i++) {
            many.append("X-Header-").append(i).append(": ").append("v".repeat(40)).append("\r\n");
        }
        String longLine = "GET /api/v1/wal/" + "0".repeat(8 * 1024) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH
                + "\r\n";
        List<String> seen = new ArrayList<>();
        for (String[] c : new String[][] {{"64 KiB header", big}, {"500 headers", many + "\r\n"},
            {"8 KiB request line", longLine}}) {
            Answer a = Answer.of(port, c[1]);
            assertTrue(a.status == 400 || a.status == 414 || a.status == 431, c[0] + ": " + a.statusLine());
            seen.add(c[0] + " " + a.status);
            assertEquals(200, Answer.of(port, "GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH + "\r\n")
                    .status, "served after the " + c[0]);
        }
        part("8.http-methods-headers", 2, "heads: " + String.join(", ", seen));
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void tricklingAndSilentClientsAreCutWhileOthersAreServed() throws Exception {
        int tricklers = 50;
        int silent = 10;
        java.util.concurrent.atomic.AtomicInteger connected = new java.util.concurrent.atomic.AtomicInteger();
        Map<Integer, Long> cutAfterMs = new ConcurrentHashMap<>();
        AtomicLong answered = new AtomicLong();
        long started = System.nanoTime();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < tricklers + silent; i++) {
                int id = i;
                // half trickle the request line, half send it at once and trickle the headers: both phases are cut
                String head = id % 2 == 0
                        ? "GET /api/v1/status?pad=" + "p".repeat(60) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH
                                + "\r\n"
                        : "GET /api/v1/status HTTP/1.1\r\n" + "X-Trickle: " + "t".repeat(100) + "\r\n\r\n";
                clients.submit(() -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                        connected.incrementAndGet();
                        OutputStream out = s.getOutputStream();
                        byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
                        int from = 0;
                        if (id % 2 == 1) {
                            from = head.indexOf('\n') + 1;
                            out.write(bytes, 0, from);
                        }
                        if (id >= tricklers) {
                            from = bytes.length; // silent: connected, sends nothing at all
                        }
                        for (int b = from; b < bytes.length; b++) {
                            out.write(bytes[b]);
                            out.flush();
                            Thread.sleep(1000); // the injected fault: one byte a second
                        }
                        s.setSoTimeout((int) SERVER_LIMIT.toMillis() + 30_000);
                        if (s.getInputStream().read() >= 0) {
                            answered.incrementAndGet(); // the whole head arrived in time: not a cut
                        }
                    } catch (IOException e) {
                        // the server closed the connection: a write failed or the read saw a reset
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    cutAfterMs.put(id, (System.nanoTime() - started) / 1_000_000);
                    return null;
                });
            }
            Await.until("all " + (tricklers + silent) + " slow clients connected", Duration.ofSeconds(30),
                    () -> connected.get() == tricklers + silent);
            List<Long> latencies = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                long t = System.nanoTime();
                assertEquals(200, Answer.of(port, "GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH
                        + "\r\n").status);
                latencies.add((System.nanoTime() - t) / 1_000_000);
            }
            long p99 = percentile(latencies, 99);
            assertTrue(p99 < 1000, "a normal request took " + p99 + " ms (p99) among the trickling clients");
            Await.until("the server to close every trickling and silent connection", SERVER_LIMIT.plusSeconds(40),
                    () -> cutAfterMs.size() == tricklers + silent);
            long slowest = Collections.max(cutAfterMs.values());
            assertEquals(0, answered.get(), "no trickled request was answered");
            assertTrue(slowest < SERVER_LIMIT.plusSeconds(15).toMillis(), "the last slow client was cut after "
                    + slowest + " ms");
            part("8.http-slow-clients", 2, tricklers + " tricklers (1 byte/s: 25 in the request line, 25 in the"
                    + " headers) and " + silent + " silent clients cut within " + slowest / 1000 + " s; 100 normal"
                    + " requests meanwhile p99 " + p99 + " ms");
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aSlowReaderGetsTheWholeSegmentWhileStalledReadersAreCutWithinBoundedMemory() throws Exception {
        int stalled = 100;
        try (RssSampler rss = new RssSampler(pid); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<byte[]> slow = pool.submit(() -> slowRead(256 * 1024));
            long cutsBefore = cuts();
            List<Socket> idle = new ArrayList<>();
            for (int i = 0; i < stalled; i++) {
                Socket s = new Socket();
                s.setReceiveBufferSize(16 * 1024); // a small window, so the server's writes block soon
                s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                s.getOutputStream().write(("GET /api/v1/wal/" + SEGMENT + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH
                        + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                idle.add(s); // and never read: the injected fault
            }
            long stalledAt = System.nanoTime();
            assertEquals(200, Answer.of(port, "GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH + "\r\n")
                    .status, "served while " + stalled + " readers stall");
            Await.until("the server to cut the " + stalled + " stalled readers", SERVER_LIMIT.plusSeconds(40),
                    () -> cuts() - cutsBefore >= stalled);
            long cutAfter = (System.nanoTime() - stalledAt) / 1_000_000;
            for (Socket s : idle) {
                try (s) {
                    s.setSoTimeout(10_000);
                    long got = drain(s.getInputStream());
                    assertTrue(got < segment.length, "a stalled reader got the whole segment: " + got);
                } catch (java.net.SocketTimeoutException e) {
                    throw new AssertionError("a stalled reader's connection is still open after the server's cuts", e);
                } catch (IOException e) {
                    // reset by the server: cut as well
                }
            }
            byte[] body = slow.get(3, TimeUnit.MINUTES);
            assertEquals(segment.length, body.length, "the slow reader got the whole body");
            assertArrayEquals(segment, body);
            long peak = rss.peakMiB();
            assertTrue(peak < RSS_BOUND_MIB, "peak RSS " + peak + " MiB during " + stalled + " stalled readers");
            assertEquals(200, Answer.of(port, "GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH + "\r\n")
                    .status);
            part("8.http-slow-clients", 2, "a reader at 256 KiB/s got all 16 MiB (" + slowSeconds + " s, over the"
                    + " 30 s limit); " + stalled + " readers that read nothing cut after " + cutAfter / 1000
                    + " s; peak RSS " + peak + " MiB");
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void threeHundredConcurrentClientsAreAllServedWithinBoundedMemory() throws Exception {
        int clients = 300;
        int segmentClients = 50;
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        Set<String> problems = ConcurrentHashMap.newKeySet();
        CountDownLatch go = new CountDownLatch(1);
        long peak;
        try (RssSampler rss = new RssSampler(pid); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
             HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                     .connectTimeout(Duration.ofSeconds(10)).executor(pool).build()) {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                boolean wantsSegment = i < segmentClients;
                all.add(pool.submit(() -> {
                    go.await();
                    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + (wantsSegment ? "/api/v1/wal/" + SEGMENT : "/api/v1/status")))
                            .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(90)).build();
                    long t = System.nanoTime();
                    HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
                    long length;
                    try (InputStream in = r.body()) {
                        length = drain(in);
                    }
                    latencies.add((System.nanoTime() - t) / 1_000_000);
                    statuses.merge(r.statusCode(), 1, Integer::sum);
                    if (r.statusCode() == 200 && wantsSegment && length != segment.length) {
                        problems.add("a segment of " + length + " bytes");
                    } else if ((r.statusCode() == 503 || r.statusCode() == 429)
                            && r.headers().firstValue("Retry-After").isEmpty()) {
                        problems.add(r.statusCode() + " without Retry-After");
                    } else if (r.statusCode() != 200 && r.statusCode() != 503 && r.statusCode() != 429) {
                        problems.add("status " + r.statusCode());
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : all) {
                f.get(3, TimeUnit.MINUTES);
            }
            peak = rss.peakMiB();
        }
        assertEquals(Set.of(), problems);
        assertEquals(clients, latencies.size(), "every client got an answer");
        assertTrue(peak < RSS_BOUND_MIB, "peak RSS " + peak + " MiB with " + clients + " clients");
        assertEquals(200, Answer.of(port, "GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH + "\r\n")
                .status, "served normally afterwards");
        long p50 = percentile(latencies, 50);
        long p99 = percentile(latencies, 99);
        ReliabilityReport.passed(new ReliabilityReport.Row("8.http-concurrency",
                "serve mode: hundreds of concurrent clients",
                clients + " clients at once over HTTP/1.1: " + segmentClients + " GET a 16 MiB segment, "
                        + (clients - segmentClients) + " GET /api/v1/status",
                "every answer 200 (or a 503/429 with Retry-After), every segment whole, none past 90 s; RSS of"
                        + " the process (VmRSS) below " + RSS_BOUND_MIB + " MiB; a normal request afterwards",
                clients + " clients, statuses " + statuses + ", p50 " + p50 + " ms, p99 " + p99 + " ms, max "
                        + Collections.max(latencies) + " ms, peak RSS " + peak + " MiB"));
    }

    private static volatile long slowSeconds;

    /** GET of the segment, read at {@code bytesPerSecond}: @return the body */
    private static byte[] slowRead(int bytesPerSecond) throws Exception {
        long started = System.nanoTime();
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(32 * 1024);
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(60_000);
            s.getOutputStream().write(("GET /api/v1/wal/" + SEGMENT + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH
                    + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            String head = readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            int length = Integer.parseInt(header(head, "Content-Length"));
            ByteArrayOutputStream body = new ByteArrayOutputStream(length);
            byte[] chunk = new byte[bytesPerSecond / 8];
            while (body.size() < length) {
                int n = in.read(chunk, 0, Math.min(chunk.length, length - body.size()));
                if (n < 0) {
                    break;
                }
                body.write(chunk, 0, n);
                Thread.sleep(125L * n / chunk.length); // the injected fault: reading at bytesPerSecond
            }
            slowSeconds = (System.nanoTime() - started) / 1_000_000_000;
            return body.toByteArray();
        }
    }

    /** @return how many connections the server reported cutting because their client stopped reading */
    private static long cuts() throws IOException {
        return serve.logText().lines().filter(l -> l.contains("closing the HTTP connection")
                && l.contains("stopped reading")).count();
    }

    private static long drain(InputStream in) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
            total += n;
        }
        return total;
    }

    private static long percentile(List<Long> values, int p) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    /** Records a report row made of {@code parts} test methods once the last of them passed. */
    private static void part(String id, int parts, String figures) {
        List<String> done = PARTS.computeIfAbsent(id, k -> Collections.synchronizedList(new ArrayList<>()));
        done.add(figures);
        if (done.size() < parts) {
            return;
        }
        if (id.equals("8.http-methods-headers")) {
            ReliabilityReport.passed(new ReliabilityReport.Row(id, "serve mode: wrong methods, oversized heads",
                    "PUT/DELETE/POST/PATCH/TRACE/OPTIONS/an unknown token on a WAL file; TRACE, DELETE, PUT, POST and"
                            + " unknown methods elsewhere; G@T, a tab, CONNECT; a 64 KiB header, 500 headers (32 KiB),"
                            + " an 8 KiB request line",
                    "WAL files: 405 with Allow: GET, HEAD; elsewhere 400/404/405, never 2xx or 5xx; the segment"
                            + " unchanged; oversized heads 400/414/431 and the next request served",
                    String.join("; ", done)));
        } else {
            ReliabilityReport.passed(new ReliabilityReport.Row(id, "serve mode: slow clients",
                    "clients trickling their request head at 1 byte/s, silent clients, 100 readers that read"
                            + " nothing of a 16 MiB segment, one reading it at 256 KiB/s",
                    "slow and stalled clients cut by the server after its 30 s per-connection limit, the slow"
                            + " reader never (its body equals the segment); normal requests served meanwhile; RSS"
                            + " below " + RSS_BOUND_MIB + " MiB",
                    String.join("; ", done)));
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        return head.toString();
    }

    private static String header(String head, String name) {
        Matcher m = Pattern.compile("(?im)^" + Pattern.quote(name) + ": *([^\r]*)").matcher(head);
        return m.find() ? m.group(1) : null;
    }

    /** One raw request, written byte for byte (no client-side normalisation), and its answer. */
    private record Answer(int status, String head, String text) {

        /** Sends {@code request} on a new connection; reads the head and up to 64 KiB of the body. */
        static Answer of(int port, String request) throws IOException {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(15_000);
                s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                InputStream in = s.getInputStream();
                String head;
                try {
                    head = readHead(in);
                } catch (IOException e) {
                    head = ""; // reset before any answer: no status, the caller's assertion names the request
                }
                if (head.isEmpty()) {
                    return new Answer(-1, "", "");
                }
                String length = header(head, "Content-Length");
                // bodies are read by length: Helidon 4.2 keeps a connection open after Connection: close
                int n = length == null ? 0 : (int) Math.min(Long.parseLong(length.trim()), 64 * 1024);
                return new Answer(Integer.parseInt(head.substring(9, 12)), head,
                        head + new String(in.readNBytes(n), StandardCharsets.ISO_8859_1));
            }
        }

        String statusLine() {
            return status < 0 ? "no answer (connection closed)" : head.substring(0, head.indexOf('\r'));
        }
    }

    /** Samples the VmRSS of a process every 100 ms until closed; the sampling period is no synchronisation. */
    private static final class RssSampler implements AutoCloseable {
        private final Thread thread;
        private volatile long peakKib;
        private volatile boolean stop;

        RssSampler(long pid) {
            Path status = Path.of("/proc", Long.toString(pid), "status");
            thread = Thread.ofPlatform().daemon().start(() -> {
                while (!stop) {
                    try {
                        for (String l : Files.readAllLines(status)) {
                            if (l.startsWith("VmRSS:")) {
                                peakKib = Math.max(peakKib, Long.parseLong(l.replaceAll("\\D", "")));
                            }
                        }
                        Thread.sleep(100);
                    } catch (IOException | InterruptedException e) {
                        return;
                    }
                }
            });
        }

        long peakMiB() {
            return peakKib / 1024;
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join();
        }
    }
}
