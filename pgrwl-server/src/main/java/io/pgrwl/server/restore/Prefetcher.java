package io.pgrwl.server.restore;

import io.pgrwl.server.support.Durations;
import io.pgrwl.spi.WalFileName;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * The detached process that keeps a recovery's {@link Spool} filled: the next segments after the one PostgreSQL last
 * restored, fetched from serve mode several at a time, each verified and fsynced before it gets its name, so the
 * launcher's shell fast path can hand it over with a rename. Ideas from pgBackRest's asynchronous archive-get (a spool
 * queue filled ahead of recovery) and WAL-G's prefetch directory next to {@code %p}.
 *
 * <p>Exits, deleting the spool, when the postmaster that owns it is gone (or another run owns the data directory),
 * when recovery has ended, when nothing was restored for {@code idleExit}, or when serve mode refuses it for good.
 * Never fetches into the last {@linkplain #reserve reserve} of free space of the WAL filesystem.
 *
 * <p>Runs in one thread plus its fetch workers; not reusable.
 */
final class Prefetcher {

    /** How often the spool and postmaster.pid are looked at: the fast path signals only through files. */
    private static final Duration POLL = Duration.ofMillis(50);
    /** How soon a name serve mode did not have yet (404, or only a .partial) is asked for again. */
    private static final Duration ABSENT_RETRY = Duration.ofSeconds(1);
    private static final Duration FAILED_RETRY = Duration.ofSeconds(2);
    private static final Duration FETCH_LIMIT = Duration.ofSeconds(120);
    private static final long GIB = 1L << 30;
    /** How often asks are looked for: each one is a restore_command call that recovery waits for. */
    private static final Duration ASK_POLL = Duration.ofMillis(3);
    /** How long asks are still answered after recovery has ended. */
    private static final Duration ANSWER_AFTER_RECOVERY = Duration.ofSeconds(2);
    /** Longer than the launcher waits for an answer: after that it runs the JVM path itself. */
    private static final Duration ASK_LIMIT = Duration.ofSeconds(30);

    /** What it was started with. */
    record Settings(URI serve, String token, SSLContext ssl, int segmentSize, int ahead, long maxBytes,
                    Duration idleExit) {
        Settings {
            if (ahead < 1 || maxBytes < segmentSize) {
                throw new IllegalArgumentException("prefetch needs at least one segment ahead and room for one");
            }
        }

        int workers() {
            return Math.min(ahead, 4);
        }
    }

    private final Spool spool;
    private final Settings settings;
    /** Written by the fetch workers, read by the loop. */
    private final Map<String, Instant> notBefore = new ConcurrentHashMap<>();
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private volatile String fatal;
    private volatile boolean stopping;
    private boolean reserveReported;

    Prefetcher(Spool spool, Settings settings) {
        this.spool = spool;
        this.settings = settings;
    }

    /**
     * Runs until one of the exit conditions.
     *
     * @param first the segment PostgreSQL restored just before this prefetcher was started
     * @return 0 after a normal end, also when another prefetcher already runs for this spool
     */
    int run(WalFileName first) throws IOException, InterruptedException {
        Optional<FileLock> lock = spool.tryLock();
        if (lock.isEmpty()) {
            return 0; // a prefetcher for this recovery runs already
        }
        ExecutorService workers = Executors.newFixedThreadPool(settings.workers(), r -> Thread.ofPlatform()
                .name("prefetch").daemon(true).unstarted(r));
        ExecutorService answering = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().name("prefetch-ask")
                .daemon(true).factory());
        try (FileLock held = lock.get()) {
            spool.removeLeftovers();
            spool.announce();
            log("started for postmaster " + spool.postmaster().pid() + ", " + settings.ahead() + " segments ahead, at"
                    + " most " + settings.maxBytes() / (1024 * 1024) + " MiB, from " + settings.serve());
            answering.execute(() -> answerAsks(answering));
            String reason = loop(first, workers);
            log("exiting: " + reason);
        } finally {
            stopping = true;
            spool.withdraw();
            answering.shutdownNow();
            workers.shutdownNow();
            answering.awaitTermination(10, TimeUnit.SECONDS);
            workers.awaitTermination(10, TimeUnit.SECONDS);
            spool.delete();
        }
        return 0;
    }

    /**
     * Answers the launcher's asks ({@link Spool#ASK}): a name PostgreSQL wants now that is not in the spool (a history
     * file, the last segment served from a {@code .partial}, a name serve mode does not have yet). This process is
     * already running, so an answer costs a fetch instead of a JVM start per call. Runs until the prefetcher stops.
     */
    private void answerAsks(ExecutorService answering) {
        while (!stopping) {
            try {
                for (Spool.Ask ask : spool.takeAsks()) {
                    answering.execute(() -> answer(ask));
                }
                Thread.sleep(ASK_POLL.toMillis()); // the launcher signals only through files
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                log("reading asks: " + e);
            }
        }
    }

    /**
     * Fetches what an ask names, as restore-command itself would (any verified answer), into its answer file; or says
     * it is missing (serve mode answered 404 just now) or failed (anything else: the launcher then runs the JVM path,
     * which retries and exits as restore-command always does).
     */
    private void answer(Spool.Ask ask) {
        try {
            String name = ask.name();
            while (inFlight.contains(name) && !stopping) {
                Thread.sleep(ASK_POLL.toMillis()); // spooled in a moment: the launcher takes it from the spool
            }
            if (spool.spooled().contains(name)) {
                spool.markFailed(ask); // the launcher takes it from the spool; if it was pruned, the JVM path
                return;
            }
            WalDownload.Outcome outcome = new WalDownload(settings.ssl(), settings.serve(), settings.token(), name,
                    ask.answer()).attempt(ASK_LIMIT);
            switch (outcome) {
                case WalDownload.Outcome.Restored r -> { }
                case WalDownload.Outcome.NotFound n -> spool.markMissing(ask);
                default -> spool.markFailed(ask);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            log(ask.name() + ": answering an ask failed: " + e);
            try {
                spool.markFailed(ask);
            } catch (IOException again) {
                // the launcher then waits until its time is up, and runs the JVM path
            }
        } finally {
            spool.finish(ask);
        }
    }

    /**
     * A dead pid ends the spool at once. A postmaster.pid that does not name this run must say so twice, a poll apart:
     * the file is rewritten in place while the server runs (AddToDataDirLockFile in miscinit.c), and an editor, a
     * test or a copy tool may truncate before it writes, so one read of an empty or half-written file is not a
     * verdict.
     */
    private boolean postmasterGone() throws InterruptedException {
        if (!spool.postmaster().isAlive()) {
            return true;
        }
        if (namesThisRun()) {
            return false;
        }
        Thread.sleep(POLL.toMillis());
        return !spool.postmaster().isAlive() || !namesThisRun();
    }

    private boolean namesThisRun() {
        return Postmaster.read(spool.dataDirectory()).map(p -> p.sameRunAs(spool.postmaster())).orElse(false);
    }

    private String loop(WalFileName first, ExecutorService workers) throws IOException, InterruptedException {
        WalFileName consumed = first;
        Instant recoveryEnded = null;
        TimelinePlan plan = plan(first.timeline());
        Instant lastProgress = Instant.now();
        while (true) {
            if (postmasterGone()) {
                return "postmaster " + spool.postmaster().pid() + " is gone";
            }
            if (!Postmaster.inArchiveRecovery(spool.dataDirectory())) {
                // PostgreSQL removes the signal file in FinishWalRecovery and then still asks for history files
                // (findNewestTimeLine, writeTimeLineHistory): answer those asks for a moment, fetch nothing ahead
                recoveryEnded = recoveryEnded == null ? Instant.now() : recoveryEnded;
                if (Duration.between(recoveryEnded, Instant.now()).compareTo(ANSWER_AFTER_RECOVERY) > 0) {
                    return "recovery has ended";
                }
                Thread.sleep(POLL.toMillis()); // polling: postmaster.pid and the asks are files, nothing to await
                continue;
            }
            if (fatal != null) {
                return fatal;
            }
            Optional<WalFileName> restored = spool.lastRestored().flatMap(n -> WalFileName.parse(n,
                    settings.segmentSize()));
            if (restored.isPresent() && !restored.get().equals(consumed)) {
                consumed = restored.get();
                lastProgress = Instant.now();
                if (consumed.timeline() > plan.newest()) {
                    plan = plan(consumed.timeline());
                }
            }
            if (Duration.between(lastProgress, Instant.now()).compareTo(settings.idleExit()) > 0) {
                return "nothing was restored for " + Durations.format(settings.idleExit());
            }
            List<String> wanted = window(plan, consumed);
            fill(wanted, prune(wanted), workers);
            Thread.sleep(POLL.toMillis()); // polling the spool: the shell fast path signals only through files
        }
    }

    /** @return the names PostgreSQL will ask for next, nearest first */
    private List<String> window(TimelinePlan plan, WalFileName consumed) {
        List<String> names = new ArrayList<>(settings.ahead());
        for (int i = 1; i <= settings.ahead(); i++) {
            names.add(plan.expected(consumed, consumed.segmentNumber() + i).fileName(settings.segmentSize()));
        }
        return names;
    }

    /** Deletes spooled names PostgreSQL has passed or will not ask for (other timelines). @return what stays */
    private Set<String> prune(List<String> wanted) throws IOException {
        Set<String> kept = new LinkedHashSet<>();
        for (String name : spool.spooled()) {
            if (wanted.contains(name)) {
                kept.add(name);
            } else if (!inFlight.contains(name)) {
                Files.deleteIfExists(spool.directory().resolve(name));
            }
        }
        return kept;
    }

    private void fill(List<String> wanted, Set<String> spooled, ExecutorService workers) throws IOException {
        int held = spooled.size() + inFlight.size();
        Instant now = Instant.now();
        for (String name : wanted) {
            if (inFlight.size() >= settings.workers()) {
                return;
            }
            if (spooled.contains(name) || inFlight.contains(name) || now.isBefore(notBefore.getOrDefault(name,
                    Instant.MIN))) {
                continue;
            }
            if ((long) (held + 1) * settings.segmentSize() > settings.maxBytes() || !roomFor(inFlight.size() + 1)) {
                return;
            }
            held++;
            inFlight.add(name);
            notBefore.remove(name);
            workers.execute(() -> fetch(name));
        }
    }

    private void fetch(String name) {
        Path target = spool.directory().resolve(name);
        try {
            WalDownload.Outcome outcome = new WalDownload(settings.ssl(), settings.serve(), settings.token(), name,
                    target, WalDownload.Rules.spool(settings.segmentSize())).attempt(FETCH_LIMIT);
            switch (outcome) {
                case WalDownload.Outcome.Restored r -> { }
                case WalDownload.Outcome.NotFound n -> later(name, ABSENT_RETRY);
                case WalDownload.Outcome.NotComplete n -> later(name, ABSENT_RETRY);
                case WalDownload.Outcome.Retry r -> {
                    log(name + ": " + r.reason() + "; trying again");
                    later(name, FAILED_RETRY.plus(r.retryAfter()));
                }
                case WalDownload.Outcome.Fatal f -> fatal = name + ": " + f.reason();
            }
        } catch (RuntimeException e) {
            log(name + ": " + e);
            later(name, FAILED_RETRY);
        } finally {
            inFlight.remove(name);
        }
    }

    private void later(String name, Duration wait) {
        notBefore.put(name, Instant.now().plus(wait));
    }

    /**
     * @return whether {@code files} more segments fit above the reserve: the smaller of 1 GiB and 10 % of the WAL
     *     filesystem stays free, so prefetching never fills the disk PostgreSQL writes to
     */
    private boolean roomFor(int files) throws IOException {
        FileStore store = Files.getFileStore(spool.directory());
        long reserve = reserve(store.getTotalSpace());
        boolean room = store.getUsableSpace() - (long) files * settings.segmentSize() >= reserve;
        if (!room && !reserveReported) {
            log("not fetching ahead: less than " + (reserve >> 20) + " MiB would stay free on the WAL filesystem");
        }
        reserveReported = !room;
        return room;
    }

    /** @return the free space prefetching leaves alone on a filesystem of {@code total} bytes */
    static long reserve(long total) {
        return Math.min(GIB, total / 10);
    }

    /**
     * The timeline chain ahead of {@code timeline}: the newest history serve mode has (probing {@code timeline + 1},
     * {@code + 2}, … as PostgreSQL's {@code findNewestTimeLine} does), read into a plan.
     */
    private TimelinePlan plan(int timeline) {
        int newest = timeline;
        String history = null;
        for (int t = timeline + 1; t < timeline + 100; t++) {
            Optional<String> h = history(t);
            if (h.isEmpty()) {
                break;
            }
            newest = t;
            history = h.get();
        }
        if (history == null && timeline > 1) {
            history = history(timeline).orElse(null);
        }
        if (history == null) {
            return TimelinePlan.single(timeline);
        }
        Optional<TimelinePlan> plan = TimelinePlan.fromHistory(newest, history, settings.segmentSize());
        if (plan.isEmpty()) {
            log(WalFileName.historyFileName(newest) + " cannot be read; reading ahead on timeline " + timeline
                    + " only");
        }
        return plan.orElse(TimelinePlan.single(timeline));
    }

    private Optional<String> history(int timeline) {
        String name = WalFileName.historyFileName(timeline);
        Path target = spool.directory().resolve(name);
        try {
            WalDownload.Outcome outcome = new WalDownload(settings.ssl(), settings.serve(), settings.token(), name,
                    target).attempt(Duration.ofSeconds(30));
            if (outcome instanceof WalDownload.Outcome.Restored) {
                return Optional.of(Files.readString(target, StandardCharsets.UTF_8));
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } finally {
            try {
                Files.deleteIfExists(target);
            } catch (IOException e) {
                // removed with the spool
            }
        }
    }

    static void log(String message) {
        System.out.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " pgrwl prefetch[" + ProcessHandle.current()
                .pid() + "]: " + message);
    }
}
