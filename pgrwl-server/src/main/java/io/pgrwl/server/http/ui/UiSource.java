package io.pgrwl.server.http.ui;

import java.io.IOException;
import java.util.function.Supplier;

/**
 * What the web UI of one pgrwl process shows, as the JSON documents of its own API, so that the page renders exactly
 * what {@code /api/v1/*} says. Immutable; the suppliers are called on request threads and must be thread-safe.
 *
 * @param mode {@code receive} or {@code serve}; not null
 * @param status the body of {@code GET /api/v1/status}; not null
 * @param wals a page of {@code GET /api/v1/wals} (the archive listing); not null
 * @param backups the body of {@code GET /api/v1/backups}, or null when this process takes no backups (serve mode,
 *     no archive)
 * @param startBackup starts a base backup as {@code POST /api/v1/basebackup} does; null with {@code backups}
 * @param history the receiver's recent lag and throughput, or null in serve mode
 * @param tokenRequired whether {@code main.auth_token} is set: the page then asks for it (it never contains it)
 * @param others {@code ui.receivers}: other pgrwl instances shown too, polled by this process; not null
 */
public record UiSource(String mode, Supplier<String> status, WalPages wals, Supplier<String> backups,
                       Supplier<BackupStart> startBackup, ReceiverHistory history, boolean tokenRequired,
                       java.util.List<io.pgrwl.server.config.PgrwlConfig.Ui.Instance> others) {

    public UiSource {
        others = java.util.List.copyOf(others);
    }

    /** One page of the archive listing. */
    @FunctionalInterface
    public interface WalPages {
        /**
         * @param query a substring of the WAL file name, or empty
         * @param extension the object's suffix ({@code .zst.aes}, {@code .partial}, …), empty for any, {@code none}
         *     for none
         * @return the page as {@code /api/v1/wals?q=&ext=&offset=&limit=} answers it, and the total count
         * @throws IOException when the archive cannot be listed now
         */
        WalPage page(String query, String extension, int offset, int limit) throws IOException;
    }

    /**
     * @param rows the rows of this page, as {@code /api/v1/wals} has them (parsed JSON objects)
     * @param total how many rows match in all
     */
    public record WalPage(java.util.List<?> rows, int total) {
        public WalPage {
            rows = java.util.List.copyOf(rows);
        }
    }

    /**
     * @param started whether a backup was started (false: one is running already)
     * @param json the backup state, as {@code POST /api/v1/basebackup} answers
     */
    public record BackupStart(boolean started, String json) {
    }
}
