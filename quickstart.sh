#!/usr/bin/env bash
# Quick start: pgrwl as a synchronous standby (RPO=0), shown end to end on a throwaway PostgreSQL.
#   1. builds the runtime image (jlink/target/pgrwl);
#   2. initdb's a cluster on a free loopback port whose synchronous standby is pgrwl, archiving zstd + aes-256-gcm;
#   3. takes a base backup, runs a committing workload (each commit waits for pgrwl's fsync);
#   4. kills the cluster with SIGKILL, restores the backup through serve mode and `pgrwl restore-command`,
#      and checks that the last acknowledged commit is there.
# Needs a JDK 21+. As root it installs what else is missing (Maven, PostgreSQL) with apt and runs PostgreSQL as the
# postgres user; otherwise it says exactly what to install.
set -euo pipefail
cd "$(dirname "$0")"
repo=$PWD

say() { printf '== %s\n' "$*"; }
die() { printf 'quickstart: %s\n' "$*" >&2; exit 1; }

java_ok() { "$1/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; }
if [ -z "${JAVA_HOME:-}" ] || ! java_ok "$JAVA_HOME"; then
  for j in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [ -x "$j/bin/javac" ] && java_ok "$j" && { export JAVA_HOME="$j"; break; }
  done
fi
[ -n "${JAVA_HOME:-}" ] && java_ok "$JAVA_HOME" \
  || die "no JDK 21+ found under /usr/lib/jvm: install one (Debian 12's apt has only 17; e.g. Temurin 21 or 25) and set JAVA_HOME"

apt_updated=
need() { # need COMMAND-OR-PATH DEBIAN-PACKAGE
  if command -v "$1" >/dev/null 2>&1 || [ -x "$1" ]; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing $2 (apt)"
    [ -n "$apt_updated" ] || { apt-get update -qq; apt_updated=1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null
  else
    die "$1 is missing: install the Debian package $2 (sudo apt-get install $2) and run this again"
  fi
}
need mvn maven
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need /usr/lib/postgresql/15/bin/initdb postgresql
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$PGBIN/initdb" ] || die "PostgreSQL server binaries not found: set PGBIN or apt-get install postgresql"
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

say "building the runtime image (jlink/target/pgrwl)"
mvn -q -B -ntp -DskipTests package
started=$(date +%s)

work=$(mktemp -d /tmp/pgrwl-quickstart.XXXXXX)
chmod 755 "$work"
[ "$(id -u)" = 0 ] && chown postgres "$work"
pgrwl="$repo/jlink/target/pgrwl/bin/pgrwl"
# restore_command runs as the postgres user: when the clone is in a home it cannot enter, it gets a copy of the
# image (which then starts without its AOT caches: they only work where the image was built)
if ! as_pg "$pgrwl" --version >/dev/null 2>&1; then
  cp -a jlink/target/pgrwl "$work/pgrwl"
  pgrwl="$work/pgrwl/bin/pgrwl"
fi
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for d in data restored; do
    [ -f "$work/$d/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$work/$d" -m immediate stop >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

free_port() { # a loopback port nothing listens on
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
api_port() { # the port pgrwl logged it listens on (it binds a free one: listen_port 0)
  local log=$1
  for _ in $(seq 300); do
    if grep -q "HTTP API listening on" "$log"; then
      grep -o "HTTP API listening on [^ ]*" "$log" | tail -1 | sed 's/.*://'; return
    fi
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$log" >&2; die "pgrwl stopped (log above)"; }
    sleep 0.1
  done
  die "pgrwl did not start listening (log: $log)"
}

port=$(free_port)
say "initdb a throwaway cluster on 127.0.0.1:$port ($work/data)"
as_pg "$PGBIN/initdb" -D "$work/data" -U postgres --auth=trust >/dev/null
cat >> "$work/data/postgresql.auto.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
wal_level = replica
synchronous_standby_names = 'pgrwl_quickstart'
synchronous_commit = on
CONF
as_pg "$PGBIN/pg_ctl" -D "$work/data" -l "$work/postgres.log" -w start >/dev/null
psql() { "$PGBIN/psql" -X -q -At -h 127.0.0.1 -p "$port" -U postgres "$@"; }

export QUICKSTART_PASS="quickstart-$RANDOM$RANDOM"
cat > "$work/pgrwl.yml" <<YML
main:
  listen_address: 127.0.0.1
  listen_port: 0
  directory: $work/wal
receiver:
  slot: pgrwl_quickstart
storage:
  name: local
  local:
    directory: $work/archive
  compression:
    algo: zstd
  encryption:
    algo: aes-256-gcm
    pass: \${QUICKSTART_PASS}
  uploader:
    sync_interval: 1s
metrics:
  enable: true
log:
  level: info
YML
export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres
say "pgrwl receive mode, the cluster's synchronous standby (log: $work/pgrwl.log)"
"$pgrwl" -c "$work/pgrwl.yml" -m receive > "$work/pgrwl.log" 2>&1 &
pids+=($!)
receive_pid=$!
ui=$(api_port "$work/pgrwl.log")
for _ in $(seq 300); do
  [ "$(psql -c "select count(*) from pg_stat_replication where application_name = 'pgrwl_quickstart' and sync_state = 'sync'")" = 1 ] && break
  sleep 0.1
done
say "web UI: http://127.0.0.1:$ui/ui/   (status: http://127.0.0.1:$ui/api/v1/status)"

say "base backup"
"$pgrwl" backup -c "$work/pgrwl.yml" > "$work/backup.log" 2>&1 || { cat "$work/backup.log" >&2; die "the base backup failed"; }
tail -1 "$work/backup.log"

say "committing for 10 s: every commit returns once pgrwl has fsynced it"
psql -c "create table commits (n bigserial primary key, at timestamptz not null default clock_timestamp())"
last=0
end=$(( $(date +%s) + 10 ))
while [ "$(date +%s)" -lt "$end" ]; do
  last=$(psql -c "insert into commits default values returning n")
done
say "last acknowledged commit: $last"

say "SIGKILL the cluster (no shutdown checkpoint, nothing flushed that was not already)"
kill -9 "$(head -1 "$work/data/postmaster.pid")"
kill "$receive_pid"; wait "$receive_pid" || true
pids=()

say "restore the backup through serve mode and pgrwl restore-command"
"$pgrwl" -c "$work/pgrwl.yml" -m serve > "$work/serve.log" 2>&1 &
pids+=($!)
serve=$(api_port "$work/serve.log")
"$pgrwl" restore -c "$work/pgrwl.yml" --dest "$work/restored" --serve-addr "127.0.0.1:$serve" \
  --target-action promote > "$work/restore.log" 2>&1 || { cat "$work/restore.log" >&2; die "pgrwl restore failed"; }
[ "$(id -u)" = 0 ] && chown -R postgres "$work/restored"
chmod 700 "$work/restored"
rport=$(free_port)
printf "port = %s\nsynchronous_standby_names = ''\n" "$rport" >> "$work/restored/postgresql.auto.conf"
as_pg "$PGBIN/pg_ctl" -D "$work/restored" -l "$work/restored.log" -w start >/dev/null
for _ in $(seq 600); do
  [ "$("$PGBIN/psql" -X -At -h 127.0.0.1 -p "$rport" -U postgres -c "select pg_is_in_recovery()" 2>/dev/null)" = f ] && break
  sleep 0.1
done
restored=$("$PGBIN/psql" -X -At -h 127.0.0.1 -p "$rport" -U postgres -c "select coalesce(max(n), 0) from commits")
elapsed=$(( $(date +%s) - started ))
if [ "$restored" = "$last" ]; then
  say "last acknowledged commit $last: restored ($elapsed s after the build; files in $work)"
else
  die "last acknowledged commit $last, but the restored cluster ends at $restored: see $work"
fi
