package io.pgrwl.server.backup;

import io.pgrwl.receiver.ConnectionSettings;
import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.config.PgrwlConfig;
import io.pgrwl.server.support.ExitStatus;
import io.pgrwl.server.support.Json;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the backup commands of the command line do, and the documents they print: {@code pgrwl backup},
 * {@code pgrwl backups}, the parsing of {@code pgrwl restore}'s options. Stateless.
 */
public final class BackupCli {

    private BackupCli() {
    }

    /** @return the exit status of {@code pgrwl backup}: 0 once the backup's data and marker are stored */
    public static int takeOne(Archive archive, ConnectionSettings connection, PgrwlConfig.Backup settings,
            PrintWriter out, PrintWriter err) {
        try {
            BackupMarker m = new BackupRunner(archive, connection, settings, Clock.systemUTC())
                    .run(new BackupProgress(Instant.now()), id -> { });
            out.println("base backup " + m.id() + " stored (" + (m.bytesTotal() >> 20) + " MiB, WAL "
                    + ArchiveBackupSink.lsn(m.startLsn()) + " to " + ArchiveBackupSink.lsn(m.stopLsn())
                    + "); pgrwl backups lists it completed once the receiver has archived that WAL");
            return 0;
        } catch (BackupRunner.AlreadyRunning e) {
            err.println("pgrwl: " + e.getMessage() + "; try again when it is done");
            return ExitStatus.FAILURE;
        } catch (BackupRunner.Failed e) {
            err.println("pgrwl: " + e.getMessage());
            return ExitStatus.FAILURE;
        }
    }

    /** @return one backup as {@code /api/v1/backups} shows it (the Go pgrwl's fields, then ours) */
    public static Json json(BackupInfo b) {
        BackupMarker m = b.marker();
        Json j = Json.object().put("label", m == null ? "pgrwl_" + b.id() : m.label())
                .put("started", b.started().toString())
                .put("finished", m == null ? null : m.finishedAt().toString())
                .put("size_gb", Math.round((m == null ? b.storedBytes() : m.bytesTotal()) / 1e7) / 100.0)
                .put("wal_start_lsn", m == null ? null : ArchiveBackupSink.lsn(m.startLsn()))
                .put("wal_stop_lsn", m == null ? null : ArchiveBackupSink.lsn(m.stopLsn()))
                .put("status", b.status().apiName())
                .put("id", b.id()).put("reason", b.reason()).put("stored_bytes", b.storedBytes());
        if (m != null) {
            j.put("timeline", m.timeline()).put("stop_timeline", m.stopTimeline());
        }
        return j;
    }

    /** @return the backups as a JSON array */
    public static String json(List<BackupInfo> backups) {
        return Json.array(backups.stream().map(BackupCli::json).toList());
    }

    /** @return the backups as a table for a terminal */
    public static String table(List<BackupInfo> backups) {
        if (backups.isEmpty()) {
            return "no base backups in the archive";
        }
        StringBuilder t = new StringBuilder(String.format(Locale.ROOT, "%-22s %-12s %-20s %10s  %-23s  %s%n", "ID",
                "STATUS", "STARTED", "SIZE MiB", "WAL", "REASON"));
        for (BackupInfo b : backups) {
            BackupMarker m = b.marker();
            t.append(String.format(Locale.ROOT, "%-22s %-12s %-20s %10d  %-23s  %s%n", b.id(), b.status().apiName(),
                    b.started().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), (m == null ? b.storedBytes()
                            : m.bytesTotal()) >> 20, m == null ? "-" : ArchiveBackupSink.lsn(m.startLsn()) + "-"
                            + ArchiveBackupSink.lsn(m.stopLsn()), b.reason() == null ? "" : b.reason()));
        }
        return t.toString().stripTrailing();
    }

    /** A recovery target of {@code pgrwl restore}. @param time for picking a backup @param lsn likewise */
    public record Target(String setting, String value, Instant time, Long lsn) {
    }

    private static final DateTimeFormatter TIME = new DateTimeFormatterBuilder().parseCaseInsensitive()
            .append(DateTimeFormatter.ISO_LOCAL_DATE).optionalStart().appendLiteral('T').optionalEnd()
            .optionalStart().appendLiteral(' ').optionalEnd().append(DateTimeFormatter.ISO_LOCAL_TIME)
            .optionalStart().appendLiteral(' ').optionalEnd().appendOffset("+HH:mm", "Z").toFormatter();
    private static final DateTimeFormatter TIME_SHORT_OFFSET = new DateTimeFormatterBuilder().parseCaseInsensitive()
            .append(DateTimeFormatter.ISO_LOCAL_DATE).optionalStart().appendLiteral('T').optionalEnd()
            .optionalStart().appendLiteral(' ').optionalEnd().append(DateTimeFormatter.ISO_LOCAL_TIME)
            .appendOffset("+HH", "Z").toFormatter();

    /**
     * @return the one target given, or null when none
     * @throws IllegalArgumentException when more than one is given, or a value is malformed
     */
    public static Target target(String time, String lsn, String xid, String name, boolean immediate) {
        int given = (time != null ? 1 : 0) + (lsn != null ? 1 : 0) + (xid != null ? 1 : 0) + (name != null ? 1 : 0)
                + (immediate ? 1 : 0);
        if (given > 1) {
            throw new IllegalArgumentException("give at most one of --target-time, --target-lsn, --target-xid,"
                    + " --target-name, --target-immediate (PostgreSQL takes one recovery target)");
        }
        if (time != null) {
            Instant t = parseTime(time);
            String pg = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSx").withZone(ZoneOffset.UTC).format(t);
            return new Target("recovery_target_time", pg, t, null);
        }
        if (lsn != null) {
            if (!lsn.matches("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}")) {
                throw new IllegalArgumentException("--target-lsn \"" + lsn + "\" is not a WAL position (e.g."
                        + " 0/3000060)");
            }
            String[] p = lsn.split("/");
            return new Target("recovery_target_lsn", lsn.toUpperCase(Locale.ROOT), null,
                    (Long.parseLong(p[0], 16) << 32) | Long.parseLong(p[1], 16));
        }
        if (xid != null) {
            if (!xid.matches("[0-9]{1,20}")) {
                throw new IllegalArgumentException("--target-xid \"" + xid + "\" is not a transaction id");
            }
            return new Target("recovery_target_xid", xid, null, null);
        }
        if (name != null) {
            return new Target("recovery_target_name", name, null, null);
        }
        return immediate ? new Target("recovery_target", "immediate", null, null) : null;
    }

    static Instant parseTime(String text) {
        for (DateTimeFormatter f : List.of(TIME, TIME_SHORT_OFFSET)) {
            try {
                return OffsetDateTime.parse(text.trim(), f).toInstant();
            } catch (DateTimeParseException e) {
                // the next form
            }
        }
        throw new IllegalArgumentException("--target-time \"" + text + "\" is not a time with a zone: write e.g."
                + " 2026-12-02T03:00:00Z or \"2026-12-02 03:00:00+01\" (a time without a zone would be read in the"
                + " server's time zone, which pgrwl cannot know)");
    }

    /** @return the recovery settings for restore_command through serve mode at {@code serveAddr} */
    public static RecoverySettings recovery(String serveAddr, Path tokenFile, Path cacert, Target target,
            String timeline, Boolean inclusive, String action) {
        String home = System.getProperty("pgrwl.home");
        if (home == null) {
            throw new IllegalArgumentException("--serve-addr writes a restore_command that calls the runtime image's"
                    + " launcher: run pgrwl restore from the image (bin/pgrwl)");
        }
        if (action != null && !List.of("pause", "promote", "shutdown").contains(action)) {
            throw new IllegalArgumentException("--target-action \"" + action + "\" is not pause, promote or shutdown");
        }
        StringBuilder cmd = new StringBuilder(quote(Path.of(home, "bin", "pgrwl").toString()))
                .append(" restore-command --serve-addr=").append(quote(serveAddr));
        if (tokenFile != null) {
            cmd.append(" --token-file=").append(quote(tokenFile.toAbsolutePath().toString()));
        }
        if (cacert != null) {
            cmd.append(" --cacert=").append(quote(cacert.toAbsolutePath().toString()));
        }
        cmd.append(" %f %p");
        return new RecoverySettings(cmd.toString(), target == null ? null : Map.entry(target.setting(),
                target.value()), timeline, inclusive, action);
    }

    /** Quotes for the shell restore_command runs in, when needed. */
    private static String quote(String s) {
        return s.matches("[A-Za-z0-9_./:@=,+-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /** @return {@code OID=DIR} options as a map */
    public static Map<Long, Path> tablespaceMap(Map<String, String> options) {
        Map<Long, Path> map = new LinkedHashMap<>();
        options.forEach((k, v) -> {
            try {
                map.put(Long.parseLong(k.trim()), Path.of(v));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--tablespace-map " + k + "=" + v + ": " + k + " is not a"
                        + " tablespace OID (pgrwl backups --json shows them; so does pg_tablespace)");
            }
        });
        return map;
    }

    /** @return the id of the newest completed backup whose WAL stops at or before {@code lsn} */
    public static String backupBeforeLsn(List<BackupInfo> backups, long lsn) {
        return backups.stream().filter(b -> b.status() == BackupInfo.Status.COMPLETED
                && Long.compareUnsigned(b.marker().stopLsn(), lsn) <= 0).map(BackupInfo::id).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no completed base backup ends before --target-lsn "
                        + ArchiveBackupSink.lsn(lsn) + ": recovery cannot stop earlier than a backup's end"));
    }

}
