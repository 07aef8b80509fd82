package io.pgrwl.server.serve;

import java.io.IOException;

/**
 * An archive object that decodes but is not what its name says (another segment's pages, a short segment): it is
 * never served. Still an {@link IOException}, so the answer is 503 like any storage problem and a restore never takes
 * it for the end of WAL; the message names the object and what to do.
 */
final class DamagedObjectException extends IOException {

    DamagedObjectException(String objectName, String problem) {
        super("archive object " + objectName + " " + problem + "; it is not served. Run pgrwl verify --deep to find"
                + " every damaged object, and replace this one with the right segment from another copy of the"
                + " archive");
    }
}
