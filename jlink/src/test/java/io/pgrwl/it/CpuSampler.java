package io.pgrwl.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * CPU seconds (user + system, from /proc/PID/stat) of the processes a benchmark cares about, grouped by a role
 * derived from each command line, sampled every 100 ms so short-lived processes (a restore-command JVM, a
 * prefetcher) are counted up to their last sample. For benchmarks: where the cores went.
 */
final class CpuSampler implements AutoCloseable {

    private static final double TICKS = 100.0; // USER_HZ on Linux
    private final Function<String, String> role;
    private final Map<Long, Double> seconds = new ConcurrentHashMap<>();
    private final Map<Long, String> roles = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    /** @param role the role of a command line (NUL-separated arguments as in /proc/PID/cmdline), or null to skip it */
    CpuSampler(Function<String, String> role) {
        this.role = role;
        this.thread = Thread.ofPlatform().daemon().name("cpu-sampler").start(this::run);
    }

    private void run() {
        while (running) {
            try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
                procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(this::sample);
                Thread.sleep(100); // the sampling period
            } catch (IOException | InterruptedException e) {
                return;
            }
        }
    }

    private void sample(Path proc) {
        long pid = Long.parseLong(proc.getFileName().toString());
        try {
            String r = roles.computeIfAbsent(pid, p -> {
                try {
                    String cmd = Files.readString(proc.resolve("cmdline")).replace('\0', ' ');
                    String found = role.apply(cmd);
                    return found == null ? "" : found;
                } catch (IOException e) {
                    return "";
                }
            });
            if (r.isEmpty()) {
                return;
            }
            String stat = Files.readString(proc.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            seconds.put(pid, (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS);
        } catch (IOException | RuntimeException e) {
            // the process ended between listing and reading
        }
    }

    /** @return CPU seconds by role so far */
    Map<String, Double> byRole() {
        Map<String, Double> out = new java.util.TreeMap<>();
        seconds.forEach((pid, s) -> out.merge(roles.get(pid), s, Double::sum));
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join();
    }
}
