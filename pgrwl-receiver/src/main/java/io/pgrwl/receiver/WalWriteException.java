package io.pgrwl.receiver;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writing WAL to {@code main.directory} failed (typically a full disk): not a connection problem. Nothing past the last
 * fsync was acknowledged, so the receiver retries from what is on disk once writing works again.
 */
final class WalWriteException extends IOException {

    /** @param what what could not be done, e.g. {@code create}; the message adds the file and the cause */
    WalWriteException(String what, Path file, IOException cause) {
        super("cannot " + what + " WAL file \"" + file + "\": " + cause, cause);
    }
}
