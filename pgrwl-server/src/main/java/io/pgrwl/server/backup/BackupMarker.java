package io.pgrwl.server.backup;

import io.pgrwl.server.support.Json;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * A base backup's completion marker, {@code backups/<id>/<id>.json<suffixes>}: written last, after every part is
 * stored, so its presence says the backup's data is complete (whether its WAL is archived too is
 * {@link BackupCatalog}'s question). It carries the Go pgrwl's fields ({@code start_lsn} and {@code stop_lsn} as JSON
 * numbers, {@code timeline_id}, {@code tablespaces}, {@code bytes_total}, {@code started_at}, {@code finished_at}) and
 * ours: what a restore needs to check the parts and the cluster they belong to. Markers the Go pgrwl wrote parse too
 * (ours' fields are then absent: {@link #files} is empty).
 *
 * @param id the backup's id; not null
 * @param label the label PostgreSQL recorded; not null
 * @param systemIdentifier the cluster's system identifier, or null (a Go marker)
 * @param segmentSize {@code wal_segment_size}, or 0 when unknown (a Go marker: 16 MiB assumed)
 * @param serverVersionNum {@code server_version_num}, or 0
 * @param startLsn where its WAL starts
 * @param timeline the start timeline
 * @param stopLsn where its WAL ends
 * @param stopTimeline the stop timeline (the start's unless a standby was promoted during the backup)
 * @param startedAt when the backup began; not null
 * @param finishedAt when the server finished sending it; not null
 * @param bytesTotal the tar archives' size before encoding
 * @param tablespaces the tablespaces; not null
 * @param files every part stored, the manifest included; not null
 * @param codecs the suffixes the parts were written with ({@code .zst.aes}); not null, possibly empty
 * @param pgrwlVersion the version of pgrwl that took it, or null
 */
public record BackupMarker(String id, String label, String systemIdentifier, int segmentSize, int serverVersionNum,
                    long startLsn, int timeline, long stopLsn, int stopTimeline, Instant startedAt, Instant finishedAt,
                    long bytesTotal, List<Tablespace> tablespaces, List<Part> files, String codecs,
                    String pgrwlVersion) {

    /** The Go pgrwl's assumption for its markers, which do not record it. */
    static final int DEFAULT_SEGMENT_SIZE = 16 << 20;

    public BackupMarker {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(finishedAt, "finishedAt");
        tablespaces = List.copyOf(tablespaces);
        files = List.copyOf(files);
    }

    /** @param oid the tablespace's OID @param location its directory on the server */
    public record Tablespace(long oid, String location) {
    }

    /**
     * A stored part of the backup.
     *
     * @param name its name before encoding: {@code base.tar}, {@code 16385.tar}, {@code backup_manifest}
     * @param size its size before encoding
     * @param storedSize the stored object's size
     * @param crc32c the CRC-32C of its bytes before encoding, 8 hex digits
     */
    public record Part(String name, long size, long storedSize, String crc32c) {
    }

    /** @return the segment size to compute WAL names with */
    int segmentSizeOrDefault() {
        return segmentSize > 0 ? segmentSize : DEFAULT_SEGMENT_SIZE;
    }

    String toJson() {
        List<Json> spaces = tablespaces.stream().map(t -> Json.object().put("oid", t.oid())
                .put("location", t.location())).toList();
        List<Json> parts = files.stream().map(f -> Json.object().put("name", f.name()).put("size", f.size())
                .put("stored_size", f.storedSize()).put("crc32c", f.crc32c())).toList();
        // start_lsn and stop_lsn are JSON numbers as in the Go pgrwl's marker (uint64; an LSN stays below 2^63)
        String json = Json.object().put("start_lsn", startLsn).put("stop_lsn", stopLsn).put("timeline_id", timeline)
                .put("bytes_total", bytesTotal).put("started_at", startedAt.toString())
                .put("finished_at", finishedAt.toString())
                .put("id", id).put("label", label).put("system_identifier", systemIdentifier)
                .put("segment_size", segmentSize).put("server_version_num", serverVersionNum)
                .put("stop_timeline_id", stopTimeline).put("codecs", codecs).put("pgrwl_version", pgrwlVersion)
                .toString();
        // Json has no arrays of objects as values: splice them in
        return json.substring(0, json.length() - 1) + ",\"tablespaces\":" + Json.array(spaces) + ",\"files\":"
                + Json.array(parts) + "}";
    }

    /**
     * @param id the backup's directory name (a Go marker does not carry its id)
     * @throws IllegalArgumentException when the text is not a marker, naming what is wrong
     */
    static BackupMarker parse(String id, String text) {
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage());
        }
        if (!(root instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("not a JSON object");
        }
        Instant started = instant(m, "started_at");
        Instant finished = m.containsKey("finished_at") ? instant(m, "finished_at") : started;
        List<Tablespace> spaces = new ArrayList<>();
        if (m.get("tablespaces") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> t) {
                    spaces.add(new Tablespace(number(t, "oid", 0), String.valueOf(t.get("location"))));
                }
            }
        }
        List<Part> parts = new ArrayList<>();
        if (m.get("files") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> f) {
                    parts.add(new Part(String.valueOf(f.get("name")), number(f, "size", -1),
                            number(f, "stored_size", -1), f.get("crc32c") == null ? null : f.get("crc32c").toString()));
                }
            }
        }
        int timeline = (int) number(m, "timeline_id", 0);
        if (timeline <= 0 || number(m, "start_lsn", 0) <= 0) {
            throw new IllegalArgumentException("no start_lsn or timeline_id");
        }
        return new BackupMarker(id, text(m, "label", "pgrwl_" + id), text(m, "system_identifier", null),
                (int) number(m, "segment_size", 0), (int) number(m, "server_version_num", 0),
                number(m, "start_lsn", 0), timeline, number(m, "stop_lsn", 0),
                (int) number(m, "stop_timeline_id", timeline), started, finished, number(m, "bytes_total", 0), spaces,
                parts, text(m, "codecs", ""), text(m, "pgrwl_version", null));
    }

    private static String text(Map<?, ?> m, String key, String otherwise) {
        Object v = m.get(key);
        return v == null ? otherwise : v.toString();
    }

    private static long number(Map<?, ?> m, String key, long otherwise) {
        Object v = m.get(key);
        if (v == null) {
            return otherwise;
        }
        if (v instanceof BigInteger big) {
            throw new IllegalArgumentException(key + " " + big + " is out of range");
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        throw new IllegalArgumentException(key + " is not a number: " + v);
    }

    private static Instant instant(Map<?, ?> m, String key) {
        Object v = m.get(key);
        if (v == null) {
            throw new IllegalArgumentException("no " + key);
        }
        if (v instanceof java.util.Date d) {
            return d.toInstant(); // YAML reads an RFC 3339 time as a timestamp
        }
        try {
            return java.time.OffsetDateTime.parse(v.toString()).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(key + " \"" + v + "\" is not an RFC 3339 time");
        }
    }
}
