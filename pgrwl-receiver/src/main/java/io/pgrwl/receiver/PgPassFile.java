package io.pgrwl.receiver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Looks a password up in a libpq password file ({@code hostname:port:database:username:password} lines, {@code *}
 * matches anything, {@code \:} and {@code \\} escape), with libpq's rules: the first matching line wins, and a file
 * that the group or others can read is ignored with a warning.
 *
 * @see <a href="https://www.postgresql.org/docs/current/libpq-pgpass.html">The Password File</a>
 */
final class PgPassFile {

    private static final System.Logger LOG = System.getLogger(PgPassFile.class.getName());

    private PgPassFile() {
    }

    static Optional<String> lookup(Path file, String host, int port, String database, String user) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                LOG.log(System.Logger.Level.WARNING, "password file \"" + file + "\" has group or world access and is"
                        + " ignored; permissions should be u=rw (chmod 0600 " + file + ")");
                return Optional.empty();
            }
            for (String line : Files.readAllLines(file)) {
                Optional<String> password = match(line, host, Integer.toString(port), database, user);
                if (password.isPresent()) {
                    return password;
                }
            }
            return Optional.empty();
        } catch (IOException | UnsupportedOperationException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read password file \"" + file + "\": " + e.getMessage());
            return Optional.empty();
        }
    }

    static Optional<String> match(String line, String host, String port, String database, String user) {
        if (line.isBlank() || line.startsWith("#")) {
            return Optional.empty();
        }
        List<String> fields = split(line);
        if (fields.size() < 5) {
            return Optional.empty();
        }
        String[] wanted = {host, port, database, user};
        for (int i = 0; i < 4; i++) {
            if (!fields.get(i).equals("*") && !fields.get(i).equals(wanted[i])) {
                return Optional.empty();
            }
        }
        return Optional.of(fields.get(4));
    }

    private static List<String> split(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                field.append(line.charAt(++i));
            } else if (c == ':' && fields.size() < 4) {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }
}
