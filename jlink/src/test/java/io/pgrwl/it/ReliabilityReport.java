package io.pgrwl.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Writes {@code docs/reliability.md}: one row per fault scenario, put there by the test that ran it, after its
 * assertions passed. A scenario's row is replaced in place, so running one test updates its row alone; each row says
 * when and at which commit it ran, so a row that a later run did not refresh shows its age.
 *
 * <p>Rows are written only from passing runs: a failed scenario leaves its previous row (with its older date and
 * commit) and fails the build, which is where a failure is reported. Thread-safe across test JVMs through a file lock.
 */
final class ReliabilityReport {

    private static final String BEGIN = "<!-- rows: written by ReliabilityReport, one per scenario id -->";
    private static final String END = "<!-- end of rows -->";

    private ReliabilityReport() {
    }

    /**
     * One scenario's outcome.
     *
     * @param id       sort key and identity of the row, e.g. {@code "1.s3"} (the item number first)
     * @param scenario what ran, in a few words
     * @param injected the faults, with counts and durations
     * @param checked  what was compared, from outside pgrwl where possible
     * @param figures  acknowledged commits, segments compared, time to recover
     */
    record Row(String id, String scenario, String injected, String checked, String figures) {
    }

    /** Records a passed scenario. Call it after the test's last assertion. */
    static void passed(Row row) {
        Path doc = docsDir().resolve("reliability.md");
        try {
            Files.createDirectories(doc.getParent());
            Path lock = Path.of(System.getProperty("java.io.tmpdir"), "pgrwl-reliability-report.lock");
            try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                TreeMap<String, String> rows = existingRows(doc);
                // a run on another PostgreSQL major than the default 15 keeps its own row: "R.rpo-zero-crash@pg17"
                String major = pgVersion().replaceFirst("^(\\d+).*", "$1");
                Row versioned = major.equals("15") || !major.matches("\\d+") ? row
                        : new Row(row.id() + "@pg" + major, row.scenario(), row.injected(), row.checked(), row.figures());
                rows.put(versioned.id(), line(versioned));
                Files.writeString(doc, render(rows), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + doc, e);
        }
    }

    private static String line(Row row) {
        return "| " + cell(row.id()) + " | " + cell(row.scenario()) + " | " + cell(row.injected()) + " | "
                + cell(row.checked()) + " | passed | " + cell(row.figures()) + " | "
                + LocalDate.now(ZoneOffset.UTC) + " " + commit() + " (PostgreSQL " + pgVersion() + ") |";
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    private static TreeMap<String, String> existingRows(Path doc) throws IOException {
        TreeMap<String, String> rows = new TreeMap<>(ReliabilityReport::compareIds);
        if (!Files.exists(doc)) {
            return rows;
        }
        boolean in = false;
        for (String l : Files.readAllLines(doc, StandardCharsets.UTF_8)) {
            if (l.equals(BEGIN)) {
                in = true;
            } else if (l.equals(END)) {
                in = false;
            } else if (in && l.startsWith("| ") && !l.startsWith("| id ") && !l.startsWith("|---")) {
                String id = l.substring(2, l.indexOf(" |", 2));
                rows.put(id, l);
            }
        }
        return rows;
    }

    /** "1.s3" before "10.x": the item number compares as a number. */
    private static int compareIds(String a, String b) {
        String[] pa = a.split("\\.", 2);
        String[] pb = b.split("\\.", 2);
        try {
            int c = Integer.compare(Integer.parseInt(pa[0]), Integer.parseInt(pb[0]));
            if (c != 0) {
                return c;
            }
        } catch (NumberFormatException e) {
            // not numbered: plain order
        }
        return a.compareTo(b);
    }

    private static String render(TreeMap<String, String> rows) {
        List<String> out = new ArrayList<>(List.of(
                "# Reliability: what pgrwl survives",
                "",
                "Written by the fault scenarios of the integration suite (`bash .ci/run`; one scenario:",
                "`mvn -pl jlink verify -Dit.test=ClassIT`), not by hand. Each row is put here by the test that ran the",
                "scenario, after every assertion of it passed, against real PostgreSQL, real storage servers (s3proxy,",
                "OpenSSH sshd) and the built image; it names the day, the commit and the PostgreSQL version of its run.",
                "The oracle, unless a row says otherwise: the archive (or the receiver's directory) equals what",
                "`pg_receivewal` wrote from the same server, and a restore through pgrwl brings back every acknowledged",
                "commit. A row whose id ends in `@pg17` or `@pg18` ran on that PostgreSQL (the version runs of `.ci/run`).",
                "Test classes: `FaultSuiteIT`, `ResumeAndReconnectIT`, `DeadConnectionIT`, `S3ArchiveIT`, `SftpArchiveIT`,",
                "`DiskFullIT`, `HighAvailabilityIT`, `PartialUploadIT`, `RpoZeroCrashIT`, `FsyncBeforeAckIT`,",
                "`HostileArchiveIT`, `HttpHostileInputIT`, `ConfigRefusalIT`, `SecretsIT`.",
                "",
                BEGIN,
                "| id | scenario | injected | checked | result | figures | run |",
                "|---|---|---|---|---|---|---|"));
        out.addAll(rows.values());
        out.add(END);
        out.add("");
        return String.join("\n", out);
    }

    private static Path docsDir() {
        Path here = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("docs")) && Files.exists(p.resolve(".ci/run"))) {
                return p.resolve("docs");
            }
        }
        throw new IllegalStateException("no project root (with docs/ and .ci/run) above " + here);
    }

    private static String commit() {
        try {
            Path root = docsDir().getParent();
            String head = Os.run(List.of("git", "-C", root.toString(), "rev-parse", "--short", "HEAD"), null).trim();
            String dirty = Os.run(List.of("git", "-C", root.toString(), "status", "--porcelain", "--untracked-files=no",
                    "--", ".", ":!docs"), null).isBlank() ? "" : "+changes";
            return head + dirty;
        } catch (IOException | RuntimeException e) {
            return "(no git)";
        }
    }

    private static String pgVersion() {
        try {
            return Os.run(List.of(Os.pg("postgres").toString(), "--version"), null).trim()
                    .replaceFirst("^postgres \\(PostgreSQL\\) ", "");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
