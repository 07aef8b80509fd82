package io.pgrwl.server.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.builtin.LocalStorageProvider;
import io.pgrwl.server.builtin.ZstdCodecProvider;
import io.pgrwl.server.config.PgrwlConfig;
import io.pgrwl.spi.ObjectInfo;
import io.pgrwl.spi.PluginConfig;
import io.pgrwl.spi.Storage;
import io.pgrwl.spi.WalFileName;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recovery window over a real local archive (plain, or zstd-encoded under a prefix): backups written as
 * {@code BackupRunner} writes them, WAL objects as the uploader names them, a fixed clock. Each case checks the exact
 * objects left.
 */
class BackupRetentionTest {

    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final int SEG = 16 << 20;
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss")
            .withZone(ZoneOffset.UTC);

    @TempDir
    Path tmp;

    private Storage storage;
    private Archive archive;
    private int backups;

    @AfterEach
    void close() throws Exception {
        if (archive != null) {
            archive.close();
        }
    }

    // ---- the archive and what is written into it

    private void open(String prefix, boolean zstd) throws IOException {
        storage = new LocalStorageProvider().create(new PluginConfig("storage.local",
                Map.of("directory", tmp.resolve("archive").toString()), Set.of()));
        if (zstd) {
            var codec = new ZstdCodecProvider().create(new PluginConfig("storage.compression", Map.of(), Set.of()));
            archive = new Archive(storage, prefix, List.of(codec), Map.of(codec.suffix(), codec));
        } else {
            archive = new Archive(storage, prefix, List.of(), Map.of());
        }
    }

    private static Instant daysAgo(int days) {
        return NOW.minus(Duration.ofDays(days));
    }

    private static String seg(int timeline, long segment) {
        return new WalFileName(timeline, segment, false).fileName(SEG);
    }

    /** Archives WAL files as the uploader does: encoded with the write chain, named with its suffixes. */
    private void wal(String... names) throws IOException {
        for (String name : names) {
            put(archive.objectName(name), new byte[] {(byte) name.hashCode()});
        }
    }

    private void segments(int timeline, long from, long to) throws IOException {
        for (long s = from; s <= to; s++) {
            wal(seg(timeline, s));
        }
    }

    private void history(int timeline, String content) throws IOException {
        put(archive.objectName(WalFileName.historyFileName(timeline)), content.getBytes(StandardCharsets.UTF_8));
    }

    private void put(String objectName, byte[] plain) throws IOException {
        ByteArrayOutputStream encoded = new ByteArrayOutputStream();
        try (OutputStream out = archive.encode(encoded)) {
            out.write(plain);
        }
        storage.put(objectName, new ByteArrayInputStream(encoded.toByteArray()));
    }

    private String newId(Instant started) {
        return ID_TIME.format(started) + "-" + String.format("%06x", ++backups);
    }

    private String part(String id, String plainName) {
        return archive.backupPrefix() + id + "/" + plainName + archive.writeSuffixes();
    }

    /**
     * A backup as BackupRunner stores it: its parts, then its marker; WAL from {@code segment} (offset 0x28) to the
     * same segment (offset 0x1000), so it is completed once that segment is archived.
     */
    private String backup(Instant started, int timeline, long segment) throws IOException {
        String id = newId(started);
        put(part(id, "base.tar"), new byte[3000 + backups]);
        put(part(id, "backup_manifest"), ("{\"PostgreSQL-Backup-Manifest-Version\": 2, \"id\": \"" + id + "\"}")
                .getBytes(StandardCharsets.UTF_8));
        BackupMarker marker = new BackupMarker(id, "pgrwl_" + id, "7312345678901234567", SEG, 170004,
                segment * SEG + 0x28, timeline, segment * SEG + 0x1000, timeline, started, started.plusSeconds(600),
                3000 + backups, List.of(), List.of(new BackupMarker.Part("base.tar", 3000 + backups, 0, "00"),
                        new BackupMarker.Part("backup_manifest", 50, 0, "00")), archive.writeSuffixes(), "test");
        put(part(id, id + ".json"), marker.toJson().getBytes(StandardCharsets.UTF_8));
        return id;
    }

    /** A backup whose process ended before its marker: only a part, and its failure record if it wrote one. */
    private String failedBackup(Instant started, boolean record) throws IOException {
        String id = newId(started);
        put(part(id, "base.tar"), new byte[700]);
        if (record) {
            put(part(id, BackupRunner.FAILED), ("{\"id\":\"" + id + "\",\"error\":\"base backup " + id
                    + " failed: connection reset\"}").getBytes(StandardCharsets.UTF_8));
        }
        return id;
    }

    private void lease(String holder, String backupId, Instant expiresAt) throws IOException {
        storage.put(archive.backupPrefix() + BackupLease.NAME, new ByteArrayInputStream(("{\"holder\":\"" + holder
                + "\",\"backup_id\":\"" + backupId + "\",\"renewed_at\":\"" + expiresAt.minusSeconds(60)
                + "\",\"expires_at\":\"" + expiresAt + "\"}").getBytes(StandardCharsets.UTF_8)));
    }

    // ---- running and looking

    private BackupRetention.Report run(Duration window, int keepLast) throws IOException {
        return new BackupRetention(archive, new BackupCatalog(archive, CLOCK),
                new PgrwlConfig.Retention(true, "recovery_window", window, keepLast), CLOCK).run();
    }

    private Set<String> objects() throws IOException {
        Set<String> names = new TreeSet<>();
        storage.list("").forEach(o -> names.add(o.name()));
        return names;
    }

    private List<String> backupObjects(String id) {
        return List.of(part(id, "base.tar"), part(id, "backup_manifest"), part(id, id + ".json"));
    }

    private List<String> walObjects(String... names) {
        return java.util.Arrays.stream(names).map(archive::objectName).toList();
    }

    private List<String> segmentObjects(int timeline, long from, long to) {
        List<String> out = new ArrayList<>();
        for (long s = from; s <= to; s++) {
            out.add(archive.objectName(seg(timeline, s)));
        }
        return out;
    }

    private long storedSize(String id) throws IOException {
        return storage.list(archive.backupPrefix() + id + "/").stream().mapToLong(ObjectInfo::size).sum();
    }

    @SafeVarargs
    private static Set<String> union(List<String>... lists) {
        Set<String> all = new TreeSet<>();
        for (List<String> l : lists) {
            all.addAll(l);
        }
        return all;
    }

    // ---- the cases

    /** Backups 10, 6, 4 and 1 days old, WAL segments 1 to 9 of timeline 1; their starts at segments 2, 4, 6, 8. */
    private List<String> fourBackups() throws IOException {
        segments(1, 1, 9);
        return List.of(backup(daysAgo(10), 1, 2), backup(daysAgo(6), 1, 4), backup(daysAgo(4), 1, 6),
                backup(daysAgo(1), 1, 8));
    }

    @Test
    void theAnchorIsTheNewestBackupStartedBeforeTheWindowAndEverythingOlderGoes() throws Exception {
        open("", false);
        List<String> b = fourBackups();
        history(2, "1\t0/A000000\tno recovery target specified\n");
        storage.put("wal-archive/000000010000000000000001.lz4", new ByteArrayInputStream(new byte[] {1}));
        storage.put("wal-archive/00000001000000000000000A.partial", new ByteArrayInputStream(new byte[] {1}));
        storage.put("wal-archive/README.txt", new ByteArrayInputStream(new byte[] {1}));
        long bytes = storedSize(b.get(0)) + storedSize(b.get(1));

        BackupRetention.Report r = run(Duration.ofHours(72), 1);

        assertEquals(new BackupRetention.Report(List.of(b.get(0), b.get(1)), bytes, 5, b.get(2), null), r);
        assertTrue(r.ran());
        assertEquals(union(backupObjects(b.get(2)), backupObjects(b.get(3)), segmentObjects(1, 6, 9),
                walObjects("00000002.history"), List.of("wal-archive/000000010000000000000001.lz4",
                        "wal-archive/00000001000000000000000A.partial", "wal-archive/README.txt")), objects(),
                "the 4-day-old backup covers the window's start: it and the later ones stay with their WAL from"
                        + " segment 6; history, .partial, unknown suffixes and foreign names are never touched; the"
                        + " lease is gone");
        assertEquals(new BackupRetention.Report(List.of(), 0, 0, b.get(2), null), run(Duration.ofHours(72), 1),
                "a second run finds nothing more");
    }

    @Test
    void aBackupHalfDeletedHasLostItsMarkerFirstAndTheNextRunFinishesIt() throws Exception {
        open("", false);
        List<String> b = fourBackups();
        Archive failing = new Archive(new RefusesToDelete(storage, "/base.tar"), "", List.of(), Map.of());
        IOException e = assertThrows(IOException.class, () -> new BackupRetention(failing,
                new BackupCatalog(failing, CLOCK), new PgrwlConfig.Retention(true, "recovery_window",
                        Duration.ofHours(72), 1), CLOCK).run());
        assertTrue(e.getMessage().startsWith("recovery-window retention stopped deleting base backup " + b.get(0)
                + " at " + part(b.get(0), "base.tar") + " (injected: delete refused); what is left has no marker: it"
                + " is listed failed and the next run deletes it; WAL is not pruned in this run"), e.getMessage());
        BackupInfo half = new BackupCatalog(archive, CLOCK).find(b.get(0)).orElseThrow();
        assertEquals(BackupInfo.Status.FAILED, half.status(), "without its marker it is no longer offered to restore"
                + " or as an anchor: " + half.reason());
        assertEquals(BackupInfo.Status.COMPLETED, new BackupCatalog(archive, CLOCK).find(b.get(1)).orElseThrow()
                .status());

        BackupRetention.Report r = run(Duration.ofHours(72), 1);

        assertEquals(List.of(b.get(0), b.get(1)), r.deletedBackups());
        assertEquals(union(backupObjects(b.get(2)), backupObjects(b.get(3)), segmentObjects(1, 6, 9)), objects(),
                "the lease of the failed run was released too");
    }

    /** Real local storage that refuses to delete some objects, as a storage failing halfway would. */
    private record RefusesToDelete(Storage real, String nameEnd) implements Storage {
        @Override
        public ObjectInfo put(String name, java.io.InputStream content) throws IOException {
            return real.put(name, content);
        }

        @Override
        public ObjectInfo putIfAbsent(String name, java.io.InputStream content) throws IOException {
            return real.putIfAbsent(name, content);
        }

        @Override
        public java.io.InputStream get(String name) throws IOException {
            return real.get(name);
        }

        @Override
        public java.util.Optional<ObjectInfo> stat(String name) throws IOException {
            return real.stat(name);
        }

        @Override
        public List<ObjectInfo> list(String prefix) throws IOException {
            return real.list(prefix);
        }

        @Override
        public void delete(String name) throws IOException {
            if (name.endsWith(nameEnd)) {
                throw new IOException("injected: delete refused");
            }
            real.delete(name);
        }

        @Override
        public void close() {
            // the real storage is closed by the test's archive
        }
    }

    @Test
    void keepLastMovesTheAnchorBack() throws Exception {
        open("", false);
        List<String> b = fourBackups();

        BackupRetention.Report r = run(Duration.ofHours(72), 3);

        assertEquals(List.of(b.get(0)), r.deletedBackups());
        assertEquals(b.get(1), r.anchor(), "two backups from the window's anchor on; three must stay");
        assertEquals(union(backupObjects(b.get(1)), backupObjects(b.get(2)), backupObjects(b.get(3)),
                segmentObjects(1, 4, 9)), objects());

        r = run(Duration.ofHours(72), 9);
        assertEquals(new BackupRetention.Report(List.of(), 0, 0, b.get(1), null), r, "fewer than keep_last: the"
                + " oldest is the anchor, nothing goes");
        assertEquals(union(backupObjects(b.get(1)), backupObjects(b.get(2)), backupObjects(b.get(3)),
                segmentObjects(1, 4, 9)), objects());
    }

    @Test
    void withNoBackupBeforeTheWindowTheOldestIsTheAnchor() throws Exception {
        open("", false);
        List<String> b = fourBackups();

        BackupRetention.Report r = run(Duration.ofDays(30), 1);

        assertEquals(new BackupRetention.Report(List.of(), 0, 1, b.get(0), null), r);
        assertEquals(union(backupObjects(b.get(0)), backupObjects(b.get(1)), backupObjects(b.get(2)),
                backupObjects(b.get(3)), segmentObjects(1, 2, 9)), objects(), "only the WAL before the oldest");
    }

    @Test
    void failedBackupsGoOnceOlderThanTheWindowInProgressOnesAndLeasedOnesNever() throws Exception {
        open("", false);
        segments(1, 1, 1); // segment 2 was never archived: the backup that needs it stays in progress
        segments(1, 3, 9);
        String failed10 = failedBackup(daysAgo(10), false);
        String failed9 = failedBackup(daysAgo(9), true);
        String inProgress = newId(daysAgo(7));
        put(part(inProgress, "base.tar"), new byte[900]);
        put(part(inProgress, inProgress + ".json"), new BackupMarker(inProgress, "pgrwl_" + inProgress, "7312",
                SEG, 170004, SEG + 0x28, 1, 2L * SEG + 0x100, 1, daysAgo(7), daysAgo(7).plusSeconds(60), 900,
                List.of(), List.of(), "", "test").toJson().getBytes(StandardCharsets.UTF_8));
        String completed5 = backup(daysAgo(5), 1, 3);
        String failed2 = failedBackup(daysAgo(2), true);
        String completed1 = backup(daysAgo(1), 1, 8);
        BackupCatalog catalog = new BackupCatalog(archive, CLOCK);
        assertEquals(BackupInfo.Status.IN_PROGRESS, catalog.find(inProgress).orElseThrow().status());
        assertEquals(BackupInfo.Status.FAILED, catalog.find(failed10).orElseThrow().status());
        long bytes = storedSize(failed10) + storedSize(failed9);

        BackupRetention.Report r = run(Duration.ofHours(72), 1);

        assertEquals(new BackupRetention.Report(List.of(failed10, failed9), bytes, 0, completed5, null), r);
        Set<String> left = union(backupObjects(completed5), backupObjects(completed1), List.of(
                part(inProgress, "base.tar"), part(inProgress, inProgress + ".json"), part(failed2, "base.tar"),
                part(failed2, BackupRunner.FAILED)), segmentObjects(1, 1, 1), segmentObjects(1, 3, 9));
        assertEquals(left, objects(), "the failed backup inside the window stays; the one in progress stays, and"
                + " so does the WAL from its start, which it waits for");

        // a backup whose lease is alive is running, whatever its age: nothing happens while it is
        String running = failedBackup(daysAgo(8), false);
        lease("other-host:4242/6f1c", running, NOW.plusSeconds(40));
        assertEquals(BackupInfo.Status.IN_PROGRESS, catalog.find(running).orElseThrow().status());
        r = run(Duration.ofHours(72), 1);
        assertFalse(r.ran());
        assertTrue(r.skipped().contains("a base backup is running (" + running + " by other-host:4242/6f1c"),
                r.skipped());
        left.add(part(running, "base.tar"));
        left.add(archive.backupPrefix() + BackupLease.NAME);
        assertEquals(left, objects());

        // its process died (the lease expired): it is a failed backup older than the window
        lease("other-host:4242/6f1c", running, NOW.minusSeconds(1));
        r = run(Duration.ofHours(72), 1);
        assertEquals(List.of(running), r.deletedBackups());
        left.remove(part(running, "base.tar"));
        left.remove(archive.backupPrefix() + BackupLease.NAME);
        assertEquals(left, objects(), "the expired lease was taken over, and ours released");
    }

    @Test
    void timelinesBelowTheAnchorGoAndTheTimelineAfterAPromotionStays() throws Exception {
        open("cluster-a", true);
        // promoted at 0/5000000: timeline 2 begins with segment 5, timeline 1's segment 5 is left as a .partial
        history(2, "1\t0/5000000\tno recovery target specified\n");
        segments(1, 1, 4);
        wal(seg(1, 5) + ".partial");
        segments(2, 5, 9);
        String beforePromotion = backup(daysAgo(5), 1, 2);
        String anchor = backup(daysAgo(4), 2, 6);
        String latest = backup(daysAgo(1), 2, 8);

        BackupRetention.Report r = run(Duration.ofHours(72), 1);

        assertEquals(List.of(beforePromotion), r.deletedBackups());
        assertEquals(anchor, r.anchor());
        assertEquals(5, r.deletedWalObjects());
        assertEquals(union(backupObjects(anchor), backupObjects(latest), segmentObjects(2, 6, 9),
                walObjects("00000002.history", seg(1, 5) + ".partial")), objects(),
                "timeline 1 and timeline 2's segment 5 are below the anchor's start (2, 6); timeline 2 from there"
                        + " on stays, encoded objects under the prefix like plain ones");
        assertTrue(objects().stream().allMatch(n -> n.startsWith("cluster-a/") && n.endsWith(".zst")));
    }

    /**
     * The Go pgrwl's bug: it compares names, so every segment of timeline 1 sorts before {@code 00000002…} and goes
     * when the anchor is on timeline 2. Here a drill promoted a standby to timeline 2 for a while and a backup was
     * taken there; the primary went on on timeline 1, and a newer backup started there at segment 11.
     */
    @Test
    void segmentsAreComparedInWalOrderNotByName() throws Exception {
        open("", false);
        history(2, "1\t0/6000000\tno recovery target specified\n");
        segments(1, 1, 12);
        segments(2, 6, 8);
        String old = backup(daysAgo(6), 1, 2);
        String drill = backup(daysAgo(4), 2, 7);
        String primary = backup(daysAgo(1), 1, 11);
        assertTrue(seg(1, 11).compareTo(seg(2, 7)) < 0, "by name, the newer backup's WAL sorts before the anchor's");

        BackupRetention.Report r = run(Duration.ofHours(72), 1);

        assertEquals(List.of(old), r.deletedBackups());
        assertEquals(drill, r.anchor());
        assertEquals(union(backupObjects(drill), backupObjects(primary), segmentObjects(1, 7, 12),
                segmentObjects(2, 7, 8), walObjects("00000002.history")), objects(),
                "timeline 1 from segment 7 on stays (segment 11 on is what the newest backup restores from);"
                        + " timeline 2's segment 6 is below the anchor and no backup of timeline 2 needs it");
    }

    /**
     * Point-in-time restores branched timelines off below the anchor (timeline 1, segment 10): timeline 2 at segment
     * 6 with a backup at 7, timeline 3 off timeline 2 at segment 8, timeline 4 off timeline 1 at segment 4, and
     * timeline 5 whose history is missing.
     */
    @Test
    void walBelowTheAnchorStaysWhenAKeptBackupOnAnEarlierTimelineNeedsIt() throws Exception {
        open("", true);
        history(2, "1\t0/6000000\tbefore 2026-11-21 09:00:00+00\n");
        history(3, "1\t0/6000000\tbefore 2026-11-21 09:00:00+00\n\n2\t0/8000000\tbefore 2026-11-22 10:00:00+00\n");
        history(4, "# restored again\n1\t0/4000000\tbefore 2026-11-20 00:00:00+00\n");
        segments(1, 1, 12);
        segments(2, 6, 9);
        segments(3, 8, 9);
        segments(4, 4, 5);
        wal(seg(5, 9));
        String old = backup(daysAgo(9), 1, 2);
        String anchor = backup(daysAgo(5), 1, 10);
        String branch = backup(daysAgo(2), 2, 7);

        BackupRetention.Report r = run(Duration.ofHours(72), 1);

        assertEquals(List.of(old), r.deletedBackups());
        assertEquals(anchor, r.anchor());
        assertEquals(union(backupObjects(anchor), backupObjects(branch), segmentObjects(1, 10, 12),
                segmentObjects(2, 7, 9), segmentObjects(3, 8, 9), walObjects(seg(5, 9), "00000002.history",
                        "00000003.history", "00000004.history")), objects(),
                "the backup on timeline 2 needs its timeline and timeline 3 (a descendant) from segment 7;"
                        + " timeline 4 descends from timeline 1 only; timeline 5 might descend from 2: kept");
    }

    @Test
    void whileAnotherProcessHoldsTheLeaseNothingIsDeleted() throws Exception {
        open("", false);
        fourBackups();
        String running = newId(NOW.minusSeconds(300));
        lease("db2:977/0b8e", running, NOW.plusSeconds(50));
        Set<String> before = objects();

        BackupRetention.Report r = run(Duration.ofHours(72), 1);

        assertFalse(r.ran());
        assertEquals(new BackupRetention.Report(List.of(), 0, 0, null, "a base backup is running (" + running
                + " by db2:977/0b8e, lease until " + NOW.plusSeconds(50) + "): retention skipped, it runs again at"
                + " its next interval"), r);
        assertEquals(before, objects());
    }

    @Test
    void withoutACompletedBackupNothingIsDeleted() throws Exception {
        open("", false);
        segments(1, 1, 3);
        String failed = failedBackup(daysAgo(10), true);
        String waiting = newId(daysAgo(8));
        put(part(waiting, waiting + ".json"), new BackupMarker(waiting, "pgrwl_" + waiting, "7312", SEG, 170004,
                5L * SEG, 1, 5L * SEG + 0x100, 1, daysAgo(8), daysAgo(8), 1, List.of(), List.of(), "", "test")
                .toJson().getBytes(StandardCharsets.UTF_8));
        Set<String> before = objects();

        BackupRetention.Report r = run(Duration.ofHours(72), 1);

        assertFalse(r.ran());
        assertNull(r.anchor());
        assertTrue(r.skipped().startsWith("no completed base backup in the archive (2 backups, none completed)"),
                r.skipped());
        assertEquals(before, objects(), "not even the failed backup: " + failed);
        assertEquals("retention.enable is false", new BackupRetention(archive, new BackupCatalog(archive, CLOCK),
                PgrwlConfig.Retention.OFF, CLOCK).run().skipped());
    }

    @Test
    void historyFilesParseAsPostgresqlReadsThem() {
        assertEquals(Set.of(1), BackupRetention.parseHistory(2, "1\t0/5000000\tno recovery target specified\n"));
        assertEquals(List.of(1, 2, 5), List.copyOf(BackupRetention.parseHistory(7, "# comment\n\n"
                + "1\t0/5000000\tno recovery target specified\n  2 \t1/A0000E8\tbefore 2026-11-21 09:00:00+00\n"
                + "5\tFF/0\tat restore point \"x\"")));
        assertEquals(Set.of(), BackupRetention.parseHistory(2, ""));
        for (String bad : List.of("x\t0/5000000\treason", "1\t5000000\treason", "1", "2\t0/5000000\treason",
                "1\t0/1\ta\n1\t0/2\tb")) {
            String problem = assertThrows(IllegalArgumentException.class,
                    () -> BackupRetention.parseHistory(2, bad)).getMessage();
            assertTrue(problem.startsWith("\""), problem);
        }
    }
}
