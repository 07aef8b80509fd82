#!/usr/bin/env bash
# pgrwl's benchmark harness: every scenario side by side with its peer in one run, alternating rounds, medians,
# ratios of medians. Each scenario writes docs/bench/<scenario>.md (with the date, commit and machine of its run);
# docs/benchmarks.md is rebuilt from those fragments, so a run of one scenario keeps the others' last figures.
# Not part of the test suite.
#
#   bench/run.sh [--quick] [--no-build] [--scenarios sync,catchup,recovery,backup]
#
#   --quick      3 rounds of 5 s per point (under 5 minutes); default: 5 rounds of 10 s
#   --no-build   use the image in jlink/target/pgrwl as it is
#   --scenarios  comma-separated subset (default: all of: sync, catchup, recovery, backup)
#
# The recovery scenario is the Java benchmark jlink/src/test/java/io/pgrwl/it/RecoveryBenchmark.java (it needs
# s3proxy and the test harness), run through Maven; its table is copied into docs/benchmarks.md. Its size:
# PGRWL_BENCH_RECOVERY_GIB (default 1) GiB of WAL, PGRWL_BENCH_RECOVERY_ROUNDS (default 3) rounds.
#
# Needs the PostgreSQL server binaries (pg_config or /usr/lib/postgresql/*/bin) and, as root, the postgres OS user
# (the server refuses root). Every server, client and receiver runs on 127.0.0.1, on free ports, in a throwaway
# directory that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

rounds=5 seconds=10 build=1 scenarios=sync,catchup,recovery,backup quick=
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) rounds=3 seconds=5 quick=1 ;;
    --no-build) build= ;;
    --scenarios) scenarios=$2; shift ;;
    *) echo "bench: unknown option $1 (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
  shift
done

# ---------------------------------------------------------------------------------------------- environment
pgbin=$( (pg_config --bindir 2>/dev/null || true) | head -1)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
fi
[ -x "$pgbin/initdb" ] || { echo "bench: no PostgreSQL server binaries (initdb) found; install postgresql" >&2; exit 1; }
if [ -z "${JAVA_HOME:-}" ]; then
  for j in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do [ -x "$j/bin/javac" ] && { export JAVA_HOME=$j; break; }; done
fi
image=${PGRWL_IMAGE:-$top/jlink/target/pgrwl}   # PGRWL_IMAGE: another image, e.g. an older build, for comparison
if [ -n "$build" ]; then
  echo "bench: building the runtime image (mvn -q install -DskipTests)"
  mvn -B -q -ntp install -DskipTests >/dev/null  # install: the recovery scenario runs Maven on the jlink module alone
fi
[ -x "$image/bin/pgrwl" ] || { echo "bench: no image at $image; run without --no-build" >&2; exit 1; }

work=$(mktemp -d /tmp/pgrwl-bench.XXXXXX)
chmod 755 "$work"
as_pg=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "bench: as root the postgres OS user is needed (useradd --system postgres)" >&2; exit 1; }
  chown postgres "$work"
  as_pg=(runuser -u postgres --)
fi
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -f "$work/data/postmaster.pid" ] && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=postgres PGSSLMODE=disable
psql_c() { "$pgbin/psql" -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"} else if (NR%2) {print a[(NR+1)/2]} else {print (a[NR/2]+a[NR/2+1])/2}}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "nan"; else printf "%.2f", a / b }'; }

# ---------------------------------------------------------------------------------------------- the cluster
"${as_pg[@]}" "$pgbin/initdb" -D "$work/data" -U postgres --auth=trust >"$work/initdb.log" 2>&1
cat >>"$work/data/postgresql.auto.conf" <<EOF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
wal_level = replica
max_wal_senders = 10
max_replication_slots = 20  # sync keeps one per receiver and mode; catch-up holds one per receiver and round (9)
max_wal_size = 4GB
synchronous_commit = on
ssl = on
ssl_cert_file = '$work/server.crt'
ssl_key_file = '$work/server.key'
EOF
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
  -keyout "$work/server.key" -out "$work/server.crt" >/dev/null 2>&1
[ "$(id -u)" = 0 ] && chown postgres "$work/server.key" "$work/server.crt"
chmod 600 "$work/server.key"
echo "host replication all 127.0.0.1/32 trust" >>"$work/data/pg_hba.conf"
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/data" -l "$work/server.log" -w start >/dev/null
pg_version=$("$pgbin/postgres" --version)

# ---------------------------------------------------------------------------------------------- receivers
# start_receiver NAME SSLMODE: pgrwl (application_name pgrwl) or pg_receivewal (application_name receivewal), each
# with its own slot and directory; prints the pid
start_receiver() {
  local who=$1 sslmode=$2 dir=$work/$1-$2
  mkdir -p "$dir"
  psql_c "SELECT 1 FROM pg_create_physical_replication_slot('${who}_$sslmode', true)" >/dev/null 2>&1 || true
  if [ "$who" = pgrwl ]; then
    cat >"$dir.yml" <<EOF
main: {directory: $dir, listen_port: 0, listen_address: 127.0.0.1}
receiver: {slot: ${who}_$sslmode, application_name: pgrwl, create_slot: false}
log: {level: warn}
EOF
    PGSSLMODE=$sslmode PGRWL_JAVA_OPTS=${PGRWL_JAVA_OPTS:-} "$image/bin/pgrwl" -c "$dir.yml" -m receive \
      >"$dir.log" 2>&1 &
  else
    PGSSLMODE=$sslmode "$pgbin/pg_receivewal" -d "application_name=receivewal sslmode=$sslmode" -D "$dir" \
      -S "${who}_$sslmode" --synchronous --no-loop >"$dir.log" 2>&1 &
  fi
  echo $!
}

await_streaming() { # APPLICATION_NAME
  for _ in $(seq 1 300); do
    [ "$(psql_c "SELECT count(*) FROM pg_stat_replication WHERE application_name = '$1' AND state = 'streaming'")" = 1 ] && return 0
    sleep 0.1 # polling the server's own view of the standby
  done
  echo "bench: $1 did not start streaming; see $work" >&2; return 1
}

make_sync() { # APPLICATION_NAME
  psql_c "ALTER SYSTEM SET synchronous_standby_names = '$1'"
  psql_c "SELECT pg_reload_conf()" >/dev/null
  for _ in $(seq 1 300); do
    [ "$(psql_c "SELECT sync_state FROM pg_stat_replication WHERE application_name = '$1'")" = sync ] && return 0
    sleep 0.1 # polling pg_stat_replication until the server treats it as the synchronous standby
  done
  echo "bench: $1 did not become the synchronous standby" >&2; return 1
}

cpu_seconds() { # PID: user + system CPU seconds so far
  awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat"
}
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

report=$work/report.md   # the current scenario's fragment; see run_scenario

# ---------------------------------------------------------------------------------------------- sync-commit cost
scenario_sync() {
  echo "bench: sync-commit cost (pgbench TPC-B-like, scale 10; $rounds rounds of ${seconds}s per point)"
  "$pgbin/pgbench" -i -s 10 -q >/dev/null 2>&1
  {
    echo "## Synchronous commit: pgrwl vs pg_receivewal --synchronous"
    echo
    echo "pgbench TPC-B-like (scale 10), \`synchronous_commit = on\`, the synchronous standby switched between the two"
    echo "receivers (\`synchronous_standby_names\`), both streaming all the time, $rounds alternating rounds of ${seconds} s"
    echo "per point; medians. Latency: pgbench's per-transaction log. CPU: the receiver process, user + system."
    echo
    echo "| connection | clients | pgrwl TPS | pg_receivewal TPS | TPS ratio | pgrwl mean / p99 ms | pg_receivewal mean / p99 ms | pgrwl CPU s | pg_receivewal CPU s | pgrwl RSS MiB |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  } >>"$report"
  for sslmode in disable require; do
    local p_pgrwl p_recv
    p_pgrwl=$(start_receiver pgrwl $sslmode); pids+=("$p_pgrwl")
    p_recv=$(start_receiver receivewal $sslmode); pids+=("$p_recv")
    await_streaming pgrwl; await_streaming receivewal
    for clients in 1 8; do
      declare -A tps=() mean=() p99=() cpu=()
      for r in $(seq 1 "$rounds"); do
        local order="pgrwl receivewal"
        [ $((r % 2)) = 0 ] && order="receivewal pgrwl"
        for who in $order; do
          make_sync "$who"
          local pid=$p_pgrwl; [ "$who" = receivewal ] && pid=$p_recv
          local c0; c0=$(cpu_seconds "$pid")
          rm -f "$work"/pgbench_log.*
          local out
          out=$(cd "$work" && PGSSLMODE=$sslmode "$pgbin/pgbench" -c "$clients" -j "$clients" -T "$seconds" -l \
            --log-prefix=pgbench_log 2>&1)
          local c1; c1=$(cpu_seconds "$pid")
          tps[$who]+="$(awk '/^tps = / {print $3}' <<<"$out") "
          # per-transaction log: "client_id transaction_no time(us) script_no time_epoch time_us"
          local stats; stats=$(cat "$work"/pgbench_log.* | awk '{print $3/1000}' | sort -g | awk '{a[NR]=$1; s+=$1}
            END {i=int(NR*0.99); if (i<1) i=1; printf "%.3f %.3f", s/NR, a[i]}')
          mean[$who]+="${stats% *} "; p99[$who]+="${stats#* } "
          cpu[$who]+="$(awk -v a="$c0" -v b="$c1" 'BEGIN {printf "%.2f", b - a}') "
        done
      done
      local tp tr
      tp=$(tr ' ' '\n' <<<"${tps[pgrwl]}" | grep . | median); tr_=$(tr ' ' '\n' <<<"${tps[receivewal]}" | grep . | median)
      printf '| %s | %d | %.0f | %.0f | %s | %.2f / %.2f | %.2f / %.2f | %.1f | %.1f | %d |\n' \
        "$( [ $sslmode = disable ] && echo "TCP" || echo "TLS")" "$clients" "$tp" "$tr_" "$(ratio "$tp" "$tr_")" \
        "$(tr ' ' '\n' <<<"${mean[pgrwl]}" | grep . | median)" "$(tr ' ' '\n' <<<"${p99[pgrwl]}" | grep . | median)" \
        "$(tr ' ' '\n' <<<"${mean[receivewal]}" | grep . | median)" "$(tr ' ' '\n' <<<"${p99[receivewal]}" | grep . | median)" \
        "$(tr ' ' '\n' <<<"${cpu[pgrwl]}" | grep . | median)" "$(tr ' ' '\n' <<<"${cpu[receivewal]}" | grep . | median)" \
        $(( $(hwm_kib "$p_pgrwl") / 1024 )) | tee -a "$report"
      unset tps mean p99 cpu
    done
    psql_c "ALTER SYSTEM RESET synchronous_standby_names"; psql_c "SELECT pg_reload_conf()" >/dev/null
    kill "$p_pgrwl" "$p_recv"; wait "$p_pgrwl" "$p_recv" 2>/dev/null || true
  done
  echo >>"$report"
}

# ---------------------------------------------------------------------------------------------- catch-up
scenario_catchup() {
  local backlog_mb=1600
  [ -n "$quick" ] && backlog_mb=400
  local n=$rounds; [ "$n" -gt 3 ] && n=3
  echo "bench: catch-up of a ${backlog_mb} MB slot backlog, $n rounds each"
  {
    echo "## Catch-up from a slot backlog"
    echo
    echo "A ${backlog_mb} MB backlog of WAL (16 MiB segments, pgbench + a bulk table) held by a slot; each receiver alone,"
    echo "started from the slot's restart_lsn, timed from process start (JVM start included) until its flush position"
    echo "reaches the backlog's end (\`pg_stat_replication.flush_lsn\`); rounds alternate A B C A B C. Peak RSS is VmHWM"
    echo "at that moment, RSS after is VmRSS once every completed segment is archived (pgrwl-archive) or at once. pgrwl-archive:"
    echo "the same receiver also archiving each completed segment into \`storage.local\` with zstd + aes-256-gcm, 4 upload"
    echo "workers (its time is the receiver's flush position, as for the others; its CPU and peak RSS include the uploads)."
    echo
    echo "Start s: from process start until the walsender shows the receiver (\`pg_stat_replication\`: connected and"
    echo "streaming), i.e. JVM start, configuration, connection and slot; MB/s streaming: the backlog over the rest."
    echo
    echo "| receiver | median s | start s | MB/s | MB/s streaming | CPU s per GiB | peak RSS MiB | RSS after MiB |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  } >>"$report"
  # one slot per receiver and round, all created before the backlog: each holds it from its start
  local receivers=(pgrwl pgrwl-archive receivewal)
  for r in $(seq 1 "$n"); do
    for who in "${receivers[@]}"; do
      psql_c "SELECT 1 FROM pg_create_physical_replication_slot('catchup_${who/-/_}_$r', true)" >/dev/null
    done
  done
  local start_lsn; start_lsn=$(psql_c "SELECT min(restart_lsn) FROM pg_replication_slots WHERE slot_name LIKE 'catchup%'")
  psql_c "CREATE TABLE IF NOT EXISTS bulk (id bigint, pad text)"
  "$pgbin/pgbench" -i -s 10 -q >/dev/null 2>&1
  while [ "$(psql_c "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$start_lsn') < $backlog_mb::bigint * 1000000")" = t ]; do
    psql_c "INSERT INTO bulk SELECT g, repeat(md5(g::text), 6) FROM generate_series(1, 200000) g"
    "$pgbin/pgbench" -c 4 -j 2 -t 500 -q >/dev/null 2>&1 || true
  done
  psql_c "SELECT pg_switch_wal()" >/dev/null
  local end_lsn; end_lsn=$(psql_c "SELECT pg_current_wal_lsn()")
  local bytes; bytes=$(psql_c "SELECT pg_wal_lsn_diff('$end_lsn', '$start_lsn')::bigint")
  declare -A secs=() cpus=() hwms=() rss=() starts=()
  local segments=$(( bytes / 16777216 ))
  for r in $(seq 1 "$n"); do
    for who in "${receivers[@]}"; do
      local dir=$work/catchup-$who-$r slot=catchup_${who/-/_}_$r; mkdir -p "$dir"
      local t0; t0=$(date +%s.%N)
      if [ "$who" != receivewal ]; then
        local storage=""
        [ "$who" = pgrwl-archive ] && storage="storage:
  name: local
  local: {directory: $dir-archive}
  compression: {algo: zstd}
  encryption: {algo: aes-256-gcm, pass: bench-archive-pass}
  uploader: {max_concurrency: 4}"
        cat >"$dir.yml" <<EOF
main: {directory: $dir, listen_port: 0, listen_address: 127.0.0.1}
receiver: {slot: $slot, application_name: $slot, create_slot: false}
$storage
log: {level: warn}
EOF
        "$image/bin/pgrwl" -c "$dir.yml" -m receive >"$dir.log" 2>&1 &
      else
        "$pgbin/pg_receivewal" -d "application_name=$slot" -D "$dir" -S "$slot" --synchronous --no-loop \
          >"$dir.log" 2>&1 &
      fi
      local pid=$!; pids+=("$pid") ts=
      local state
      until state=$(psql_c "SELECT CASE WHEN coalesce(bool_or(flush_lsn >= '$end_lsn'), false) THEN 't' ELSE 'f' END || ' ' || count(*) FROM pg_stat_replication WHERE application_name = '$slot'") && [ "${state% *}" = t ]; do
        kill -0 "$pid" 2>/dev/null || { echo "bench: $who exited during catch-up; see $dir.log" >&2; return 1; }
        # the start-up: until the walsender shows the receiver (connected, START_REPLICATION sent)
        [ -z "$ts" ] && [ "${state#* }" != 0 ] && ts=$(date +%s.%N)
        sleep 0.05 # polling the server's view of the receiver's flush position
      done
      local t1; t1=$(date +%s.%N)
      [ -z "$ts" ] && ts=$t1
      starts[$who]+="$(awk -v a="$t0" -v b="$ts" 'BEGIN {printf "%.2f", b - a}') "
      secs[$who]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}') "
      if [ "$who" = pgrwl-archive ]; then
        # every completed segment of the backlog archived: the archive directory holds that many objects
        until [ "$(find "$dir-archive" -type f -name '0000*' ! -name '*.partial*' 2>/dev/null | wc -l)" -ge "$segments" ]; do
          kill -0 "$pid" 2>/dev/null || { echo "bench: $who exited while archiving; see $dir.log" >&2; return 1; }
          sleep 0.1 # polling the archive directory for the uploaded objects
        done
      fi
      cpus[$who]+="$(cpu_seconds "$pid") "
      # PGRWL_BENCH_NMT=DIR (with PGRWL_JAVA_OPTS=-XX:NativeMemoryTracking=summary): where pgrwl's memory went
      if [ -n "${PGRWL_BENCH_NMT:-}" ] && [ "$who" != receivewal ]; then
        mkdir -p "$PGRWL_BENCH_NMT"
        "$JAVA_HOME/bin/jcmd" "$pid" VM.native_memory summary >"$PGRWL_BENCH_NMT/$who-$r.txt" 2>&1 || true
        grep -E '^(Rss|Pss|Private|Anonymous|Shared)' "/proc/$pid/smaps_rollup" >>"$PGRWL_BENCH_NMT/$who-$r.txt" 2>/dev/null || true
      fi
      hwms[$who]+="$(( $(hwm_kib "$pid") / 1024 )) "
      rss[$who]+="$(( $(rss_kib "$pid") / 1024 )) "
      kill "$pid"; wait "$pid" 2>/dev/null || true
      rm -rf "$dir" "$dir-archive"
      psql_c "SELECT pg_drop_replication_slot('$slot')" >/dev/null
    done
  done
  declare -A medsecs=()
  for who in "${receivers[@]}"; do
    local s c h a st
    s=$(tr ' ' '\n' <<<"${secs[$who]}" | grep . | median)
    st=$(tr ' ' '\n' <<<"${starts[$who]}" | grep . | median)
    c=$(tr ' ' '\n' <<<"${cpus[$who]}" | grep . | median)
    h=$(tr ' ' '\n' <<<"${hwms[$who]}" | grep . | median)
    a=$(tr ' ' '\n' <<<"${rss[$who]}" | grep . | median)
    medsecs[$who]=$s
    printf '| %s | %.2f | %.2f | %.0f | %.0f | %.1f | %d | %d |\n' "$( [ $who = receivewal ] && echo pg_receivewal || echo $who)" "$s" \
      "$st" "$(awk -v b="$bytes" -v s="$s" 'BEGIN {print b / 1000000 / s}')" \
      "$(awk -v b="$bytes" -v s="$s" -v t="$st" 'BEGIN {print b / 1000000 / (s - t)}')" \
      "$(awk -v b="$bytes" -v c="$c" 'BEGIN {print c / (b / 1073741824)}')" "$h" "$a" | tee -a "$report"
  done
  echo >>"$report"
  echo "Throughput ratio pgrwl / pg_receivewal: $(ratio "${medsecs[receivewal]}" "${medsecs[pgrwl]}")x (ratio of median times)." \
    | tee -a "$report"
  echo >>"$report"
}

# ---------------------------------------------------------------------------------------------- base backup
scenario_backup() {
  local scale=60 n=3
  [ -n "$quick" ] && scale=15
  echo "bench: base backup of a pgbench scale $scale database, pg_basebackup -Ft -Z zstd vs pgrwl backup, $n rounds"
  "$pgbin/pgbench" -i -s "$scale" -q >/dev/null 2>&1
  psql_c "CHECKPOINT" >/dev/null
  local bytes; bytes=$(psql_c "SELECT sum(pg_database_size(oid))::bigint FROM pg_database")
  {
    echo "## Base backup: pgrwl backup vs pg_basebackup"
    echo
    echo "A pgbench database (scale $scale, $((bytes / 1000000)) MB on disk), fast checkpoint, no WAL in the backup, each"
    echo "tool alone, rounds alternating; each run timed from process start (JVM start included) to exit, peak RSS and"
    echo "CPU (user + system) as GNU time reports them. pg_basebackup: \`-Ft -Z zstd -X none\` into a local directory"
    echo "(it fsyncs); pgrwl: \`pgrwl backup\` into \`storage.local\` with zstd, and with zstd + aes-256-gcm: streamed,"
    echo "every part fsynced, each part's CRC-32C recorded. receive-mode-zstd-aes: a \`pgrwl\` receive-mode daemon that streams"
    echo "WAL into the same kind of archive throughout, backing up on \`POST /api/v1/basebackup\`, timed from the POST until"
    echo "its status route says succeeded; its CPU is the daemon's during that time, its peak RSS the daemon's VmHWM so far."
    echo
    echo "| tool | median s | MB/s | CPU s | peak RSS MiB | stored MB |"
    echo "|---|---:|---:|---:|---:|---:|"
  } >>"$report"
  declare -A secs=() cpus=() hwms=() sizes=()
  local tools=(pg_basebackup pgrwl-zstd pgrwl-zstd-aes receive-mode-zstd-aes)
  # receive mode: one daemon streaming WAL into a zstd + aes-256-gcm archive the whole time; each round starts a
  # backup through POST /api/v1/basebackup and waits for /api/v1/basebackup/status to say succeeded
  local rdir=$work/backup-receive rport; rport=$(free_port); mkdir -p "$rdir"
  psql_c "SELECT 1 FROM pg_create_physical_replication_slot('bench_backup_receive', true)" >/dev/null
  cat >"$rdir.yml" <<EOF
main: {directory: $rdir/wal, listen_port: $rport, listen_address: 127.0.0.1}
receiver: {slot: bench_backup_receive, application_name: bench_backup_receive, create_slot: false}
storage:
  name: local
  local: {directory: $rdir/archive}
  compression: {algo: zstd}
  encryption: {algo: aes-256-gcm, pass: bench-archive-pass}
log: {level: warn}
EOF
  "$image/bin/pgrwl" -c "$rdir.yml" -m receive >"$rdir.log" 2>&1 &
  local rpid=$!; pids+=("$rpid")
  await_streaming bench_backup_receive
  local receive_rss=$(( $(rss_kib "$rpid") / 1024 ))
  for r in $(seq 1 "$n"); do
    for who in "${tools[@]}"; do
      local dir=$work/backup-$who-$r; mkdir -p "$dir"
      [ "$(id -u)" = 0 ] && chown postgres "$dir"
      if [ "$who" = receive-mode-zstd-aes ]; then
        local c0 t0 t1 status id
        c0=$(cpu_seconds "$rpid"); t0=$(date +%s.%N)
        curl -sf -X POST "http://127.0.0.1:$rport/api/v1/basebackup" >/dev/null || {
          cat "$rdir.log" >&2; echo "bench: POST /api/v1/basebackup failed" >&2; return 1; }
        until status=$(curl -sf "http://127.0.0.1:$rport/api/v1/basebackup/status") \
            && grep -q '"status":"succeeded"' <<<"$status"; do
          grep -q '"status":"failed"' <<<"$status" && { echo "bench: $status" >&2; return 1; }
          sleep 0.1 # polling the backup's own status route
        done
        t1=$(date +%s.%N)
        id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$status")
        echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}') 0 $(awk -v a="$c0" \
          -v b="$(cpu_seconds "$rpid")" 'BEGIN {printf "%.2f", b - a}') $(hwm_kib "$rpid")" >"$dir.time"
        mkdir -p "$dir/out"; mv "$rdir/archive/backups/$id" "$dir/out/"
      elif [ "$who" = pg_basebackup ]; then
        /usr/bin/time -f '%e %U %S %M' -o "$dir.time" "${as_pg[@]}" "$pgbin/pg_basebackup" -D "$dir/out" -Ft \
          -Z zstd -X none -c fast >"$dir.log" 2>&1
      else
        local enc=""
        [ "$who" = pgrwl-zstd-aes ] && enc="  encryption: {algo: aes-256-gcm, pass: bench-archive-pass}"
        printf 'main: {directory: %s, listen_port: 0}\nstorage:\n  name: local\n  local: {directory: %s}\n  compression: {algo: zstd}\n%s\nlog: {level: warn}\n' \
          "$dir/wal" "$dir/out" "$enc" >"$dir.yml"
        /usr/bin/time -f '%e %U %S %M' -o "$dir.time" "$image/bin/pgrwl" backup -c "$dir.yml" >"$dir.log" 2>&1 || {
          cat "$dir.log" >&2; echo "bench: pgrwl backup failed" >&2; return 1; }
      fi
      read -r e u sy m <"$dir.time"
      secs[$who]+="$e "
      cpus[$who]+="$(awk -v a="$u" -v b="$sy" 'BEGIN {printf "%.2f", a + b}') "
      hwms[$who]+="$((m / 1024)) "
      sizes[$who]+="$(du -sb "$dir/out" | awk '{printf "%.0f", $1 / 1000000}') "
      rm -rf "$dir"
    done
  done
  for who in "${tools[@]}"; do
    local s c h z
    s=$(tr ' ' '\n' <<<"${secs[$who]}" | grep . | median)
    c=$(tr ' ' '\n' <<<"${cpus[$who]}" | grep . | median)
    h=$(tr ' ' '\n' <<<"${hwms[$who]}" | grep . | median)
    z=$(tr ' ' '\n' <<<"${sizes[$who]}" | grep . | median)
    printf '| %s | %.2f | %.0f | %.1f | %d | %d |\n' "$who" "$s" "$(awk -v b="$bytes" -v s="$s" \
      'BEGIN {print b / 1000000 / s}')" "$c" "$h" "$z" | tee -a "$report"
  done
  echo >>"$report"
  echo "Receive mode streamed WAL at $receive_rss MiB RSS before its first backup; its peak during backups is the row above." \
    | tee -a "$report"
  kill "$rpid"; wait "$rpid" 2>/dev/null || true
  psql_c "SELECT pg_drop_replication_slot('bench_backup_receive')" >/dev/null
  local p b
  p=$(tr ' ' '\n' <<<"${secs[pgrwl-zstd]}" | grep . | median)
  b=$(tr ' ' '\n' <<<"${secs[pg_basebackup]}" | grep . | median)
  echo >>"$report"
  echo "Throughput ratio pgrwl (zstd) / pg_basebackup: $(ratio "$b" "$p")x (ratio of median times)." | tee -a "$report"
  echo >>"$report"
}

# ---------------------------------------------------------------------------------------------- recovery
scenario_recovery() {
  local gib=${PGRWL_BENCH_RECOVERY_GIB:-1} n=${PGRWL_BENCH_RECOVERY_ROUNDS:-3}
  [ -n "$quick" ] && gib=0.5 n=1
  echo "bench: recovery of ${gib} GiB of WAL, cp vs restore-command, $n rounds (RecoveryBenchmark, via Maven)"
  rm -f jlink/target/benchmarks/recovery.md
  if ! mvn -B -q -ntp -pl jlink verify -Dit.test=RecoveryBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
      -Dpgrwl.bench.wal.gib="$gib" -Dpgrwl.bench.rounds="$n" >"$work/recovery-bench.log" 2>&1; then
    tail -50 "$work/recovery-bench.log" >&2
    echo "bench: the recovery benchmark failed (log above)" >&2
    return 1
  fi
  {
    echo "## Recovery: restore_command = cp vs pgrwl restore-command"
    echo
    echo "A base backup (pg_basebackup -X none) plus the WAL of pgbench updates; each recovery timed from the start of"
    echo "the restored server until pg_is_in_recovery() is false, its sum(abalance) checked against the primary's."
    echo "\"from the spool\": calls whose file the prefetcher had spooled before PostgreSQL asked (the launcher's shell"
    echo "fast path). Latency rows: a delaying TCP proxy between serve mode and s3proxy (this kernel has no tc netem)."
    echo
    cat jlink/target/benchmarks/recovery.md
  } >>"$report"
  echo >>"$report"
}

# whether the tree was clean when the run began (the fragments this run writes make it dirty later)
tree_state=$(git diff --quiet && echo '' || echo ' (with uncommitted changes)')
machine_line() {
  echo "Run of \`bench/run.sh${quick:+ --quick}\` on $(date -u +%Y-%m-%d) at $(git rev-parse --short HEAD)$tree_state;"
  echo "$(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo);"
  echo "$pg_version; $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)."
  echo
}

mkdir -p docs/bench
IFS=, read -r -a wanted <<<"$scenarios"
for s in "${wanted[@]}"; do
  : >"$report"
  case "$s" in
    sync) scenario_sync ;;
    catchup) scenario_catchup ;;
    recovery) scenario_recovery ;;
    backup) scenario_backup ;;
    *) echo "bench: unknown scenario $s" >&2; exit 2 ;;
  esac
  # the fragment: the scenario's heading first, then when and where it ran, then its table
  { head -n 2 "$report"; machine_line; tail -n +3 "$report"; } >"docs/bench/$s.md"
done

# ---------------------------------------------------------------------------------------------- docs/benchmarks.md
{
  echo "# Benchmarks"
  echo
  echo "Written by \`bench/run.sh\` (see its header). Each section comes from the last run of its scenario, which"
  echo "states its date, commit and machine. Every figure is a median of alternating rounds within that one run:"
  echo "compare within a table, not across sections."
  echo
  for s in sync catchup recovery backup; do
    [ -f "docs/bench/$s.md" ] && { cat "docs/bench/$s.md"; echo; }
  done
} >docs/benchmarks.md
echo "bench: wrote docs/bench/${scenarios//,/.md, docs/bench/}.md and docs/benchmarks.md"
