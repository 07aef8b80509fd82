package io.pgrwl.server.cli;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.archive.ArchiveFactory;
import io.pgrwl.server.archive.Plugins;
import io.pgrwl.server.backup.BackupCatalog;
import io.pgrwl.server.config.ConfigException;
import io.pgrwl.server.config.ConfigLoader;
import io.pgrwl.server.config.Mode;
import io.pgrwl.server.config.PgrwlConfig;
import io.pgrwl.server.logging.LogSink;
import io.pgrwl.server.support.ExitStatus;
import io.pgrwl.server.verify.ArchiveVerifier;
import io.pgrwl.server.verify.VerifyReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pgrwl verify -c config.yml [--from SEGMENT] [--deep]}: exit 0 only when the archive has no hole. */
@Command(name = "verify", mixinStandardHelpOptions = true, description = {"Checks that the archive restores: every"
        + " WAL segment from the oldest completed backup's start (or --from) to the newest, along the newest"
        + " timeline's history, is present and decodes whole; --deep also checks every page header. Reads every"
        + " object. Exit 0 when all is well, 1 when a segment is missing or damaged."})
final class VerifyCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "config file (YAML or JSON)")
    Path config;

    @Option(names = "--from", paramLabel = "SEGMENT", description = "the first segment to check")
    String from;

    @Option(names = "--deep", description = "also check each page header: magic, address, timeline, system"
            + " identifier, segment size")
    boolean deep;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Map<String, String> env = System.getenv();
        try {
            Plugins plugins = Plugins.loadQuietly(Plugins.launcherDirectory());
            PgrwlConfig c = new ConfigLoader(env, plugins.storageSettings()).load(Main.configPath(config, env),
                    Mode.RESTORE);
            LogSink.configure(c.log());
            Main.logWarnings(c);
            if (c.storage().name() == null) {
                spec.commandLine().getErr().println("pgrwl: storage.name is not set: there is no archive to verify");
                return ExitStatus.USAGE;
            }
            try (Archive archive = ArchiveFactory.create(c, plugins, "pgrwl cannot reach the archive: check the"
                    + " address, the credentials and the network")) {
                VerifyReport report = new ArchiveVerifier(archive, new BackupCatalog(archive,
                        java.time.Clock.systemUTC())).run(from, deep);
                spec.commandLine().getOut().println(report.text());
                spec.commandLine().getOut().println(inProgress(archive, report, java.time.Instant.now()));
                return report.ok() ? 0 : ExitStatus.FAILURE;
            }
        } catch (ConfigException e) {
            spec.commandLine().getErr().println("pgrwl: " + e.getMessage());
            return ExitStatus.USAGE;
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("pgrwl: " + e.getMessage());
            return ExitStatus.USAGE;
        } catch (IOException e) {
            spec.commandLine().getErr().println("pgrwl: cannot verify the archive: " + e.getMessage());
            return ExitStatus.FAILURE;
        }
    }

    /**
     * What of the newest WAL is not in a complete segment: the uploads of segments in progress after the newest
     * complete one (storage.uploader.partial_interval), with their age; the rest exists on a receiver's disk only.
     */
    static String inProgress(Archive archive, VerifyReport report, java.time.Instant now) throws IOException {
        String newest = report.ranges().isEmpty() ? "" : report.ranges().getLast().last();
        java.util.List<Archive.PartialObject> after = archive.partials(null).stream()
                .filter(p -> newest.isEmpty() || io.pgrwl.spi.WalFileName.ORDER.compare(p.segment(), newest) > 0)
                .toList();
        if (after.isEmpty()) {
            return "in progress: no upload of a segment in progress after " + (newest.isEmpty() ? "the start"
                    : newest) + "; newer WAL exists only on the receiver's disk (storage.uploader.partial_interval"
                    + " uploads it)";
        }
        StringBuilder b = new StringBuilder();
        for (Archive.PartialObject p : after) {
            long age = java.time.Duration.between(p.object().modified(), now).toSeconds();
            b.append(b.isEmpty() ? "" : "\n").append("in progress  ").append(p.segment()).append(" uploaded by ")
                    .append(p.receiver()).append(" at ").append(p.object().modified()).append(" (").append(age)
                    .append(" s ago): WAL newer than that exists only on the receiver's disk");
        }
        return b.toString();
    }
}
