package io.pgrwl.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Debian package {@code jlink/target/pgrwl_<version>_amd64.deb} as dpkg sees it: its control fields, Depends
 * against what the image's ELF files link, its files and conffiles, the launcher run through the {@code /usr/bin}
 * link of an extracted copy, and the maintainer scripts run against that copy ({@code DPKG_ROOT}) with stand-ins for
 * the commands that would change this machine (adduser, chown, systemctl): no user is created here.
 */
class DebPackageIT {

    /** Libraries of java.desktop that load X11 or ALSA, only for a GUI or sound: pgrwl, headless, never loads them. */
    private static final Set<String> GUI_ONLY = Set.of("libawt_xawt.so", "libjawt.so", "libsplashscreen.so",
            "libjsound.so");
    private static final String ENV_FILE = "etc/pgrwl/pgrwl.env";

    private static Path deb;
    private static Path root;
    private static Path control;
    private static Path scratch;

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("timed out: " + command + "\n" + out);
        }
        return new Result(p.exitValue(), out);
    }

    private static String field(String name) throws Exception {
        return Os.run(List.of("dpkg-deb", "--field", deb.toString(), name), null).strip();
    }

    /** 0.1.0-SNAPSHOT is 0.1.0~snapshot: a Debian version has no "-" without a revision; "~" sorts before 0.1.0. */
    private static String debianVersion() {
        return System.getProperty("pgrwl.version", "").toLowerCase(java.util.Locale.ROOT).replace('-', '~');
    }

    @BeforeAll
    static void extract() throws Exception {
        Assumptions.assumeTrue(run(List.of("sh", "-c", "command -v dpkg-deb"), Map.of()).exit() == 0,
                "dpkg-deb is not installed: the build skipped the .deb (with a [WARNING]), so there is none to test");
        assertFalse(System.getProperty("pgrwl.version", "").isBlank(), "failsafe passes -Dpgrwl.version");
        deb = Pgrwl.image().toAbsolutePath().getParent().resolve("pgrwl_" + debianVersion() + "_amd64.deb");
        assertTrue(Files.isRegularFile(deb), deb + " was not built by mvn package, though dpkg-deb is installed");
        scratch = Os.tempDir("pgrwl-deb");
        root = Files.createDirectory(scratch.resolve("root"));
        control = scratch.resolve("DEBIAN");
        Os.run(List.of("dpkg-deb", "-x", deb.toString(), root.toString()), null);
        Os.run(List.of("dpkg-deb", "-e", deb.toString(), control.toString()), null);
    }

    @AfterAll
    static void clean() throws Exception {
        Os.deleteTree(scratch);
    }

    @Test
    void theControlFieldsNameAVersionDpkgOrdersBeforeTheRelease() throws Exception {
        String info = Os.run(List.of("dpkg-deb", "--info", deb.toString()), null);
        for (String member : List.of("control", "conffiles", "md5sums", "postinst", "prerm", "postrm")) {
            assertTrue(info.contains(" " + member), member + " in:\n" + info);
        }
        assertEquals("pgrwl", field("Package"));
        assertEquals("amd64", field("Architecture"));
        assertEquals(debianVersion(), field("Version"));
        String release = System.getProperty("pgrwl.version").replace("-SNAPSHOT", "");
        assertEquals(0, run(List.of("dpkg", "--compare-versions", field("Version"), "lt", release), Map.of()).exit(),
                field("Version") + " sorts before the release " + release + ", so the release upgrades it");
        assertTrue(field("Maintainer").matches(".+ <[^@ ]+@[^@ ]+>"), field("Maintainer"));
        assertEquals("database", field("Section"));
        assertEquals("optional", field("Priority"));
        assertTrue(field("Description").startsWith("PostgreSQL WAL receiver and archiver\n"), field("Description"));
        long kib = Long.parseLong(field("Installed-Size"));
        long bytes = 0;
        for (String line : Os.run(List.of("dpkg-deb", "--contents", deb.toString()), null).lines().toList()) {
            bytes += Long.parseLong(line.split("\\s+")[2]);
        }
        assertTrue(Math.abs(kib - bytes / 1024) < bytes / 1024 / 10, "Installed-Size " + kib + " KiB, files "
                + bytes / 1024 + " KiB");
        assertEquals("", Os.run(List.of("sh", "-c", "grep -n '^#' " + control.resolve("control") + " || true"),
                null), "the comments of the control template are not in the package");
    }

    /**
     * Every library an ELF file of the image (and zstd-jni's, which it unpacks at run time) needs is in the image or
     * in a package of Depends, and libc6's version there is at least the newest GLIBC_ symbol version they use.
     */
    @Test
    void dependsCoverEveryLibraryTheImageLinks() throws Exception {
        Path image = root.resolve("opt/pgrwl");
        List<Path> elves = new ArrayList<>();
        try (Stream<Path> files = Files.walk(image)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] head = new byte[4];
                try (var in = Files.newInputStream(f)) {
                    if (in.read(head) == 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F'
                            && !GUI_ONLY.contains(f.getFileName().toString())) {
                        elves.add(f);
                    }
                }
            }
        }
        assertTrue(elves.size() > 15 && elves.contains(image.resolve("bin/java"))
                && elves.contains(image.resolve("lib/server/libjvm.so")), elves.toString());
        Path natives = Files.createDirectories(scratch.resolve("jar-natives"));
        try (Stream<Path> jars = Files.walk(image)) {
            for (Path jar : jars.filter(j -> j.toString().endsWith(".jar")).toList()) {
                try (var zip = new java.util.zip.ZipFile(jar.toFile())) {
                    for (var entry : zip.stream().filter(e -> e.getName().matches("linux/amd64/[^/]+\\.so")).toList()) {
                        Path to = natives.resolve(entry.getName().substring("linux/amd64/".length()));
                        try (var in = zip.getInputStream(entry)) {
                            Files.copy(in, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        }
                        elves.add(to);
                    }
                }
            }
        }
        assertTrue(elves.stream().anyMatch(e -> e.getFileName().toString().startsWith("libzstd-jni")),
                elves.toString());

        Set<String> systemLibraries = new TreeSet<>();
        String newestGlibc = "2.0";
        Pattern resolved = Pattern.compile("^\\t(\\S+) => (\\S+|not found)");
        Pattern loader = Pattern.compile("^\\t(/\\S+) \\(0x");
        Pattern version = Pattern.compile("^\\t\\t\\S+ \\(GLIBC_(\\d+(?:\\.\\d+)+)\\)");
        Map<String, String> libraryPath = Map.of("LD_LIBRARY_PATH", image.resolve("lib") + ":"
                + image.resolve("lib/server"));
        for (Path elf : elves) {
            Result ldd = run(List.of("ldd", "-v", elf.toString()), libraryPath);
            assertEquals(0, ldd.exit(), elf + ":\n" + ldd.output());
            boolean ownBlock = false;
            for (String line : ldd.output().lines().toList()) {
                Matcher m = resolved.matcher(line);
                Matcher l = loader.matcher(line);
                if (m.find()) {
                    assertFalse(m.group(2).equals("not found"), elf + " needs " + m.group(1) + ", which is neither in"
                            + " the image nor installed here:\n" + ldd.output());
                    if (!m.group(2).startsWith(root.toString())) {
                        systemLibraries.add(m.group(2));
                    }
                } else if (l.find()) {
                    systemLibraries.add(l.group(1));
                } else if (line.matches("^\\t\\S.*:$")) {
                    // "Version information:" blocks: only the image's own files, not what libc itself needs
                    String file = line.strip();
                    ownBlock = file.startsWith(root.toString()) || file.startsWith(natives.toString());
                }
                Matcher v = version.matcher(line);
                if (ownBlock && v.find() && compareVersions(v.group(1), newestGlibc) > 0) {
                    newestGlibc = v.group(1);
                }
            }
        }
        Set<String> packages = new TreeSet<>();
        for (String library : systemLibraries) {
            packages.add(owner(library));
        }
        String depends = field("Depends");
        Set<String> dependsOn = new TreeSet<>();
        for (String alternative : depends.split(",")) {
            dependsOn.add(alternative.strip().split("[ (]")[0]);
        }
        assertTrue(dependsOn.containsAll(packages), "the image links libraries of " + packages + " (" + systemLibraries
                + "); Depends: " + depends);
        assertTrue(dependsOn.contains("adduser"), "postinst runs adduser: " + depends);
        Matcher libc = Pattern.compile("libc6 \\(>= ([0-9.]+)\\)").matcher(depends);
        assertTrue(libc.find(), depends);
        assertEquals(0, run(List.of("dpkg", "--compare-versions", libc.group(1), "ge", newestGlibc), Map.of()).exit(),
                "the image uses GLIBC_" + newestGlibc + " symbols; Depends: " + depends);
        assertEquals("2.17", newestGlibc, "a newer glibc symbol version in the image: raise libc6 in"
                + " jlink/src/deb/control, then this number");
    }

    private static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int c = Integer.compare(i < x.length ? Integer.parseInt(x[i]) : 0,
                    i < y.length ? Integer.parseInt(y[i]) : 0);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    /** The package owning a library, also for a /usr/lib path of a file dpkg lists under /lib (merged /usr). */
    private static String owner(String library) throws Exception {
        Path real = Path.of(library).toRealPath();
        List<String> candidates = new ArrayList<>(List.of(library, real.toString()));
        for (String path : List.copyOf(candidates)) {
            candidates.add(path.startsWith("/usr/") ? path.substring(4) : "/usr" + path);
        }
        for (String path : new LinkedHashSet<>(candidates)) {
            Result r = run(List.of("dpkg-query", "-S", path), Map.of());
            if (r.exit() == 0) {
                return r.output().lines().findFirst().orElseThrow().split(":")[0];
            }
        }
        throw new AssertionError(library + " belongs to no installed package");
    }

    @Test
    void theFilesTheirModesAndTheConffiles() throws Exception {
        String contents = Os.run(List.of("dpkg-deb", "--contents", deb.toString()), null);
        Map<String, String> modes = new HashMap<>();
        for (String line : contents.lines().toList()) {
            String[] f = line.split("\\s+");
            assertEquals("root/root", f[1], "every file belongs to root (dpkg-deb --root-owner-group): " + line);
            modes.put(f[5], f[0] + (f.length > 7 ? " -> " + f[7] : ""));
        }
        assertEquals("lrwxrwxrwx -> /opt/pgrwl/bin/pgrwl", modes.get("./usr/bin/pgrwl"));
        assertEquals("-rwxr-xr-x", modes.get("./opt/pgrwl/bin/pgrwl"));
        assertEquals("-rwxr-xr-x", modes.get("./opt/pgrwl/bin/java"));
        assertEquals("-rw-r--r--", modes.get("./lib/systemd/system/pgrwl.service"));
        assertEquals("-rw-r--r--", modes.get("./etc/pgrwl/pgrwl.yml"));
        assertEquals("-rw-------", modes.get("./" + ENV_FILE), "the secrets' file is root's only until postinst");
        for (String part : List.of("./opt/pgrwl/app/", "./opt/pgrwl/plugins/s3/", "./opt/pgrwl/plugins/sftp/",
                "./opt/pgrwl/plugins/crypto/", "./opt/pgrwl/lib/modules", "./opt/pgrwl/lib/server/classes.jsa")) {
            assertTrue(modes.containsKey(part), part + " in:\n" + contents);
        }
        assertFalse(contents.contains(".aot") || contents.contains("aot.home"),
                "AOT caches work only where they were made; postinst makes them:\n" + contents);
        assertEquals(List.of("/etc/pgrwl/pgrwl.yml", "/" + ENV_FILE), Files.readAllLines(control.resolve("conffiles")));
        for (String script : List.of("postinst", "prerm", "postrm")) {
            assertTrue(Files.isExecutable(control.resolve(script)), script);
        }
        // one source for each: the package installs deploy/'s files, so the two cannot drift apart
        assertEquals(Files.readString(Path.of("../deploy/config/pgrwl.yml")),
                Files.readString(root.resolve("etc/pgrwl/pgrwl.yml")));
        assertEquals(Files.readString(Path.of("../deploy/systemd/pgrwl.service")),
                Files.readString(root.resolve("lib/systemd/system/pgrwl.service")));
        // dpkg --verify checks against md5sums: the sums hold for the files extracted
        Result sums = run(List.of("sh", "-c", "cd \"$0\" && md5sum --quiet -c \"$1\"", root.toString(),
                control.resolve("md5sums").toString()), Map.of());
        assertEquals(0, sums.exit(), sums.output());
        assertTrue(Files.readString(control.resolve("md5sums")).contains("  opt/pgrwl/bin/pgrwl\n"));
    }

    /** ExecStart*, EnvironmentFile and every -c of the unit exist in the package; it is installed, never enabled. */
    @Test
    void theUnitUsesOnlyPathsThePackageHas() throws Exception {
        String unit = Files.readString(root.resolve("lib/systemd/system/pgrwl.service"));
        List<String> paths = new ArrayList<>();
        for (String line : unit.lines().toList()) {
            Matcher exec = Pattern.compile("^Exec\\w+=[-@+!:]*(/\\S+)(.*)$").matcher(line);
            if (exec.find()) {
                paths.add(exec.group(1));
                Matcher config = Pattern.compile("-c (/\\S+)").matcher(exec.group(2));
                while (config.find()) {
                    paths.add(config.group(1));
                }
            }
            if (line.startsWith("EnvironmentFile=")) {
                paths.add(line.substring("EnvironmentFile=".length()).replaceFirst("^-", ""));
            }
        }
        assertTrue(paths.containsAll(List.of("/opt/pgrwl/bin/pgrwl", "/etc/pgrwl/pgrwl.yml", "/" + ENV_FILE)),
                paths.toString());
        for (String path : paths) {
            assertTrue(Files.exists(root.resolve(path.substring(1))), path + " of the unit is not in the package");
        }
        assertTrue(unit.contains("\nUser=pgrwl\n") && unit.contains("\nStateDirectory=pgrwl\n")
                && unit.contains("\nWantedBy=multi-user.target\n"), unit);
        // the commands, without comments: try-restart (after an upgrade, of a service that runs) is allowed
        Pattern enablesOrStarts = Pattern.compile("\\b(enable|start)\\b|--now");
        for (String script : List.of("postinst", "prerm", "postrm")) {
            for (String line : Files.readAllLines(control.resolve(script))) {
                assertFalse(!line.strip().startsWith("#") && enablesOrStarts.matcher(line).find(),
                        script + " enables or starts pgrwl: " + line);
            }
        }
    }

    /**
     * The launcher finds the image through {@code /usr/bin/pgrwl}: the link points at /opt/pgrwl/bin/pgrwl, which in
     * the extracted copy is {@code <root>/opt/pgrwl/bin/pgrwl}, so the test points it there and calls it by PATH.
     */
    @Test
    void theLauncherRunsThroughTheUsrBinLinkAndTheExampleConfigValidates() throws Exception {
        Path link = root.resolve("usr/bin/pgrwl");
        assertEquals(Path.of("/opt/pgrwl/bin/pgrwl"), Files.readSymbolicLink(link));
        Files.delete(link);
        Files.createSymbolicLink(link, root.resolve("opt/pgrwl/bin/pgrwl"));
        Map<String, String> path = Map.of("PATH", root.resolve("usr/bin") + ":/usr/bin:/bin");

        Result version = run(List.of("sh", "-c", "pgrwl --version"), path);
        assertEquals(0, version.exit(), version.output());
        assertEquals("pgrwl " + System.getProperty("pgrwl.version"), version.output().strip());
        Result plugins = run(List.of("sh", "-c", "pgrwl plugins"), path);
        assertTrue(plugins.output().contains("storage  s3  plugins/s3") && plugins.output().contains(
                "codec    aes-256-gcm  plugins/crypto"), "the plugins of " + root + "/opt/pgrwl:\n" + plugins.output());

        // every ${VAR} of pgrwl.yml is listed in pgrwl.env, so the operator knows what to fill in
        String yaml = Files.readString(root.resolve("etc/pgrwl/pgrwl.yml"));
        String envFile = Files.readString(root.resolve(ENV_FILE));
        Set<String> listed = new TreeSet<>();
        Matcher name = Pattern.compile("(?m)^#?([A-Z][A-Z0-9_]*)=").matcher(envFile);
        while (name.find()) {
            listed.add(name.group(1));
        }
        Set<String> used = new TreeSet<>();
        Matcher placeholder = Pattern.compile("\\$\\{([A-Z0-9_]+)}").matcher(yaml);
        while (placeholder.find()) {
            used.add(placeholder.group(1));
        }
        assertTrue(used.size() >= 8 && listed.containsAll(used), "pgrwl.env lists " + listed + "; pgrwl.yml uses "
                + used);
        assertTrue(listed.containsAll(List.of("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD")), listed.toString());

        Map<String, String> env = new HashMap<>(path);
        for (String variable : used) {
            env.put(variable, "value-of-" + variable.toLowerCase(java.util.Locale.ROOT) + "-4711");
        }
        env.put("PGRWL_S3_URL", "http://127.0.0.1:9");
        Result validate = run(List.of("sh", "-c", "pgrwl validate -c \"$0\" -m receive",
                root.resolve("etc/pgrwl/pgrwl.yml").toString()), env);
        assertEquals(0, validate.exit(), validate.output());
        assertTrue(validate.output().contains("configuration is valid"), validate.output());
        assertFalse(validate.output().contains("value-of-pgrwl_s3_secret_access_key"), validate.output());
        // without the variables (an unedited pgrwl.env) the unit's ExecStartPre stops, naming what is missing
        Result unset = run(List.of("sh", "-c", "pgrwl validate -c \"$0\" -m receive",
                root.resolve("etc/pgrwl/pgrwl.yml").toString()), path);
        assertEquals(2, unset.exit(), unset.output());
        for (String variable : used) {
            assertTrue(unset.output().contains("environment variable " + variable + " "), unset.output());
        }
    }

    /** Stand-ins that record their arguments; getent finds nobody, so postinst asks for the user. */
    private static Path standIns(Path log) throws IOException {
        Path bin = Files.createDirectories(scratch.resolve("stand-ins"));
        for (String command : List.of("adduser", "chown", "systemctl", "deb-systemd-invoke", "deb-systemd-helper",
                "getent")) {
            Path script = bin.resolve(command);
            Files.writeString(script, "#!/bin/sh\necho \"" + command + " $*\" >>'" + log + "'\n"
                    + (command.equals("getent") ? "exit 2\n" : "exit 0\n"));
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return bin;
    }

    private Result script(String name, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("sh", control.resolve(name).toString()));
        command.addAll(List.of(args));
        return run(command, env);
    }

    @Test
    void theMaintainerScriptsActOnTheirRootAndNeverDeleteWal() throws Exception {
        for (String name : List.of("postinst", "prerm", "postrm")) {
            Result syntax = run(List.of("sh", "-n", control.resolve(name).toString()), Map.of());
            assertEquals(0, syntax.exit(), name + ": " + syntax.output());
        }
        Path calls = scratch.resolve("calls.log");
        Path lib = root.resolve("opt/pgrwl/lib");
        Map<String, String> env = new HashMap<>(Map.of("DPKG_ROOT", root.toString(),
                "PATH", standIns(calls) + ":/usr/sbin:/usr/bin:/sbin:/bin"));

        // first installation: the user, its directory, the group of the secrets' file, the AOT caches for this root
        Result install = script("postinst", env, "configure", "");
        assertEquals(0, install.exit(), install.output());
        String log = Files.readString(calls);
        assertTrue(log.contains("adduser --system --group --home /var/lib/pgrwl ") && log.contains(" pgrwl\n"), log);
        assertTrue(log.contains("chown pgrwl:pgrwl " + root.resolve("var/lib/pgrwl") + "\n"), log);
        assertTrue(log.contains("chown root:pgrwl " + root.resolve(ENV_FILE) + "\n"), log);
        assertFalse(log.matches("(?s).*\\b(enable|start|restart)\\b.*"), "never enabled or started:\n" + log);
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve(
                "var/lib/pgrwl"))));
        assertEquals(lib.getParent().toString(), Files.readString(lib.resolve("aot.home")).strip(), install.output());
        Result aot = run(List.of(root.resolve("opt/pgrwl/bin/pgrwl").toString(), "--version"),
                Map.of("PGRWL_JAVA_OPTS", "-XX:AOTMode=on"));
        assertEquals(0, aot.exit(), "the JVM accepts the caches postinst made: " + aot.output());

        // an upgrade: prerm drops the old caches; postinst leaves the existing directory and the file's group alone,
        // and a training that fails does not fail the installation but says how to try again
        Files.writeString(calls, "");
        assertEquals(0, script("prerm", env, "upgrade", "0.1.1").exit());
        try (Stream<Path> files = Files.list(lib)) {
            assertEquals(List.of(), files.filter(f -> f.toString().endsWith(".aot")
                    || f.endsWith("aot.home")).toList());
        }
        Map<String, String> broken = new HashMap<>(env);
        broken.put("PGRWL_JAVA_OPTS", "-XX:+NoSuchJvmOption");
        Result upgrade = script("postinst", broken, "configure", "0.0.9");
        assertEquals(0, upgrade.exit(), upgrade.output());
        assertTrue(upgrade.output().contains("pgrwl runs without them, only starts slower. To try again: sudo"
                + " /opt/pgrwl/bin/pgrwl aot-train"), upgrade.output());
        log = Files.readString(calls);
        assertFalse(log.contains("chown"), "an existing /var/lib/pgrwl and the operator's choices stay:\n" + log);

        // removal keeps the image's own files (dpkg removes those), purge keeps a directory that holds WAL
        Path wal = Files.createDirectories(root.resolve("var/lib/pgrwl/wal"));
        Path segment = Files.writeString(wal.resolve("000000010000000000000001"), "not yet archived");
        for (String step : List.of("prerm", "postrm")) {
            Files.writeString(lib.resolve("daemon.aot"), "a cache");
            Files.writeString(lib.resolve("aot.home"), lib.getParent() + "\n");
            assertEquals(0, script(step, env, "remove").exit(), step);
            assertFalse(Files.exists(lib.resolve("daemon.aot")) || Files.exists(lib.resolve("aot.home")), step);
        }
        assertTrue(Files.isRegularFile(lib.resolve("modules")), "the package's own files are dpkg's to remove");
        Result purge = script("postrm", env, "purge");
        assertEquals(0, purge.exit(), purge.output());
        assertTrue(Files.isRegularFile(segment), "WAL is never deleted");
        assertTrue(purge.output().contains("kept /var/lib/pgrwl, which is not empty"), purge.output());
        Files.delete(segment);
        assertEquals(0, script("postrm", env, "purge").exit());
        assertFalse(Files.exists(root.resolve("var/lib/pgrwl")), "an empty state directory goes with purge");
        assertFalse(Files.readString(calls).contains("deluser"));
    }
}
