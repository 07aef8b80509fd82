package io.pgrwl.server.verify;

import io.pgrwl.server.archive.Archive;
import io.pgrwl.server.archive.WalPages;
import io.pgrwl.server.backup.BackupCatalog;
import io.pgrwl.server.backup.BackupInfo;
import io.pgrwl.spi.ArchivedWal;
import io.pgrwl.spi.TimelineHistory;
import io.pgrwl.spi.WalFileName;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Walks the archive as a recovery would: along the history of the newest timeline, every segment from the start
 * (given, else the oldest completed base backup's start, else the oldest segment on the path) to the newest segment of
 * the path must be there and decode whole with the archive's codecs (GCM tags, zstd and gzip checksums, the exact
 * segment size); with {@code deep}, each page header must carry the segment's magic, its address, the timeline and, on
 * the first page, the cluster's system identifier and segment size. Reads every object in full: as long as reading the
 * archive takes. Not thread-safe; one run per instance.
 */
public final class ArchiveVerifier {

    /** Newest segments read at most to learn the segment size: past that, the archive is not one of segments. */
    static final int MAX_SIZE_PROBES = 8;

    private final Archive archive;
    private final BackupCatalog catalog;

    public ArchiveVerifier(Archive archive, BackupCatalog catalog) {
        this.archive = archive;
        this.catalog = catalog;
    }

    /**
     * @param from the first segment to check (a segment file name), or null for the default start
     * @param deep whether to check page headers too
     */
    public VerifyReport run(String from, boolean deep) throws IOException {
        return check(from, deep, true, 0);
    }

    /**
     * The listing part only, for a running receiver: names, no read-back, so the ranges and gaps of what the archive
     * lists; cheap enough to repeat.
     *
     * @param segmentSize the cluster's segment size (the receiver knows it)
     */
    public VerifyReport listingOnly(int segmentSize) throws IOException {
        return check(null, false, false, segmentSize);
    }

    private VerifyReport check(String from, boolean deep, boolean readBack, int knownSegmentSize) throws IOException {
        Map<String, List<ArchivedWal>> byName = new TreeMap<>();
        for (ArchivedWal w : archive.listWal()) {
            byName.computeIfAbsent(w.walFileName(), k -> new ArrayList<>()).add(w);
        }
        List<String> problems = new ArrayList<>();
        List<VerifyReport.Damaged> damaged = new ArrayList<>();
        List<String> segments = byName.keySet().stream().filter(WalFileName::isSegment).toList();
        if (segments.isEmpty()) {
            return new VerifyReport(List.of(), List.of(), List.of(), List.of("the archive holds no WAL segment"), 0,
                    0);
        }
        int newest = byName.keySet().stream().mapToInt(n -> Integer.parseInt(n.substring(0, 8), 16)).max()
                .orElseThrow();
        TimelineHistory history = history(newest, byName, problems, damaged);

        // the segment size: the decoded length of a segment (the names do not tell it)
        int segmentSize = knownSegmentSize > 0 ? knownSegmentSize : segmentSize(segments, byName);
        Map<Long, String> onPath = new TreeMap<>();
        for (String name : segments) {
            WalFileName w = WalFileName.parse(name, segmentSize).orElse(null);
            if (w != null && history.timelineOfSegment(w.segmentNumber(), segmentSize) == w.timeline()) {
                onPath.put(w.segmentNumber(), name);
            }
        }
        if (onPath.isEmpty()) {
            problems.add("no segment of the archive lies on the path of timeline " + newest + "'s history");
            return new VerifyReport(List.of(), List.of(), damaged, problems, 0, 0);
        }
        long first = start(from, segmentSize, ((TreeMap<Long, String>) onPath).firstKey());
        long last = ((TreeMap<Long, String>) onPath).lastKey();

        List<VerifyReport.Range> ranges = new ArrayList<>();
        List<VerifyReport.Range> gaps = new ArrayList<>();
        long runStart = -1;
        boolean runPresent = false;
        long checked = 0;
        long bytes = 0;
        WalPages.Identity identity = null;
        for (long n = first; n <= last; n++) {
            int tli = history.timelineOfSegment(n, segmentSize);
            String name = WalFileName.of(tli, n * segmentSize, segmentSize).fileName(segmentSize);
            List<ArchivedWal> variants = byName.get(name);
            boolean present = variants != null;
            if (runStart < 0 || present != runPresent) {
                close(runStart, n - 1, runPresent, ranges, gaps, history, segmentSize);
                runStart = n;
                runPresent = present;
            }
            if (!present || !readBack) {
                continue;
            }
            ArchivedWal object = variants.getFirst();
            byte[] plain;
            try (InputStream in = archive.openDecoded(object.object(), name)) {
                plain = in.readNBytes(segmentSize + 1);
            } catch (IOException | RuntimeException e) {
                damaged.add(new VerifyReport.Damaged(object.object().name(), "cannot be decoded: " + e.getMessage()));
                continue;
            }
            checked++;
            bytes += plain.length;
            if (plain.length != segmentSize) {
                damaged.add(new VerifyReport.Damaged(object.object().name(), "decodes to " + plain.length
                        + " bytes, not the segment size " + segmentSize + " (truncated or not a segment)"));
                continue;
            }
            if (deep) {
                int parent = 0;
                long switchAt = 0;
                for (TimelineHistory.Switch s : history.switches()) {
                    if (Math.floorDiv(s.position(), segmentSize) == n && s.position() % segmentSize != 0) {
                        parent = s.parent();
                        switchAt = s.position();
                    }
                }
                Optional<String> problem = WalPages.check(plain, n, tli, parent, switchAt, identity);
                if (problem.isPresent()) {
                    damaged.add(new VerifyReport.Damaged(object.object().name(), problem.get()));
                } else if (identity == null) {
                    identity = WalPages.identity(plain);
                }
            }
        }
        close(runStart, last, runPresent, ranges, gaps, history, segmentSize);
        return new VerifyReport(ranges, gaps, damaged, problems, checked, bytes);
    }

    private long start(String from, int segmentSize, long oldestOnPath) throws IOException {
        if (from != null) {
            return WalFileName.parse(from, segmentSize).filter(w -> WalFileName.isSegment(from))
                    .orElseThrow(() -> new IllegalArgumentException("--from \"" + from + "\" is not a WAL segment"
                            + " name (24 hexadecimal digits)")).segmentNumber();
        }
        Optional<BackupInfo> oldest = catalog.list().stream()
                .filter(b -> b.status() == BackupInfo.Status.COMPLETED).reduce((a, b) -> b);
        return oldest.map(b -> Math.floorDiv(b.marker().startLsn(), segmentSize)).orElse(oldestOnPath);
    }

    private static void close(long from, long to, boolean present, List<VerifyReport.Range> ranges,
            List<VerifyReport.Range> gaps, TimelineHistory history, int segmentSize) {
        if (from < 0 || to < from) {
            return;
        }
        VerifyReport.Range r = new VerifyReport.Range(name(history, from, segmentSize),
                name(history, to, segmentSize), to - from + 1);
        (present ? ranges : gaps).add(r);
    }

    private static String name(TimelineHistory history, long segment, int segmentSize) {
        return WalFileName.of(history.timelineOfSegment(segment, segmentSize), segment * segmentSize, segmentSize)
                .fileName(segmentSize);
    }

    private TimelineHistory history(int timeline, Map<String, List<ArchivedWal>> byName, List<String> problems,
            List<VerifyReport.Damaged> damaged) {
        if (timeline == 1) {
            return TimelineHistory.root(1);
        }
        String file = WalFileName.historyFileName(timeline);
        List<ArchivedWal> variants = byName.get(file);
        if (variants == null) {
            problems.add("timeline " + timeline + " has no history file " + file + " in the archive: a recovery"
                    + " cannot follow it from its parent; only its own segments are checked");
            return TimelineHistory.root(timeline);
        }
        try (InputStream in = archive.openDecoded(variants.getFirst().object(), file)) {
            return TimelineHistory.parse(timeline, new String(in.readNBytes(1 << 20), StandardCharsets.UTF_8));
        } catch (IOException | IllegalArgumentException e) {
            damaged.add(new VerifyReport.Damaged(variants.getFirst().object().name(), "cannot be read as a timeline"
                    + " history: " + e.getMessage()));
            return TimelineHistory.root(timeline);
        }
    }

    /**
     * @return the segment size: the decoded length of the newest segment that decodes to a WAL segment size. A damaged
     *     newer one is passed over here (the walk reports it), so that one damaged object does not stop the report
     *     that names it
     * @throws IOException when no segment decodes to a segment size, naming what each of them did
     */
    private int segmentSize(List<String> segments, Map<String, List<ArchivedWal>> byName) throws IOException {
        List<String> tried = new ArrayList<>();
        for (int i = segments.size() - 1; i >= 0 && tried.size() < MAX_SIZE_PROBES; i--) {
            ArchivedWal sample = byName.get(segments.get(i)).getFirst();
            try (InputStream in = archive.openDecoded(sample.object(), sample.walFileName())) {
                long n = in.transferTo(java.io.OutputStream.nullOutputStream());
                if (n >= (1 << 20) && n <= (1 << 30) && Long.bitCount(n) == 1) {
                    return (int) n;
                }
                tried.add(sample.object().name() + " decodes to " + n + " bytes");
            } catch (IOException | RuntimeException e) {
                tried.add(sample.object().name() + " cannot be decoded: " + e.getMessage());
            }
        }
        throw new IOException("no segment of the archive decodes to a WAL segment size (a power of two from 1 MiB to"
                + " 1 GiB), so the segment size is unknown: " + String.join("; ", tried) + (tried.size()
                == MAX_SIZE_PROBES ? " (and older ones not tried)" : "") + "; check storage.encryption.pass and"
                + " storage.compression");
    }

}
