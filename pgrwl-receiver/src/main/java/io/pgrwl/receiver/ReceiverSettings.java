package io.pgrwl.receiver;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What to receive and how.
 *
 * @param directory where segments are written ({@code main.directory})
 * @param slot the physical replication slot to stream from ({@code receiver.slot})
 * @param createSlot create the slot (with {@code RESERVE_WAL}) when it is missing ({@code receiver.create_slot})
 * @param noLoop exit with an error on connection loss instead of reconnecting ({@code receiver.no_loop})
 * @param statusInterval how often to send a status update when nothing else causes one
 *     ({@code receiver.status_interval}); zero sends them only when asked and after each fsync
 * @param timeout how long the server may stay silent before the connection is taken for dead, dropped and made
 *     again ({@code receiver.timeout}, like PostgreSQL's {@code wal_receiver_timeout}); zero never
 * @param allowArchiveGap {@code receiver.allow_archive_gap}: with an empty directory, start from the slot even when
 *     the archive ends before it (a hole accepted after a new base backup), instead of streaming from the archive's end
 * @param reconnectMin the first reconnect delay
 * @param reconnectMax the cap of the exponentially growing reconnect delay
 */
public record ReceiverSettings(Path directory, String slot, boolean createSlot, boolean noLoop,
                               Duration statusInterval, Duration timeout, boolean allowArchiveGap, Duration reconnectMin,
                               Duration reconnectMax) {

    public ReceiverSettings {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(slot, "slot");
        Objects.requireNonNull(statusInterval, "statusInterval");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(reconnectMin, "reconnectMin");
        Objects.requireNonNull(reconnectMax, "reconnectMax");
        if (!slot.matches("[a-z0-9_]{1,63}")) {
            throw new IllegalArgumentException("receiver.slot \"" + slot + "\" is not a valid replication slot name:"
                    + " use 1 to 63 lower-case letters, digits and underscores");
        }
    }
}
