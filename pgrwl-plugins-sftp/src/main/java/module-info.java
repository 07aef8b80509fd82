/** The {@code sftp} storage plugin: a directory on an SSH server. */
module io.pgrwl.plugins.sftp {
    requires transitive io.pgrwl.spi; // the exported provider class shows SPI types
    requires org.apache.sshd.osgi;
    requires org.apache.sshd.sftp;
    requires org.slf4j;

    exports io.pgrwl.plugins.sftp;

    provides io.pgrwl.spi.StorageProvider with io.pgrwl.plugins.sftp.SftpStorageProvider;
}
