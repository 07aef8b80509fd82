package io.pgrwl.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code bin/pgrwl restore-command …} run as PostgreSQL would: its exit status and what it wrote to stderr. */
record RestoreCommandRun(int exit, String output) {

    /** Runs to completion (at most 3 minutes). */
    static RestoreCommandRun run(Map<String, String> env, String... args) throws Exception {
        return start(env, args).await();
    }

    /** Starts without waiting, for tests that act while it retries. */
    static Running start(Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Pgrwl.launcher().toString(), "restore-command"));
        command.addAll(List.of(args));
        Path output = Files.createTempFile("restore-command", ".out");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        pb.environment().remove("PGRWL_AUTH_TOKEN");
        pb.environment().putAll(env);
        return new Running(pb.start(), output);
    }

    /** A restore-command still running. */
    record Running(Process process, Path output) {
        String outputSoFar() throws IOException {
            return Files.readString(output, StandardCharsets.UTF_8);
        }

        RestoreCommandRun await() throws Exception {
            if (!process.waitFor(3, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("restore-command did not finish in 3 minutes: " + outputSoFar());
            }
            String text = outputSoFar();
            Files.deleteIfExists(output);
            return new RestoreCommandRun(process.exitValue(), text);
        }
    }

    /** @return restore-command's temporary files left in {@code dir} */
    static List<String> leftovers(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.contains(".pgrwl-")).toList();
        }
    }
}
