package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The golden crash test with a plain {@code cp} restore_command from a copy of pgrwl's directory (the newest
 * {@code .partial} renamed), as the Go pgrwl's README describes; {@link RecoveryIT} recovers through serve mode.
 */
class CrashRecoveryIT {

    @Test
    void recoversToTheLastCommittedTransactionFromPgrwlsDirectory() throws Exception {
        Path base = Os.tempDir("pgrwl-crash");
        Path wal = base.resolve("pgrwl-wal");
        PgCluster pg = PgCluster.init(base, "primary", 16, "synchronous_standby_names = 'pgrwl'",
                "synchronous_commit = on").start();
        GoldenCrash crash;
        Path restoreWal = base.resolve("restore-wal");
        try (Pgrwl pgrwl = Pgrwl.receive(base, "pgrwl", pg, Pgrwl.config(wal, "pgrwl")).start()) {
            crash = GoldenCrash.commitThenKill(base, pg, () -> { });
            assertTrue(pgrwl.alive(), "pgrwl keeps running while the server is down");
            copyForCp(wal, restoreWal);
        }
        crash.recoverAndCompare(base, "cp " + restoreWal + "/%f %p");
        Os.deleteTree(base);
    }

    /** Copies pgrwl's WAL files, {@code .partial} renamed to its final name, where the postgres user reads them. */
    private static void copyForCp(Path pgrwlWal, Path restoreWal) throws Exception {
        Files.createDirectories(restoreWal);
        try (var files = Files.list(pgrwlWal)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.matches("[0-9A-F]{24}(\\.partial)?|[0-9A-F]{8}\\.history")) {
                    Files.copy(f, restoreWal.resolve(name.replace(".partial", "")));
                }
            }
        }
        Os.chownToPostgres(restoreWal);
    }
}
