package io.pgrwl.server.verify;

import java.util.List;

/**
 * What {@code pgrwl verify} found.
 *
 * @param ranges the runs of consecutive segments present, in WAL order; not null
 * @param gaps the runs of segments missing between the start and the newest; not null
 * @param damaged objects that cannot be read back whole or whose pages are wrong; not null
 * @param problems what else keeps the archive from restoring (a missing history file); not null
 * @param segmentsChecked segments read back
 * @param bytesRead bytes of WAL decoded
 */
public record VerifyReport(List<Range> ranges, List<Range> gaps, List<Damaged> damaged, List<String> problems,
                           long segmentsChecked, long bytesRead) {

    public VerifyReport {
        ranges = List.copyOf(ranges);
        gaps = List.copyOf(gaps);
        damaged = List.copyOf(damaged);
        problems = List.copyOf(problems);
    }

    /** @param first the first segment's file name @param last the last's @param count how many */
    public record Range(String first, String last, long count) {
    }

    /** @param object the stored object's name @param problem what is wrong with it */
    public record Damaged(String object, String problem) {
    }

    /** @return whether the archive restores from the start to the newest segment */
    public boolean ok() {
        return gaps.isEmpty() && damaged.isEmpty() && problems.isEmpty() && !ranges.isEmpty();
    }

    /** @return the report as lines for a terminal */
    public String text() {
        StringBuilder b = new StringBuilder();
        ranges.forEach(r -> b.append("present  ").append(r.first()).append(" .. ").append(r.last()).append("  (")
                .append(r.count()).append(" segments)\n"));
        gaps.forEach(r -> b.append("MISSING  ").append(r.first()).append(" .. ").append(r.last()).append("  (")
                .append(r.count()).append(" segments)\n"));
        damaged.forEach(d -> b.append("DAMAGED  ").append(d.object()).append(": ").append(d.problem()).append('\n'));
        problems.forEach(p -> b.append("PROBLEM  ").append(p).append('\n'));
        b.append(ok() ? "archive OK: " : "archive NOT OK: ").append(segmentsChecked).append(" segments, ")
                .append(bytesRead >> 20).append(" MiB read back");
        if (ranges.isEmpty()) {
            b.append("; no WAL segment to verify");
        }
        return b.toString();
    }
}
