package io.pgrwl.server.backup;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.server.backup.TarExtractor.Extracted;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a base backup's tar may make in the destination, and what a damaged, truncated or hostile one may not. The
 * hostile tars are written here with commons-compress, the reader's own library, so each says exactly what the test
 * means.
 */
class TarExtractorTest {

    private static final FileTime T1 = FileTime.fromMillis(1_764_630_000_000L);
    private static final FileTime T2 = FileTime.fromMillis(1_764_630_123_000L);
    private static final String HOSTILE = "damaged or was tampered with";

    @TempDir
    Path temp;
    private Path dest;
    private Path outside;

    @BeforeEach
    void directories() throws IOException {
        dest = Files.createDirectory(temp.resolve("dest"));
        outside = Files.createDirectory(temp.resolve("outside"));
    }

    // ---- what PostgreSQL sends

    @Test
    void extractsNestedDirectoriesFilesLinksWithTheirModesAndTimes() throws Exception {
        String longName = "base/1/" + "n".repeat(150); // a PAX path record
        Tar tar = new Tar()
                .dir("global/", 0700, T1)
                .file("global/pg_control", 0600, T2, "control")
                .dir("base/1/", 0750, T2) // base/ itself is never named: a missing parent
                .file("base/1/1259", 0640, T1, "pg_class")
                .file(longName, 0600, T2, "long")
                .file("./PG_VERSION", 0600, T1, "17\n")
                .dir("pg_wal/", 0700, T2)
                .symlink("latest", "base/1/1259")
                .symlink("base/1/up", "../../global/pg_control")
                .hardLink("PG_VERSION.copy", "PG_VERSION");

        Extracted extracted = TarExtractor.extract(tar.stream(), dest);

        assertEquals(new Extracted(5, 4, 2, 7 + 8 + 4 + 3), extracted);
        assertEquals("control", Files.readString(dest.resolve("global/pg_control")));
        assertEquals("pg_class", Files.readString(dest.resolve("base/1/1259")));
        assertEquals("long", Files.readString(dest.resolve(longName)));
        assertEquals("17\n", Files.readString(dest.resolve("PG_VERSION")), "./ is the destination");
        assertTrue(Files.isDirectory(dest.resolve("pg_wal"), LinkOption.NOFOLLOW_LINKS));

        assertMode("rwx------", "global");
        assertMode("rw-------", "global/pg_control");
        assertMode("rwxr-x---", "base/1");
        assertMode("rwx------", "base");
        assertMode("rw-r-----", "base/1/1259");
        // whole seconds, as ustar keeps them; a directory's time is set after its entries were made
        assertEquals(T1, mtime("global"));
        assertEquals(T2, mtime("global/pg_control"));
        assertEquals(T2, mtime("base/1"));
        assertEquals(T1, mtime("base/1/1259"));
        assertEquals(T2, mtime("pg_wal"));

        assertTrue(Files.isSymbolicLink(dest.resolve("latest")));
        assertEquals(Path.of("base/1/1259"), Files.readSymbolicLink(dest.resolve("latest")));
        assertEquals("pg_class", Files.readString(dest.resolve("latest")));
        assertEquals("control", Files.readString(dest.resolve("base/1/up")));
        assertTrue(Files.isSameFile(dest.resolve("PG_VERSION"), dest.resolve("PG_VERSION.copy")));
        assertFalse(Files.isSymbolicLink(dest.resolve("PG_VERSION.copy")));
    }

    @Test
    void missingParentsAreMadeOwnerOnly() throws Exception {
        TarExtractor.extract(new Tar().file("a/b/c", 0600, T1, "x").stream(), dest);
        assertMode("rwx------", "a"); // the umask alone (022 here) would give rwxr-xr-x
        assertMode("rwx------", "a/b");
    }

    @Test
    void onlyThePermissionBitsOfAModeAreKept() throws Exception {
        TarExtractor.extract(new Tar().file("setuid", 04755, T1, "x").dir("sticky/", 01777, T1).stream(), dest);
        assertEquals(0755, (int) Files.getAttribute(dest.resolve("setuid"), "unix:mode") & 07777);
        assertEquals(0777, (int) Files.getAttribute(dest.resolve("sticky"), "unix:mode") & 07777);
        assertEquals("rw-r-----", PosixFilePermissions.toString(TarExtractor.permissions(0100640)));
        assertEquals("rwxrwxrwx", PosixFilePermissions.toString(TarExtractor.permissions(07777)));
    }

    @Test
    void aDirectoryGetsAModeWithoutWriteRightOnlyAfterItsEntries() throws Exception {
        TarExtractor.extract(new Tar().dir("ro/", 0500, T1).file("ro/f", 0400, T2, "x").stream(), dest);
        assertMode("r-x------", "ro");
        assertMode("r--------", "ro/f");
        assertEquals(T1, mtime("ro"));
    }

    // ---- rule 1: names

    @ParameterizedTest
    @ValueSource(strings = {"../escaped", "sub/../../escaped", "sub/..", "./../escaped", "", "a\\..\\escaped",
            "a//b", "a/./b"})
    void namesThatCouldLeadElsewhereAreRefused(String name) throws Exception {
        IOException e = refused(new Tar().file("sub/ok", 0600, T1, "fine").file(name, 0600, T1, "hostile"));
        assertTrue(e.getMessage().contains(name.isEmpty() ? "an entry without a name" : "\"" + name + "\""),
                e.getMessage());
        assertNothingOutside();
    }

    @Test
    void anAbsoluteNameIsRefused() throws Exception {
        String name = outside.resolve("escaped").toString();
        IOException e = refused(new Tar().file(name, 0600, T1, "hostile"));
        assertTrue(e.getMessage().contains("\"" + name + "\", an absolute path"), e.getMessage());
        assertTrue(e.getMessage().contains("nothing outside " + dest.toRealPath() + " was written"), e.getMessage());
        assertNothingOutside();
    }

    @Test
    void aNameWithANulIsRefused() throws Exception {
        // past 100 characters, so that the name travels whole in a PAX record rather than cut at the NUL by ustar
        String name = "x".repeat(120) + "\0/../../escaped";
        IOException e = refused(new Tar().file(name, 0600, T1, "hostile"));
        assertTrue(e.getMessage().contains("with a NUL"), e.getMessage());
        assertNothingOutside();
    }

    // ---- rule 2: never through a link, never over what is there

    @Test
    void aLinkAlreadyInTheDestinationIsNotWrittenThrough() throws Exception {
        Files.createSymbolicLink(dest.resolve("evil"), outside);
        IOException e = refused(new Tar().file("evil/passwd", 0600, T1, "hostile"));
        assertTrue(e.getMessage().contains("below \"evil\", a link"), e.getMessage());
        assertNothingOutside();
    }

    @Test
    void aLinkAtTheEntrysOwnNameIsNotWrittenThrough() throws Exception {
        Path target = Files.writeString(outside.resolve("pg_hba.conf"), "original");
        Files.createSymbolicLink(dest.resolve("pg_hba.conf"), target);
        IOException e = refused(new Tar().file("pg_hba.conf", 0600, T1, "host all all 0/0 trust"));
        assertTrue(e.getMessage().contains("where there is a link already"), e.getMessage());
        assertEquals("original", Files.readString(target));
    }

    @Test
    void anExistingFileIsNotOverwritten() throws Exception {
        Files.writeString(dest.resolve("PG_VERSION"), "16\n");
        IOException e = refused(new Tar().file("PG_VERSION", 0600, T1, "17\n"));
        assertTrue(e.getMessage().contains("already in"), e.getMessage());
        assertEquals("16\n", Files.readString(dest.resolve("PG_VERSION")));
    }

    @Test
    void aNameTheTarHoldsTwiceIsRefused() throws Exception {
        IOException e = refused(new Tar().file("a", 0600, T1, "first").file("a", 0600, T1, "second"));
        assertTrue(e.getMessage().contains("holds it twice"), e.getMessage());
        assertEquals("first", Files.readString(dest.resolve("a")));
        e = refused(new Tar().dir("d/", 0700, T1).dir("d/", 0777, T1), Files.createDirectory(temp.resolve("d2")));
        assertTrue(e.getMessage().contains("names the directory \"d/\" twice"), e.getMessage());
    }

    @Test
    void linksAreMadeAfterEveryOtherEntry() throws Exception {
        // were "l" made when it comes, "l/x" would go into d through it; made last, "l" finds l/ taken
        IOException e = refused(new Tar().dir("d/", 0700, T1).symlink("l", "d").file("l/x", 0600, T1, "x"));
        assertTrue(e.getMessage().contains("\"l\" is already in"), e.getMessage());
        assertTrue(Files.isRegularFile(dest.resolve("l/x"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.isSymbolicLink(dest.resolve("l")));
        assertFalse(Files.exists(dest.resolve("d/x")));
    }

    @Test
    void aLinkBelowALinkIsRefused() throws Exception {
        IOException e = refused(new Tar().dir("d/", 0700, T1).symlink("a", "d").symlink("a/b", "x"));
        assertTrue(e.getMessage().contains("\"a/b\" below \"a\", a link"), e.getMessage());
        assertFalse(Files.exists(dest.resolve("d/b"), LinkOption.NOFOLLOW_LINKS));
    }

    // ---- rule 3: links, hard links, other types

    @ParameterizedTest
    @ValueSource(strings = {"/etc", "../..", "../../outside", "sub/../../../outside", "./../../outside"})
    void aSymlinkLeadingOutIsRefused(String target) throws Exception {
        IOException e = refused(new Tar().file("PG_VERSION", 0600, T1, "17\n").symlink("pg_tblspc/16385", target));
        assertTrue(e.getMessage().contains("link \"pg_tblspc/16385\" to \"" + target + "\""), e.getMessage());
        assertTrue(e.getMessage().contains(target.startsWith("/") ? "absolute" : "out of the destination")
                || e.getMessage().contains("goes up after going down"), e.getMessage());
        assertFalse(Files.exists(dest.resolve("pg_tblspc/16385"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aSymlinkGoingUpThroughAnotherLinkIsRefused() throws Exception {
        // x/a -> .. is the destination; x/b -> a/../escaped reads as x/escaped, but the kernel takes a/.. from the
        // destination: temp/escaped
        IOException e = refused(new Tar().dir("x/", 0700, T1).symlink("x/a", "..").symlink("x/b", "a/../escaped"));
        assertTrue(e.getMessage().contains("goes up after going down"), e.getMessage());
        assertFalse(Files.exists(dest.resolve("x/b"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aHardLinkMayOnlyNameARegularFileExtractedBefore() throws Exception {
        Files.writeString(outside.resolve("secret"), "secret");
        String outsideRelative = "../outside/secret";
        List<String> targets = List.of("nope", outsideRelative, outside.resolve("secret").toString(), "there", "d",
                "l", "later");
        for (String target : targets) {
            Path into = Files.createDirectory(temp.resolve("hard-" + targets.indexOf(target)));
            Files.writeString(into.resolve("there"), "not from the tar");
            IOException e = refused(new Tar().dir("d/", 0700, T1).symlink("l", "d").hardLink("h", target)
                    .file("later", 0600, T1, "x"), into);
            assertTrue(e.getMessage().contains("hard link \"h\" to \"" + target + "\""), e.getMessage());
            assertFalse(Files.exists(into.resolve("h"), LinkOption.NOFOLLOW_LINKS), target);
        }
        assertEquals(1, Files.readAttributes(outside.resolve("secret"), "unix:nlink").get("nlink"));
    }

    @ParameterizedTest
    @ValueSource(bytes = {TarConstants.LF_CHR, TarConstants.LF_BLK, TarConstants.LF_FIFO, 'Z'})
    void devicesFifosAndUnknownTypesAreRefused(byte type) throws Exception {
        TarArchiveEntry entry = new TarArchiveEntry("pg_wal/dev", type);
        entry.setMode(0600);
        IOException e = refused(new Tar().entry(entry, new byte[0]));
        assertTrue(e.getMessage().contains("holds \"pg_wal/dev\" as a"), e.getMessage());
        assertFalse(Files.exists(dest.resolve("pg_wal/dev"), LinkOption.NOFOLLOW_LINKS));
    }

    // ---- rule 6: truncated or damaged archives

    @Test
    void aTarCutInsideAFileIsTruncated() throws Exception {
        byte[] tar = new Tar().file("base/1/1259", 0600, T1, "x".repeat(3000)).bytes();
        IOException e = assertThrows(IOException.class,
                () -> TarExtractor.extract(new ByteArrayInputStream(Arrays.copyOf(tar, 512 + 1000)), dest));
        assertTrue(e.getMessage().contains("ends inside \"base/1/1259\" (1000 of its 3000 bytes)"), e.getMessage());
        assertTrue(e.getMessage().contains("the archive is truncated"), e.getMessage());
    }

    @Test
    void aTarCutInsideAHeaderOrThePaddingIsTruncated() throws Exception {
        byte[] tar = new Tar().file("a", 0600, T1, "0123456789").file("b".repeat(150), 0600, T1, "b").bytes();
        int secondHeader = 1024;
        // in the padding after a's data, in the PAX header of b, in the PAX record, in b's own header
        for (int cut : new int[] {512 + 15, secondHeader + 100, secondHeader + 512 + 20, secondHeader + 1024 + 7}) {
            Path into = Files.createDirectory(temp.resolve("cut-" + cut));
            IOException e = assertThrows(IOException.class,
                    () -> TarExtractor.extract(new ByteArrayInputStream(Arrays.copyOf(tar, cut)), into));
            assertTrue(e.getMessage().contains("the archive is truncated"), cut + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("after \"a\""), cut + ": " + e.getMessage());
        }
        // cut between two entries: nothing tells (PostgreSQL before 15 sends no end-of-archive records)
        Extracted first = TarExtractor.extract(new ByteArrayInputStream(Arrays.copyOf(tar, secondHeader)),
                Files.createDirectory(temp.resolve("between")));
        assertEquals(1, first.files());
    }

    @Test
    void aSizeThatDisagreesWithTheDataIsDamagedAndNamesTheEntry() throws Exception {
        byte[] tar = new Tar().file("global/pg_control", 0600, T1, "x".repeat(1000)).bytes();
        setSize(tar, 0, 100); // what follows the first 100 bytes is read as a header
        IOException e = assertThrows(IOException.class,
                () -> TarExtractor.extract(new ByteArrayInputStream(tar), dest));
        assertTrue(e.getMessage().contains("after \"global/pg_control\""), e.getMessage());
        assertTrue(e.getMessage().contains("damaged"), e.getMessage());
    }

    @Test
    void aHeaderThatFailsItsChecksumIsDamaged() throws Exception {
        byte[] tar = new Tar().file("a", 0600, T1, "x").bytes();
        tar[0] = 'b';
        IOException e = assertThrows(IOException.class,
                () -> TarExtractor.extract(new ByteArrayInputStream(tar), dest));
        assertTrue(e.getMessage().contains("the header of \"b\""), e.getMessage());
        assertTrue(e.getMessage().contains("fails its checksum"), e.getMessage());
        assertFalse(Files.exists(dest.resolve("b")));
    }

    @Test
    void theDestinationMustBeADirectory() throws Exception {
        Path file = Files.writeString(temp.resolve("file"), "");
        IOException e = assertThrows(IOException.class, () -> TarExtractor.extract(new Tar().stream(), file));
        assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
    }

    // ---- helpers

    private IOException refused(Tar tar) throws IOException {
        return refused(tar, dest);
    }

    private IOException refused(Tar tar, Path into) throws IOException {
        byte[] bytes = tar.bytes();
        IOException e = assertThrows(IOException.class,
                () -> TarExtractor.extract(new ByteArrayInputStream(bytes), into));
        assertTrue(e.getMessage().contains(HOSTILE) || e.getMessage().contains("already in"), e.getMessage());
        return e;
    }

    private void assertNothingOutside() throws IOException {
        try (Stream<Path> names = Files.list(temp)) {
            assertEquals(List.of("dest", "outside"), names.map(p -> p.getFileName().toString()).sorted().toList());
        }
        try (Stream<Path> names = Files.list(outside)) {
            assertEquals(List.of(), names.toList());
        }
    }

    private void assertMode(String expected, String name) throws IOException {
        assertEquals(expected, PosixFilePermissions.toString(Files.getPosixFilePermissions(dest.resolve(name),
                LinkOption.NOFOLLOW_LINKS)), name);
    }

    private FileTime mtime(String name) throws IOException {
        return Files.getLastModifiedTime(dest.resolve(name), LinkOption.NOFOLLOW_LINKS);
    }

    /** Sets the size field of the header at offset, with a checksum that matches again. */
    private static void setSize(byte[] tar, int offset, long size) {
        byte[] field = String.format("%011o\0", size).getBytes(US_ASCII);
        System.arraycopy(field, 0, tar, offset + 124, 12);
        Arrays.fill(tar, offset + 148, offset + 156, (byte) ' ');
        int sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += tar[offset + i] & 0xff;
        }
        byte[] checksum = String.format("%06o\0 ", sum).getBytes(US_ASCII);
        System.arraycopy(checksum, 0, tar, offset + 148, 8);
    }

    /** A tar written as BASE_BACKUP writes one: ustar, PAX records for long names; any name kept as given. */
    private static final class Tar {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final TarArchiveOutputStream out = new TarArchiveOutputStream(bytes);

        Tar() {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        }

        Tar dir(String name, int mode, FileTime mtime) throws IOException {
            TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_DIR, true);
            entry.setMode(mode);
            entry.setLastModifiedTime(mtime);
            return entry(entry, new byte[0]);
        }

        Tar file(String name, int mode, FileTime mtime, String content) throws IOException {
            TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
            entry.setMode(mode);
            entry.setLastModifiedTime(mtime);
            return entry(entry, content.getBytes(UTF_8));
        }

        Tar symlink(String name, String target) throws IOException {
            TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
            entry.setLinkName(target);
            entry.setMode(0777);
            return entry(entry, new byte[0]);
        }

        Tar hardLink(String name, String target) throws IOException {
            TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
            entry.setLinkName(target);
            entry.setMode(0600);
            return entry(entry, new byte[0]);
        }

        Tar entry(TarArchiveEntry entry, byte[] content) throws IOException {
            entry.setSize(content.length);
            out.putArchiveEntry(entry);
            out.write(content);
            out.closeArchiveEntry();
            return this;
        }

        /** The entries without end-of-archive records, as PostgreSQL before 15 sends them. */
        byte[] bytes() throws IOException {
            out.flush();
            return bytes.toByteArray();
        }

        ByteArrayInputStream stream() throws IOException {
            out.finish();
            return new ByteArrayInputStream(bytes.toByteArray());
        }
    }
}
