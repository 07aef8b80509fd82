package io.pgrwl.server.cli;

import io.pgrwl.receiver.ConnectionSettings;
import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.archive.ArchiveFactory;
import io.pgrwl.server.archive.Plugins;
import io.pgrwl.server.backup.BackupCatalog;
import io.pgrwl.server.backup.BackupCli;
import io.pgrwl.server.backup.BackupInfo;
import io.pgrwl.server.backup.BackupRestore;
import io.pgrwl.server.backup.RecoverySettings;
import io.pgrwl.server.config.ConfigException;
import io.pgrwl.server.config.ConfigLoader;
import io.pgrwl.server.config.Mode;
import io.pgrwl.server.config.PgrwlConfig;
import io.pgrwl.server.logging.LogSink;
import io.pgrwl.server.support.ExitStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pgrwl backup}, {@code pgrwl backups} and {@code pgrwl restore}: base backups from the command line. */
final class BackupCommands {

    private BackupCommands() {
    }

    /** Loads the configuration for a backup command; an archive is required. */
    private static PgrwlConfig load(Path configOption, Mode mode) {
        Map<String, String> env = System.getenv();
        Plugins plugins = Plugins.loadQuietly(Plugins.launcherDirectory());
        PgrwlConfig config = new ConfigLoader(env, plugins.storageSettings()).load(Main.configPath(configOption, env),
                mode);
        LogSink.configure(config.log());
        Main.logWarnings(config);
        if (config.storage().name() == null) {
            throw new IllegalArgumentException("storage.name is not set: base backups live in the archive; configure"
                    + " one (local, s3, sftp)");
        }
        return config;
    }

    private static Archive open(PgrwlConfig config) throws IOException {
        return ArchiveFactory.create(config, Plugins.loadQuietly(Plugins.launcherDirectory()),
                "pgrwl cannot reach the archive: check the address, the credentials and the network");
    }

    /** {@code pgrwl backup -c config.yml}: one base backup now, into the archive. */
    @Command(name = "backup", mixinStandardHelpOptions = true, description = {"Takes one base backup now, streamed"
            + " into the configured storage (compressed and encrypted as WAL). It is complete once its WAL is"
            + " archived by the receiver. Connects with the libpq environment (PGHOST, PGUSER, …)."})
    static final class Backup implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "config file (YAML or JSON)")
        Path config;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            try {
                PgrwlConfig c = load(config, Mode.BACKUP_CMD);
                Map<String, String> env = System.getenv();
                String home = System.getProperty("user.home");
                ConnectionSettings connection = ConnectionSettings.fromEnvironment(env, "pgrwl_basebackup",
                        System.getProperty("user.name"), home == null ? null : Path.of(home));
                try (Archive archive = open(c)) {
                    return BackupCli.takeOne(archive, connection, c.backup(), spec.commandLine().getOut(), err);
                }
            } catch (ConfigException e) {
                err.println("pgrwl: " + e.getMessage());
                return ExitStatus.USAGE;
            } catch (IllegalArgumentException e) {
                err.println("pgrwl: " + e.getMessage());
                return ExitStatus.USAGE;
            } catch (IOException e) {
                err.println("pgrwl: " + e.getMessage());
                return ExitStatus.FAILURE;
            }
        }
    }

    /** {@code pgrwl backups -c config.yml}: what {@code /api/v1/backups} lists. */
    @Command(name = "backups", mixinStandardHelpOptions = true, description = "Lists the base backups in the archive,"
            + " newest first, with their status (completed, in_progress, failed) and why.")
    static final class Backups implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "config file (YAML or JSON)")
        Path config;

        @Option(names = "--json", description = "print the JSON of /api/v1/backups")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Archive archive = open(load(config, Mode.RESTORE))) {
                List<BackupInfo> backups = new BackupCatalog(archive, Clock.systemUTC()).list();
                out.println(json ? BackupCli.json(backups) : BackupCli.table(backups));
                return 0;
            } catch (ConfigException e) {
                spec.commandLine().getErr().println("pgrwl: " + e.getMessage());
                return ExitStatus.USAGE;
            } catch (IOException e) {
                spec.commandLine().getErr().println("pgrwl: cannot list the backups: " + e.getMessage());
                return ExitStatus.FAILURE;
            }
        }
    }

    /** {@code pgrwl restore -c config.yml --dest DIR [--id ID|latest]}. */
    @Command(name = "restore", mixinStandardHelpOptions = true, description = {"Restores a completed base backup"
            + " into an empty directory; with --serve-addr and a --target-*, also writes recovery.signal and the"
            + " recovery settings so that the directory is ready to start."})
    static final class Restore implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "config file (YAML or JSON)")
        Path config;

        @Option(names = "--dest", required = true, paramLabel = "DIR", description = "the data directory to create"
                + " (must not exist, or be empty)")
        Path dest;

        @Option(names = "--id", paramLabel = "ID", description = "the backup: an id from pgrwl backups, or latest"
                + " (default: the newest completed one; with --target-time or --target-lsn, the newest that can reach"
                + " the target)")
        String id;

        @Option(names = "--tablespace-map", paramLabel = "OID=DIR", description = "put tablespace OID in DIR"
                + " (repeatable); default: where it was")
        Map<String, String> tablespaceMap = new LinkedHashMap<>();

        @Option(names = "--with-wal", description = "also fetch the backup's own WAL (start to stop) into pg_wal")
        boolean withWal;

        @Option(names = "--serve-addr", paramLabel = "ADDR", description = "write recovery settings with"
                + " restore_command fetching from this serve mode")
        String serveAddr;

        @Option(names = "--token-file", paramLabel = "FILE", description = "for restore_command: the bearer token's"
                + " file")
        Path tokenFile;

        @Option(names = "--cacert", paramLabel = "FILE", description = "for restore_command: CA certificate(s) to"
                + " trust for https")
        Path cacert;

        @Option(names = "--target-time", paramLabel = "TIME", description = "recover to this time, with a zone"
                + " (2026-12-02T03:00:00Z, 2026-12-02 03:00:00+01)")
        String targetTime;

        @Option(names = "--target-lsn", paramLabel = "LSN", description = "recover to this WAL position")
        String targetLsn;

        @Option(names = "--target-xid", paramLabel = "XID", description = "recover to this transaction id")
        String targetXid;

        @Option(names = "--target-name", paramLabel = "NAME", description = "recover to this restore point")
        String targetName;

        @Option(names = "--target-immediate", description = "recover only until consistent")
        boolean targetImmediate;

        @Option(names = "--target-timeline", paramLabel = "TLI", description = "recovery_target_timeline")
        String targetTimeline;

        @Option(names = "--target-inclusive", paramLabel = "BOOL", arity = "1",
                description = "recovery_target_inclusive")
        Boolean targetInclusive;

        @Option(names = "--target-action", paramLabel = "ACTION", description = "pause, promote or shutdown")
        String targetAction;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            try {
                BackupCli.Target target = BackupCli.target(targetTime, targetLsn, targetXid, targetName,
                        targetImmediate);
                RecoverySettings recovery = serveAddr == null ? null : BackupCli.recovery(serveAddr, tokenFile,
                        cacert, target, targetTimeline, targetInclusive, targetAction);
                if (serveAddr == null && (target != null || targetTimeline != null || targetInclusive != null
                        || targetAction != null) && targetTime == null && targetLsn == null) {
                    throw new IllegalArgumentException("--target-* settings are written with the recovery settings:"
                            + " give --serve-addr too");
                }
                Map<Long, Path> map = BackupCli.tablespaceMap(tablespaceMap);
                PgrwlConfig c = load(config, Mode.RESTORE);
                try (Archive archive = open(c)) {
                    BackupCatalog catalog = new BackupCatalog(archive, Clock.systemUTC());
                    String chosen = id;
                    if (chosen == null && target != null && target.lsn() != null) {
                        chosen = BackupCli.backupBeforeLsn(catalog.list(), target.lsn());
                    }
                    Instant before = id == null && target != null ? target.time() : null;
                    BackupInfo restored = new BackupRestore(archive, catalog).run(new BackupRestore.Options(chosen,
                            before, dest, map, withWal, recovery));
                    spec.commandLine().getOut().println("restored base backup " + restored.id() + " into "
                            + dest.toAbsolutePath() + (recovery == null ? "" : "; recovery settings written: start"
                            + " PostgreSQL on it to recover"));
                    return 0;
                }
            } catch (ConfigException e) {
                err.println("pgrwl: " + e.getMessage());
                return ExitStatus.USAGE;
            } catch (IllegalArgumentException | BackupRestore.Refused e) {
                err.println("pgrwl: " + e.getMessage());
                return ExitStatus.USAGE;
            } catch (IOException e) {
                err.println("pgrwl: restore failed (what it wrote was removed): " + e.getMessage());
                return ExitStatus.FAILURE;
            }
        }
    }
}
