package io.pgrwl.server.cli;

import io.pgrwl.server.aot.AotTraining;
import io.pgrwl.server.archive.ArchiveFactory;
import io.pgrwl.server.archive.Plugins;
import io.pgrwl.server.config.ConfigException;
import io.pgrwl.server.config.ConfigLoader;
import io.pgrwl.server.config.Mode;
import io.pgrwl.server.config.PgrwlConfig;
import io.pgrwl.server.logging.LogSink;
import io.pgrwl.server.mode.ReceiveMode;
import io.pgrwl.server.mode.ServeMode;
import io.pgrwl.server.restore.RestoreCommand;
import io.pgrwl.server.support.BuildInfo;
import io.pgrwl.server.support.ExitStatus;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code pgrwl}: the command line. {@code pgrwl -c config.yml -m receive} (or {@code PGRWL_MODE}) runs a mode;
 * {@code pgrwl daemon -c … -m …} is the Go pgrwl's spelling of the same; {@code pgrwl validate} checks a config.
 *
 * <p>Exit status: {@link ExitStatus}.
 */
@Command(name = "pgrwl", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Streams PostgreSQL WAL over the replication protocol into an archive.",
        subcommands = {Main.Daemon.class, Main.Validate.class, Main.ListPlugins.class, RestoreCommand.class,
                io.pgrwl.server.restore.PrefetchCommand.class, BackupCommands.Backup.class,
                BackupCommands.Backups.class, BackupCommands.Restore.class, VerifyCommand.class,
                Main.AotTrain.class})
public final class Main implements Callable<Integer> {

    private static final int EXIT_FAILURE = ExitStatus.FAILURE;
    private static final int EXIT_USAGE = ExitStatus.USAGE;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "config file (YAML or JSON); default: $PGRWL_CONFIG_PATH, else environment variables only")
    Path config;

    @Option(names = {"-m", "--mode"}, paramLabel = "MODE",
            description = "receive or serve; default: $PGRWL_MODE (or $PGRWL_DAEMON_MODE)")
    String mode;

    /**
     * Runs pgrwl and exits the JVM with its status.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        java.util.Optional<RestoreCommand> restore = RestoreCommand.parseCommonForm(args);
        if (restore.isPresent()) {
            try {
                System.exit(restore.get().call());
            } catch (InterruptedException e) {
                System.exit(RestoreCommand.EXIT_ABORT_RECOVERY);
            }
        }
        System.exit(execute(args));
    }

    static int execute(String[] args) {
        CommandLine cli = new CommandLine(new Main());
        return cli.execute(args);
    }

    @Override
    public Integer call() {
        return runDaemon(config, mode);
    }

    static int runDaemon(Path configOption, String modeOption) {
        Map<String, String> env = System.getenv();
        PgrwlConfig config;
        Mode mode;
        Plugins plugins;
        try {
            mode = Mode.parseDaemon(firstNonNull(modeOption, env.get("PGRWL_MODE"), env.get("PGRWL_DAEMON_MODE")),
                    "--mode");
            // the plugins first: the keys of their storage sections are theirs. Quietly, as logging is not set up yet
            plugins = Plugins.loadQuietly(Plugins.launcherDirectory());
            config = new ConfigLoader(env, plugins.storageSettings()).load(configPath(configOption, env), mode);
        } catch (ConfigException | IllegalStateException e) {
            System.err.println("pgrwl: " + e.getMessage()); // IllegalStateException: two providers share a name
            return EXIT_USAGE;
        }
        LogSink.configure(config.log());
        logWarnings(config);
        if (config.storage().name() != null) {
            plugins.logBroken(); // a broken plugin directory only matters, and was only reported, with an archive
        }
        return switch (mode) {
            case RECEIVE -> new ReceiveMode(config, env, plugins).run();
            case SERVE -> new ServeMode(config, plugins).run();
            case BACKUP_CMD, RESTORE -> throw new IllegalStateException(mode + " is refused by Mode.parseDaemon");
        };
    }

    /**
     * Logs each of the configuration's warnings (an older Go pgrwl's key, an ignored section, a variable over the file)
     * at WARNING, as the configuration's logger; call it after {@link LogSink#configure}.
     */
    static void logWarnings(PgrwlConfig config) {
        System.Logger log = System.getLogger(ConfigLoader.class.getName());
        config.warnings().forEach(w -> log.log(System.Logger.Level.WARNING, w));
    }

    static Path configPath(Path option, Map<String, String> env) {
        if (option != null) {
            return option;
        }
        String fromEnv = env.get("PGRWL_CONFIG_PATH");
        return fromEnv == null || fromEnv.isBlank() ? null : Path.of(fromEnv);
    }

    static String firstNonNull(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    /** {@code pgrwl aot-train}: (re)makes the image's AOT caches for where it is installed. */
    @Command(name = "aot-train", mixinStandardHelpOptions = true,
            description = {"Makes the runtime image's AOT caches (faster start-up) for the directory it is installed"
                    + " in; run it once after unpacking or moving the image. Uses two free loopback ports and needs"
                    + " write access to the image's lib/ directory."})
    static final class AotTrain implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            String home = System.getProperty("pgrwl.home");
            if (home == null) {
                System.err.println("pgrwl: aot-train works on a runtime image: run it as <image>/bin/pgrwl aot-train");
                return EXIT_USAGE;
            }
            Path work = java.nio.file.Files.createTempDirectory("pgrwl-aot-training");
            try {
                new AotTraining(Path.of(home), work).run();
            } catch (java.io.IOException e) {
                System.err.println("pgrwl: AOT training failed: " + e.getMessage());
                return EXIT_FAILURE;
            }
            System.out.println("AOT caches written to " + Path.of(home, "lib") + " (the launcher uses them while the"
                    + " image stays at " + home + ")");
            deleteTree(work);
            return 0;
        }

        private static void deleteTree(Path dir) throws java.io.IOException {
            try (var paths = java.nio.file.Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.deleteIfExists(p);
                }
            }
        }
    }

    /** {@code pgrwl daemon -c config.yml -m receive}, as the Go pgrwl. */
    @Command(name = "daemon", mixinStandardHelpOptions = true, description = "Runs a mode (same as pgrwl -c … -m …).")
    static final class Daemon implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "config file (YAML or JSON)")
        Path config;

        @Option(names = {"-m", "--mode"}, paramLabel = "MODE", description = "receive or serve")
        String mode;

        @Override
        public Integer call() {
            return runDaemon(config, mode);
        }
    }

    /** {@code pgrwl validate -c config.yml [-m receive]}: prints every problem, or says the config is valid. */
    @Command(name = "validate", mixinStandardHelpOptions = true, description = "Checks a configuration and exits.")
    static final class Validate implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "config file (YAML or JSON)")
        Path config;

        @Option(names = {"-m", "--mode"}, paramLabel = "MODE", description = "receive (default), serve, or the Go"
                + " pgrwl's backup-cmd or restore (what the configuration is for: receive needs receiver.slot)")
        String mode;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Map<String, String> env = System.getenv();
            PrintWriter out = spec.commandLine().getOut();
            try {
                Mode m = Mode.parse(firstNonNull(mode, env.get("PGRWL_MODE"), env.get("PGRWL_DAEMON_MODE"), "receive"),
                        "--mode");
                Plugins plugins = Plugins.loadQuietly(Plugins.launcherDirectory());
                PgrwlConfig loaded = new ConfigLoader(env, plugins.storageSettings()).load(configPath(config, env), m);
                // validate answers with problems only: warnings and errors, in the configured format; the plugins'
                // informational start-up lines would bury them
                System.Logger.Level level = loaded.log().level().getSeverity() > System.Logger.Level.WARNING
                        .getSeverity() ? loaded.log().level() : System.Logger.Level.WARNING;
                LogSink.configure(new PgrwlConfig.Log(level, loaded.log().format(), loaded.log().addSource()));
                logWarnings(loaded);
                if (loaded.storage().name() != null) {
                    plugins.logBroken();
                    // the providers check their own sections (storage.<name>.*, codecs) when they are created
                    ArchiveFactory.create(loaded, plugins, "the configuration is valid, but"
                            + " pgrwl cannot archive or restore WAL until it is reachable: check the address, the"
                            + " credentials and the network").close();
                }
                out.println("configuration is valid");
                return 0;
            } catch (ConfigException e) {
                spec.commandLine().getErr().println("pgrwl: " + e.getMessage());
                return EXIT_USAGE;
            } catch (IllegalArgumentException | IllegalStateException | java.io.IOException e) {
                spec.commandLine().getErr().println("pgrwl: invalid configuration: " + e.getMessage());
                return EXIT_USAGE;
            }
        }
    }

    /**
     * {@code pgrwl plugins}: lists the storage and codec providers found (built-in and in the plugins directory) and
     * every plugin directory that could not be loaded. Exit 1 when two providers share a name.
     */
    @Command(name = "plugins", mixinStandardHelpOptions = true, description = "Lists storage and codec providers.")
    static final class ListPlugins implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Plugins plugins;
            try {
                plugins = Plugins.load(Plugins.launcherDirectory());
            } catch (IllegalStateException e) {
                spec.commandLine().getErr().println("pgrwl: " + e.getMessage());
                return EXIT_FAILURE;
            }
            plugins.storages().forEach(f -> out.println("storage  " + f.name() + "  " + f.origin()));
            plugins.codecs().forEach(f -> out.println("codec    " + f.name() + "  " + f.origin()));
            plugins.broken().forEach(b -> out.println("broken   " + b.directory() + "  " + b.reason()));
            return 0;
        }
    }

    /** Reads the version Maven wrote into {@code version.properties}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"pgrwl " + BuildInfo.version()};
        }
    }
}
