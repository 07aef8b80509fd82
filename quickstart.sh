#!/usr/bin/env bash
# Quick start: builds the runtime image, initdb's a throwaway PostgreSQL on a free port, runs pgrwl in receive mode,
# generates WAL and shows the archived segments. Needs a JDK 21+ (JAVA_HOME), Maven and the PostgreSQL server binaries.
set -euo pipefail
cd "$(dirname "$0")"
java_ok() { "$1/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; }
if [ -z "${JAVA_HOME:-}" ] || ! java_ok "$JAVA_HOME"; then
  for j in /usr/lib/jvm/*; do [ -x "$j/bin/javac" ] && java_ok "$j" && { export JAVA_HOME="$j"; break; }; done
fi
[ -n "${JAVA_HOME:-}" ] && java_ok "$JAVA_HOME" || { echo "no JDK 21+ found: set JAVA_HOME"; exit 1; }
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$PGBIN/initdb" ] || { echo "PostgreSQL server binaries not found: set PGBIN (apt-get install postgresql)"; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

echo "== building the runtime image (jlink/target/pgrwl)"
mvn -q -B -ntp -DskipTests package

work=$(mktemp -d /tmp/pgrwl-quickstart.XXXXXX); chmod 755 "$work"
[ "$(id -u)" = 0 ] && chown postgres "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 55432)
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait "${pid:-}" 2>/dev/null || true
            as_pg "$PGBIN/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true; }
trap cleanup EXIT

echo "== initdb a throwaway cluster on 127.0.0.1:$port ($work/data)"
as_pg "$PGBIN/initdb" -D "$work/data" -U postgres --auth=trust --wal-segsize=1 >/dev/null
printf "port=$port\nlisten_addresses='127.0.0.1'\nunix_socket_directories='$work'\nwal_level=replica\n" >> "$work/data/postgresql.auto.conf"
as_pg "$PGBIN/pg_ctl" -D "$work/data" -l "$work/postgres.log" -w start >/dev/null

cat > "$work/pgrwl.yml" <<YML
main:
  listen_port: 7070
  directory: $work/wal
receiver:
  slot: pgrwl_quickstart
metrics:
  enable: true
log:
  level: info
YML
echo "== pgrwl receive mode (log: $work/pgrwl.log)"
PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres jlink/target/pgrwl/bin/pgrwl -c "$work/pgrwl.yml" -m receive \
  > "$work/pgrwl.log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "streaming WAL" "$work/pgrwl.log" && break; sleep 0.1; done

echo "== generating WAL"
"$PGBIN/psql" -q -h 127.0.0.1 -p "$port" -U postgres -c "create table demo as select g, md5(g::text) from generate_series(1, 200000) g" \
  -c "select pg_switch_wal()" >/dev/null
target=$("$PGBIN/psql" -At -h 127.0.0.1 -p "$port" -U postgres -c "select pg_current_wal_lsn()")
for _ in $(seq 200); do
  ok=$("$PGBIN/psql" -At -h 127.0.0.1 -p "$port" -U postgres -c "select restart_lsn >= '$target' from pg_replication_slots where slot_name='pgrwl_quickstart'")
  [ "$ok" = t ] && break; sleep 0.1
done
if command -v curl >/dev/null; then
  echo "== GET /health and the WAL counters of GET /metrics"
  curl -s http://127.0.0.1:7070/health; echo
  curl -s http://127.0.0.1:7070/metrics | grep -E '^pgrwl_(wal_bytes_received|wal_files_received|receiver_lag_bytes)'
fi
kill "$pid"; wait "$pid" || true; pid=

echo "== archived WAL in $work/wal"
ls -l "$work/wal"
echo "== pgrwl log"
cat "$work/pgrwl.log"
