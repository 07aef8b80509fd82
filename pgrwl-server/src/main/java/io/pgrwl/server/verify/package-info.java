/**
 * {@code pgrwl verify}: whether the archive can restore, checked from outside a restore: every segment of the
 * timeline path present, every object decodable, and with {@code --deep} every WAL page header where it belongs.
 */
package io.pgrwl.server.verify;
