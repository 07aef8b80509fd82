package io.pgrwl.server.backup;

import io.pgrwl.server.support.Fsync;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The recovery settings {@code pgrwl restore --serve-addr …} writes, so the restored directory starts as a recovery
 * to a target: {@code recovery.signal}, and in {@code postgresql.auto.conf} (read after {@code postgresql.conf}, so it
 * wins) {@code restore_command} calling this image's launcher by its absolute path, and the {@code recovery_target_*}
 * settings. Values are quoted as PostgreSQL's configuration parser reads them. Immutable.
 *
 * @param restoreCommand the whole {@code restore_command}; not null
 * @param target the {@code recovery_target*} setting and its value (e.g. {@code recovery_target_time} →
 *     {@code 2026-12-02 03:00:00+00}; {@code recovery_target} → {@code immediate}), or null for the archive's end
 * @param timeline {@code recovery_target_timeline}, or null for PostgreSQL's default (latest)
 * @param inclusive {@code recovery_target_inclusive}, or null
 * @param action {@code recovery_target_action} (pause, promote, shutdown), or null
 */
public record RecoverySettings(String restoreCommand, Map.Entry<String, String> target, String timeline,
                               Boolean inclusive, String action) {

    /** @return the settings as lines of {@code postgresql.auto.conf} */
    String lines() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("restore_command", restoreCommand);
        if (target != null) {
            s.put(target.getKey(), target.getValue());
        }
        if (timeline != null) {
            s.put("recovery_target_timeline", timeline);
        }
        if (inclusive != null) {
            s.put("recovery_target_inclusive", inclusive.toString());
        }
        if (action != null) {
            s.put("recovery_target_action", action);
        }
        StringBuilder b = new StringBuilder("\n# written by pgrwl restore\n");
        s.forEach((k, v) -> b.append(k).append(" = '").append(v.replace("'", "''")).append("'\n"));
        return b.toString();
    }

    void writeInto(Path dataDirectory) throws IOException {
        Path conf = dataDirectory.resolve("postgresql.auto.conf");
        try (FileChannel ch = FileChannel.open(conf, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ch.write(java.nio.ByteBuffer.wrap(lines().getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Path signal = dataDirectory.resolve("recovery.signal");
        if (!Files.exists(signal)) {
            BackupRestore.writeDurably(new java.io.ByteArrayInputStream(new byte[0]), signal);
        }
        Fsync.directory(dataDirectory);
    }
}
