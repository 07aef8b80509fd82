package io.pgrwl.server.config;

/**
 * The Go pgrwl's example configuration files, as its users have them: first as the compatibility issue describes them
 * (the values a test binds), then verbatim from the Go repository (hashmap-kz/pgrwl at f3f4a073, v1.0.37+), comments
 * included.
 */
final class GoConfigFiles {

    /** {@code hack/configs/reference.yml} as the issue describes it: both provider sections, storage.name s3. */
    static final String REFERENCE = """
            main:
              listen_port: 7070
              directory: "/var/lib/pgwal"
            receiver:
              slot: pgrwl_v5
              no_loop: false
              uploader:
                sync_interval: 10s
                max_concurrency: 4
            backup:
              cron: "0 0 */3 * *"
            retention:
              enable: true
              type: recovery_window
              value: 72h
              keep_last: 1
            log:
              level: info
              format: text
              add_source: true
            metrics:
              enable: true
            devconfig:
              pprof:
                enable: true
            storage:
              name: s3
              compression:
                algo: gzip
              encryption:
                algo: aes-256-gcm
                pass: "${PGRWL_ENCRYPT_PASSWD}"
              sftp:
                host: sftp.example.com
                port: 22
                user: backup
                pass: "${PGRWL_SFTP_PASS}"
                pkey_path: /etc/pgrwl/id_ed25519
                pkey_pass: ""
                base_dir: /backups
              s3:
                url: https://s3.example.com
                access_key_id: AKIA...
                secret_access_key: "${PGRWL_S3_SECRET}"
                bucket: backups
                region: us-east-1
                use_path_style: true
                disable_ssl: false
            """;

    /** {@code hack/configs/localfs/receive.yml} as the issue describes it: no storage section. */
    static final String LOCALFS_RECEIVE = """
            main:
              listen_port: 7070
              directory: /tmp/pgrwl-wal
            receiver:
              slot: pgrwl_v5
              no_loop: false
              uploader:
                sync_interval: 10s
                max_concurrency: 4
            backup:
              cron: "*/5 * * * *"
            retention:
              enable: true
              type: recovery_window
              value: 1h
              keep_last: 2
            log:
              level: trace
              format: pretty
              add_source: true
            metrics:
              enable: true
            devconfig:
              pprof:
                enable: true
            """;

    /** {@code hack/configs/s3/receive.yml} as the issue describes it: with a stale {@code debug_config}. */
    static final String S3_RECEIVE = LOCALFS_RECEIVE + """
            debug_config:
              pprof:
                enable: true
            storage:
              name: s3
              compression:
                algo: zstd
              encryption:
                algo: aes-256-gcm
                pass: "${PGRWL_ENCRYPT_PASSWD}"
              s3:
                url: https://minio:9000
                access_key_id: minioadmin
                secret_access_key: minioadmin
                bucket: backups
                region: main
                use_path_style: true
                disable_ssl: true
            """;

    /** {@code hack/configs/reference.yml}, verbatim. */
    static final String UPSTREAM_REFERENCE = """
            ---
            main:                                    # Required for both modes: receive/serve
              listen_port: 7070                      # HTTP server port (used for management)
              directory: "/var/lib/pgwal"            # Base directory for storing WAL files

            receiver:                                # Required for 'receive' mode
              slot: replication_slot                 # Replication slot to use
              no_loop: false                         # If true, do not loop on connection loss
              uploader:                              # Required for non-local storage type
                sync_interval: 10s                   # Interval for the upload worker to check for new files
                max_concurrency: 4                   # Maximum number of files to upload concurrently

            backup:                                  # Required for stream mode
              cron: "0 0 */3 * *"                    # Basebackup cron schedule, POSIX format: minute hour day-of-month month day-of-week

            retention:                               # Optional
              enable: true                           # Enable recovery-window retention
              type: recovery_window                  # Only supported retention policy
              value: 72h                             # Recovery window; keep enough backups/WALs to recover to any point in the last 72h
              keep_last: 1                           # Minimum number of successful backups to keep, even if outside/inside the recovery window

            log:                                     # Optional
              level: info                            # One of: (trace / debug / info / warn / error)
              format: text                           # One of: (text / pretty / json)
              add_source: true                       # Include file:line in log messages (for local development)

            metrics:                                 # Optional
              enable: true                           # Optional (used in receive mode: http://host:port/metrics)

            devconfig:                               # Optional (various dev options)
              pprof:                                 # pprof settings
                enable: true                         # Enable pprof handlers

            storage:                                 # Optional
              name: s3                               # One of: (s3 / sftp)
              compression:                           # Optional
                algo: gzip                           # One of: (gzip / zstd)
              encryption:                            # Optional
                algo: aes-256-gcm                    # One of: (aes-256-gcm)
                pass: "${PGRWL_ENCRYPT_PASSWD}"      # Encryption password (from env)
              sftp:                                  # Required section for 'sftp' storage
                host: sftp.example.com               # SFTP server hostname
                port: 22                             # SFTP server port
                user: backupuser                     # SFTP username
                pass: "${PGRWL_VM_PASSWORD}"         # SFTP password (from env)
                pkey_path: "/home/user/.ssh/id_rsa"  # Path to SSH private key (optional)
                pkey_pass: "${PGRWL_SSH_PKEY_PASS}"  # Required if the private key is password-protected
                base_dir: "/mnt/wal-archive"         # Base directory with sufficient user permissions
              s3:                                    # Required section for 's3' storage
                url: https://s3.example.com          # S3-compatible endpoint URL
                access_key_id: AKIAEXAMPLE           # AWS access key ID
                secret_access_key: "${PGRWL_AWS_SK}" # AWS secret access key (from env)
                bucket: postgres-backups             # Target S3 bucket name
                region: us-east-1                    # S3 region
                use_path_style: true                 # Use path-style URLs for S3
                disable_ssl: false                   # Disable SSL
            """;

    /** {@code hack/configs/localfs/receive.yml}, verbatim. */
    static final String UPSTREAM_LOCALFS_RECEIVE = """
            ---
            main:
              listen_port: 7070
              directory: wals

            receiver:
              slot: pgrwl_v5
              uploader:
                sync_interval: 10s
                max_concurrency: 4

            devconfig:
              pprof:
                enable: true

            log:
              level: info
              format: pretty
              add_source: true

            storage:
              name: "local"
            #  compression:
            #    algo: gzip
            #  encryption:
            #    algo: aes-256-gcm
            #    pass: qwerty123

            backup:
              cron: "*/5 * * * *"

            retention:
              enable: true
              type: recovery_window
              value: "5m"
              keep_last: 1
            """;

    /** {@code hack/configs/s3/receive.yml}, verbatim: {@code debug_config} is a stale spelling. */
    static final String UPSTREAM_S3_RECEIVE = """
            ---
            main:
              listen_port: 7070
              directory: wals

            receiver:
              slot: pgrwl_v5
              uploader:
                sync_interval: 10s
                max_concurrency: 4

            metrics:
              enable: true

            debug_config:
              enable_pprof: true

            log:
              level: debug
              format: pretty
              add_source: true

            storage:
              name: s3
              compression:
                algo: gzip
              #encryption:
              #  algo: aes-256-gcm
              #  pass: qwerty123
              s3:
                url: "https://localhost:9000"
                access_key_id: minioadmin
                secret_access_key: minioadmin123
                bucket: backups
                region: main
                use_path_style: true
                disable_ssl: true

            backup:
              cron: "* * * * *"

            retention:
              enable: true
              type: recovery_window
              value: "5m"
              keep_last: 1
            """;

    private GoConfigFiles() {
    }
}
