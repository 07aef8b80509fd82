/**
 * Base backups: taking them into the archive, listing them, restoring them.
 */
package io.pgrwl.server.backup;
