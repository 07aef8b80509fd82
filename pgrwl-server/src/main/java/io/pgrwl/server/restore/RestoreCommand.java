package io.pgrwl.server.restore;

import io.pgrwl.server.support.Durations;
import io.pgrwl.spi.Backoff;
import io.pgrwl.spi.WalFileName;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/**
 * {@code pgrwl restore-command --serve-addr HOST:PORT %f %p}: PostgreSQL's {@code restore_command}, fetching one WAL
 * file from serve mode.
 *
 * <p>The exit status is what PostgreSQL acts on: 0 restored; 1 the server has no such file (PostgreSQL then tries its
 * other sources or ends recovery, as designed); {@value #EXIT_ABORT_RECOVERY} after transient failures outlasting
 * {@code --timeout}, for a refused token, or for bad arguments: any status above 125 makes PostgreSQL stop recovery
 * rather than promote at an earlier point and lose what it could not fetch. Nothing is left at {@code %p} on failure.
 *
 * <p>Runs once per WAL file, so it loads neither Helidon nor the configuration.
 */
@Command(name = "restore-command", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 255,
        exitCodeOnExecutionException = 255,
        description = "Fetches one WAL file from pgrwl serve mode (PostgreSQL restore_command).",
        footer = {"", "Exit: 0 restored; 1 not found; 255 gave up (PostgreSQL stops recovery).",
                "The bearer token comes from $PGRWL_AUTH_TOKEN or --token-file, never the command line."})
public final class RestoreCommand implements Callable<Integer> {

    static final int EXIT_NOT_FOUND = 1;
    /** How long the history probe at the start of a recovery spends fetching the first segment ahead. */
    private static final Duration FIRST_SEGMENT_LIMIT = Duration.ofSeconds(10);
    /** The prefetcher's scheduling priority (nice(1)): below recovery's, which it serves. */
    static final int PREFETCH_NICENESS = 10;
    /** Above 125, which PostgreSQL treats as fatal for restore_command (see wait_result_is_any_signal in xlogarchive.c). */
    public static final int EXIT_ABORT_RECOVERY = 255;

    /** Between attempts against a server that is not answering: short, since recovery is waiting. */
    private static final Backoff RETRY = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2));

    @Option(names = "--serve-addr", required = true, paramLabel = "ADDR",
            description = "serve mode's address: HOST:PORT, :PORT (127.0.0.1) or http(s)://HOST:PORT")
    String serveAddress;

    @Option(names = "--timeout", defaultValue = "60s", paramLabel = "DURATION",
            description = "how long to retry transient failures before giving up (default: ${DEFAULT-VALUE})")
    String timeout;

    @Option(names = "--token-file", paramLabel = "FILE", description = "file holding the bearer token")
    Path tokenFile;

    @Option(names = "--cacert", paramLabel = "FILE", description = "PEM CA certificate(s) to trust for https")
    Path caCert;

    @Option(names = "--no-prefetch", description = "fetch only the file asked for: no spool, no prefetcher")
    boolean noPrefetch;

    @Option(names = "--prefetch", defaultValue = "8", paramLabel = "N",
            description = "segments to fetch ahead of recovery into the spool (default: ${DEFAULT-VALUE})")
    int prefetch = 8;

    @Option(names = "--prefetch-bytes", defaultValue = "256MiB", paramLabel = "SIZE",
            description = "at most this much in the spool, at least one segment (default: ${DEFAULT-VALUE})")
    String prefetchBytes = "256MiB";

    @Parameters(index = "0", paramLabel = "%f", description = "the WAL file name PostgreSQL asks for")
    String walFileName;

    @Parameters(index = "1", paramLabel = "%p", description = "where PostgreSQL wants it")
    Path target;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * The usual command line, {@code restore-command --serve-addr A [--timeout T] [--token-file F] [--cacert C] %f %p},
     * read without picocli: PostgreSQL runs this once per WAL file, and picocli's classes (Java 5 class files, which
     * the JVM's AOT cache cannot hold) cost about 130 ms of each call. Anything else (help, a typo, a missing
     * argument) returns empty and goes through picocli, which stays the definition of the command and its messages.
     */
    public static java.util.Optional<RestoreCommand> parseCommonForm(String[] args) {
        if (args.length < 4 || !args[0].equals("restore-command")) {
            return java.util.Optional.empty();
        }
        RestoreCommand c = new RestoreCommand();
        c.timeout = "60s";
        java.util.List<String> positional = new java.util.ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--no-prefetch")) {
                c.noPrefetch = true;
                continue;
            }
            if (!a.startsWith("-")) {
                positional.add(a);
                continue;
            }
            int eq = a.indexOf('=');
            String name = eq < 0 ? a : a.substring(0, eq);
            String value = eq >= 0 ? a.substring(eq + 1) : i + 1 < args.length ? args[++i] : null;
            if (value == null || value.isEmpty() || (eq < 0 && value.startsWith("-"))) {
                return java.util.Optional.empty();
            }
            switch (name) {
                case "--serve-addr" -> c.serveAddress = value;
                case "--timeout" -> c.timeout = value;
                case "--token-file" -> c.tokenFile = Path.of(value);
                case "--cacert" -> c.caCert = Path.of(value);
                case "--prefetch" -> {
                    try {
                        c.prefetch = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        return java.util.Optional.empty();
                    }
                }
                case "--prefetch-bytes" -> c.prefetchBytes = value;
                default -> {
                    return java.util.Optional.empty();
                }
            }
        }
        if (c.serveAddress == null || positional.size() != 2) {
            return java.util.Optional.empty();
        }
        c.walFileName = positional.get(0);
        c.target = Path.of(positional.get(1));
        return java.util.Optional.of(c);
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec == null ? new PrintWriter(System.err, true) : spec.commandLine().getErr();
        WalDownload download;
        Duration limit;
        String token;
        long spoolBytes;
        try {
            limit = Durations.parse(timeout);
            if (!WalFileName.isServable(walFileName)) {
                throw new IllegalArgumentException("\"" + walFileName + "\" is not a WAL file name; use %f");
            }
            if (prefetch < 1) {
                throw new IllegalArgumentException("--prefetch " + prefetch + ": must be at least 1 (to turn"
                        + " prefetching off, use --no-prefetch)");
            }
            spoolBytes = ByteSize.parse(prefetchBytes);
            token = token(tokenFile);
            download = new WalDownload(caCert == null ? null : TrustedCertificates.sslContext(caCert),
                    ServeAddress.parse(serveAddress), token, walFileName, target);
        } catch (IllegalArgumentException | IOException | java.security.GeneralSecurityException e) {
            err.println("pgrwl restore-command: " + e.getMessage());
            return EXIT_ABORT_RECOVERY;
        }
        java.util.Optional<Spool> spool = noPrefetch ? java.util.Optional.empty() : Spool.forRestore(target,
                Path.of(""));
        boolean segment = WalFileName.isSegment(walFileName);
        if (segment && spool.isPresent() && takeSpooled(spool.get(), err)) {
            afterRestore(spool.get(), spoolBytes, err);
            return 0;
        }
        // The first calls of a recovery ask for history files: from backup_label, start reading ahead, and spool the
        // first segments, which come next, while the prefetcher starts, so that PostgreSQL's next calls take them
        // with a rename instead of starting a JVM of their own.
        java.util.Optional<BackupLabel> label = spool.isPresent() && !segment
                ? BackupLabel.read(spool.get().dataDirectory()).filter(l -> l.start().segmentNumber() > 0)
                : java.util.Optional.empty();
        if (label.isPresent() && noPrefetcherRuns(spool.get(), err)) {
            BackupLabel l = label.get();
            startPrefetcher(spool.get(), new WalFileName(l.start().timeline(), l.start().segmentNumber() - 1, false)
                    .fileName(l.segmentSize()), l.segmentSize(), spoolBytes, err);
            spoolFirstSegments(spool.get(), l, download, err);
        }
        int status = new Retrying(download, limit, err).run();
        if (status == 0 && segment && spool.isPresent()) {
            afterRestore(spool.get(), spoolBytes, err);
        }
        return status;
    }

    /**
     * Fetches a recovery's first segments into the spool, checked as the prefetcher checks what it spools, while the
     * prefetcher starts: the segment of the backup's checkpoint record, which recovery reads first, then the one its
     * redo starts in. Only a head start: any failure is left to
     * the call that asks for the segment.
     */
    private static void spoolFirstSegments(Spool spool, BackupLabel label, WalDownload like, PrintWriter err) {
        try {
            for (WalFileName first : new java.util.LinkedHashSet<>(List.of(label.checkpoint(), label.start()))) {
                String name = first.fileName(label.segmentSize());
                if (!spool.spooled().contains(name)) {
                    like.spoolInto(name, spool.directory().resolve(name), label.segmentSize())
                            .attempt(FIRST_SEGMENT_LIMIT);
                }
            }
        } catch (IOException | RuntimeException e) {
            err.println("pgrwl restore-command: not spooling the first segments ahead: " + e);
        }
    }

    /** @return whether no prefetcher holds this recovery's spool (the start of a recovery) */
    private static boolean noPrefetcherRuns(Spool spool, PrintWriter err) {
        try {
            java.util.Optional<java.nio.channels.FileLock> free = spool.tryLock();
            free.ifPresent(l -> {
                try {
                    l.channel().close();
                } catch (IOException e) {
                    // released when this process exits
                }
            });
            return free.isPresent();
        } catch (IOException e) {
            err.println("pgrwl restore-command: not prefetching: " + e);
            return false;
        }
    }

    /** A segment was restored: tell the prefetcher, and start one if none runs. */
    private void afterRestore(Spool spool, long spoolBytes, PrintWriter err) {
        try {
            long size = Files.size(target);
            if (Long.bitCount(size) != 1 || size < (1 << 20) || size > (1 << 30)) {
                return; // not a whole segment (a test fixture, a damaged archive): nothing to read ahead of
            }
            spool.noteRestored(walFileName);
            startPrefetcher(spool, walFileName, (int) size, spoolBytes, err);
        } catch (IOException | RuntimeException e) {
            err.println("pgrwl restore-command: not prefetching: " + e + "; every file is fetched when PostgreSQL"
                    + " asks for it");
        }
    }

    /**
     * Hands over a segment the prefetcher spooled, when the shell fast path did not (it raced with the prefetcher's
     * rename, or the launcher was started without it). A spooled file was verified before it got its name.
     */
    private boolean takeSpooled(Spool spool, PrintWriter err) {
        try {
            return spool.take(walFileName, target);
        } catch (IOException e) {
            err.println("pgrwl restore-command: " + walFileName + ": cannot take it from the prefetch spool ("
                    + e.getMessage() + "); fetching it from serve mode instead");
            return false;
        }
    }

    /**
     * Starts a prefetcher reading ahead of {@code from} (the segment restored last) if none runs for this recovery.
     * Prefetching only speeds recovery up: a problem here is reported and the restore still counts.
     */
    private void startPrefetcher(Spool spool, String from, int size, long spoolBytes, PrintWriter err) {
        try {
            java.util.Optional<java.nio.channels.FileLock> free = spool.tryLock();
            if (free.isEmpty()) {
                return; // running
            }
            free.get().channel().close();
            String home = System.getProperty("pgrwl.home");
            java.util.Optional<Path> setsid = java.util.stream.Stream.of("/usr/bin/setsid", "/bin/setsid")
                    .map(Path::of).filter(Files::isExecutable).findFirst();
            if (home == null || setsid.isEmpty()) {
                err.println("pgrwl restore-command: not prefetching: " + (home == null ? "not run by the pgrwl"
                        + " launcher" : "setsid (util-linux) is not installed") + "; every file is fetched when"
                        + " PostgreSQL asks for it");
                return;
            }
            List<String> command = new java.util.ArrayList<>(List.of(setsid.get().toString()));
            // Replay is the critical path and the prefetcher only works ahead of it: at a lower priority it takes
            // the CPU the startup process leaves idle instead of slowing replay down on a small machine.
            java.util.Optional<Path> nice = java.util.stream.Stream.of("/usr/bin/nice", "/bin/nice").map(Path::of)
                    .filter(Files::isExecutable).findFirst();
            if (nice.isPresent()) {
                command.addAll(List.of(nice.get().toString(), "-n", Integer.toString(PREFETCH_NICENESS)));
            } else {
                err.println("pgrwl restore-command: nice (coreutils) is not installed: the prefetcher runs at the"
                        + " priority of recovery");
            }
            command.addAll(List.of(Path.of(home, "bin", "pgrwl").toString(), "restore-prefetch", "--serve-addr",
                    serveAddress,
                    "--data-directory", spool.dataDirectory().toString(),
                    "--postmaster-pid", Long.toString(spool.postmaster().pid()),
                    "--postmaster-start", spool.postmaster().startTime(), "--from", from,
                    "--segment-size", Long.toString(size), "--prefetch", Integer.toString(prefetch),
                    "--prefetch-bytes", Long.toString(Math.max(spoolBytes, size))));
            if (tokenFile != null) {
                command.addAll(java.util.List.of("--token-file", tokenFile.toAbsolutePath().toString()));
            }
            if (caCert != null) {
                command.addAll(java.util.List.of("--cacert", caCert.toAbsolutePath().toString()));
            }
            new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(spool.log().toFile()))
                    .start();
        } catch (IOException | RuntimeException e) {
            err.println("pgrwl restore-command: not prefetching: " + e + "; every file is fetched when PostgreSQL"
                    + " asks for it");
        }
    }

    /** The bearer token: from {@code tokenFile}, else {@code $PGRWL_AUTH_TOKEN}, else null. */
    static String token(Path tokenFile) throws IOException {
        if (tokenFile != null) {
            String t = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
            if (t.isEmpty()) {
                throw new IllegalArgumentException("--token-file " + tokenFile + " is empty");
            }
            return t;
        }
        String t = System.getenv("PGRWL_AUTH_TOKEN");
        return t == null || t.isBlank() ? null : t.trim();
    }

    /** Runs attempts until one is final or the time is up. */
    record Retrying(WalDownload download, Duration limit, PrintWriter err) {

        int run() throws InterruptedException {
            long deadline = System.nanoTime() + limit.toNanos();
            int attempts = 0;
            while (true) {
                long remaining = deadline - System.nanoTime();
                WalDownload.Outcome outcome = download.attempt(Duration.ofNanos(Math.max(remaining,
                        Duration.ofSeconds(1).toNanos())));
                attempts++;
                switch (outcome) {
                    case WalDownload.Outcome.Restored r -> {
                        return 0;
                    }
                    case WalDownload.Outcome.NotFound n -> {
                        return EXIT_NOT_FOUND;
                    }
                    case WalDownload.Outcome.NotComplete n -> {
                        throw new IllegalStateException("a restore accepts any verified file: " + n.reason());
                    }
                    case WalDownload.Outcome.Fatal f -> {
                        err.println("pgrwl restore-command: " + download.name() + ": " + f.reason()
                                + "; stopping recovery (exit " + EXIT_ABORT_RECOVERY + ")");
                        return EXIT_ABORT_RECOVERY;
                    }
                    case WalDownload.Outcome.Retry t -> {
                        remaining = deadline - System.nanoTime();
                        if (remaining <= 0) {
                            err.println("pgrwl restore-command: " + download.name() + ": " + t.reason() + "; gave up"
                                    + " after " + attempts + " attempts in " + Durations.format(limit) + " (--timeout);"
                                    + " stopping recovery (exit " + EXIT_ABORT_RECOVERY + ") so that PostgreSQL does"
                                    + " not end it early");
                            return EXIT_ABORT_RECOVERY;
                        }
                        long wait = Math.min(Math.max(RETRY.delay(attempts).toMillis(), t.retryAfter().toMillis()),
                                5000);
                        wait = Math.min(wait, Math.max(1, remaining / 1_000_000));
                        if (attempts == 1 || attempts % 10 == 0) {
                            err.println("pgrwl restore-command: " + download.name() + ": " + t.reason()
                                    + "; retrying for up to " + Math.max(1, remaining / 1_000_000_000) + " s more");
                        }
                        Thread.sleep(wait); // backoff between attempts against a server that is not answering
                    }
                }
            }
        }
    }

    static URI walUri(URI base, String name) {
        return URI.create(base + "/api/v1/wal/" + name);
    }
}
