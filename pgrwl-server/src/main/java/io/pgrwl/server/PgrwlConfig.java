package io.pgrwl.server;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The effective configuration, after file, {@code ${VAR}} placeholders and {@code PGRWL_*} overrides.
 *
 * @param listenPort {@code main.listen_port}
 * @param directory {@code main.directory}
 * @param receiver the {@code receiver} section
 * @param log the {@code log} section
 */
record PgrwlConfig(int listenPort, Path directory, Receiver receiver, Log log) {

    /**
     * @param slot {@code receiver.slot}, null when not set (allowed outside receive mode)
     * @param noLoop {@code receiver.no_loop}
     * @param statusInterval {@code receiver.status_interval}
     * @param createSlot {@code receiver.create_slot}
     * @param applicationName {@code receiver.application_name}, defaults to the slot name
     */
    record Receiver(String slot, boolean noLoop, Duration statusInterval, boolean createSlot, String applicationName) {
    }

    /**
     * @param level {@code log.level}
     * @param json {@code log.format} is json
     * @param addSource {@code log.add_source}
     */
    record Log(System.Logger.Level level, boolean json, boolean addSource) {
    }
}
