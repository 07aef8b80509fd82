package io.pgrwl.server.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.server.cli.Main;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The picocli-free reading of restore-command's usual command line agrees with picocli, or declines. */
class RestoreCommandArgumentsTest {

    private static RestoreCommand viaPicocli(String... args) {
        CommandLine cli = new CommandLine(new Main());
        CommandLine.ParseResult result = cli.parseArgs(args);
        return (RestoreCommand) result.subcommand().commandSpec().userObject();
    }

    private static String describe(RestoreCommand c) {
        return List.of(String.valueOf(c.serveAddress), String.valueOf(c.timeout), String.valueOf(c.tokenFile),
                String.valueOf(c.caCert), String.valueOf(c.walFileName), String.valueOf(c.target),
                String.valueOf(c.noPrefetch), String.valueOf(c.prefetch), String.valueOf(c.prefetchBytes)).toString();
    }

    @Test
    void agreesWithPicocliOnTheForms() {
        String[][] forms = {
            {"restore-command", "--serve-addr=k8s-worker5:30266", "000000010000000000000003", "pg_wal/RECOVERYXLOG"},
            {"restore-command", "--serve-addr", ":7070", "000000010000000000000003", "pg_wal/RECOVERYXLOG"},
            {"restore-command", "--serve-addr", "https://h:1", "--timeout", "5m", "--token-file", "/etc/t",
                "--cacert=/etc/ca.pem", "00000002.history", "pg_wal/RECOVERYHISTORY"},
            {"restore-command", "000000010000000000000003", "--timeout=10s", "pg_wal/X", "--serve-addr", ":1"},
            {"restore-command", "--serve-addr", ":1", "--no-prefetch", "000000010000000000000003", "pg_wal/X"},
            {"restore-command", "--serve-addr", ":1", "--prefetch", "16", "--prefetch-bytes=1GiB",
                "000000010000000000000003", "pg_wal/X"},
        };
        for (String[] args : forms) {
            Optional<RestoreCommand> fast = RestoreCommand.parseCommonForm(args);
            assertTrue(fast.isPresent(), List.of(args).toString());
            assertEquals(describe(viaPicocli(args)), describe(fast.get()), List.of(args).toString());
        }
    }

    @Test
    void leavesEverythingElseToPicocli() {
        String[][] others = {
            {"restore-command", "--help"}, {"restore-command", "--serve-addr", ":1", "onlyone"},
            {"restore-command", "--serve-addr", ":1", "a", "b", "c"}, {"restore-command", "--bogus", "x", "a", "b"},
            {"restore-command", "a", "b", "--serve-addr"}, {"restore-command", "--serve-addr", "--timeout", "a", "b"},
            {"restore-command", "--serve-addr=", "a", "b", "c"}, {"daemon", "-c", "x", "-m", "serve"},
            {"restore-command", "a", "b", "c", "d"}, {"restore-command", "-h", "a", "b", "c"},
            {"restore-command", "--serve-addr", ":1", "--prefetch", "many", "a", "b"},
        };
        for (String[] args : others) {
            assertTrue(RestoreCommand.parseCommonForm(args).isEmpty(), List.of(args).toString());
        }
    }
}
