#!/usr/bin/env bash
# tools/capture-behaviour.sh IMAGE_DIR OUT_DIR: behaviour snapshot of a pgrwl runtime image (CLI output, HTTP answers, log lines),
# normalised so that two runs of the same image give identical files. Compare two snapshots with diff -r.
# Runs a throwaway PostgreSQL 15 (as user postgres) and pgrwl on free 127.0.0.1 ports; needs root, curl, python3.
# KEEP_WORK=1 keeps the work directory (raw logs) for inspection. PGBIN overrides /usr/lib/postgresql/15/bin.
set -uo pipefail

write_normaliser() {
cat >"$NORM" <<'PYEOF'
#!/usr/bin/env python3
"""Normalisation for capture.sh: turns run-specific parts of pgrwl's output into placeholders.

Context comes from the environment (set by capture.sh):
  N_IMAGE  image directory            -> <IMAGE>
  N_WORK   the run's work directory   -> <WORK>
  N_PORTS  "12345=<PGPORT> 23456=<RECV_PORT> ..."  (whole-number matches only)
  N_SYSID  the cluster's system identifier        -> <SYSID>
  N_SECRETS space-separated secrets: any occurrence becomes <LEAKED-SECRET> (should never happen)

Usage:
  norm.py text            < in > out   text substitutions on every line, order kept
  norm.py sorted          < in > out   text substitutions, then sorted and deduplicated
  norm.py json            < in > out   JSON document (duplicate keys kept), pretty printed, values normalised
  norm.py jsonlog         < in > out   one JSON log line per line -> keys, level, logger, normalised msg; sorted, deduped
  norm.py textlog         < in > out   "TIME LEVEL [logger] msg" lines; sorted, deduped
  norm.py metrics         < in > out   Prometheus text: names, types, HELP, label names (values of static labels)
  norm.py body FILE CONTENT_TYPE       a response body, as JSON / metrics / text
"""
import json
import os
import re
import sys

IMAGE = os.environ.get("N_IMAGE", "")
WORK = os.environ.get("N_WORK", "")
SYSID = os.environ.get("N_SYSID", "")
SECRETS = [s for s in os.environ.get("N_SECRETS", "").split() if s]
PORTS = []
for item in os.environ.get("N_PORTS", "").split():
    num, _, name = item.partition("=")
    if num:
        PORTS.append((num, name))

# Order matters: paths before numbers, sha-256 before segment names, segment names before LSNs.
SUBS = [
    (re.compile(r"/tmp/pgrwl-serve-cache\d+"), "<SERVE_CACHE_DIR>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?"), "<TS>"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "<SHA256>"),
    (re.compile(r"sha-256=:[A-Za-z0-9+/=]+:"), "sha-256=:<B64>:"),
    (re.compile(r"\b[0-9A-F]{24}\b"), "<SEG>"),
    (re.compile(r"\b[0-9A-F]{1,8}/[0-9A-F]{1,8}\b"), "<LSN>"),
    (re.compile(r"\[0x[0-9a-f]+\]"), "[0x<ID>]"),
    # timing: Helidon's start-up line, upload sizes, retry counters
    (re.compile(r"\b\d+ milliseconds"), "<N> milliseconds"),
    (re.compile(r"\b\d+ bytes\b"), "<N> bytes"),
    (re.compile(r"\bafter \d+ attempts in [0-9.]+m?s\b"), "after <N> attempts in <DUR>"),
    (re.compile(r"\bup to \d+ s more\b"), "up to <N> s more"),
    (re.compile(r"\bSDK Attempt Count: \d+"), "SDK Attempt Count: <N>"),
    (re.compile(r"\bafter \d+ ms\b"), "after <N> ms"),  # curl's connect errors
]


def text(s):
    for secret in SECRETS:
        s = s.replace(secret, "<LEAKED-SECRET>")
    if IMAGE:
        s = s.replace(IMAGE, "<IMAGE>")
    if WORK:
        s = s.replace(WORK, "<WORK>")
    for rx, rep in SUBS:
        s = rx.sub(rep, s)
    if SYSID:
        s = re.sub(r"\b%s\b" % re.escape(SYSID), "<SYSID>", s)
    for num, name in PORTS:
        s = re.sub(r"(?<![\d.])%s(?![\d])" % re.escape(num), name, s)
    return s


# ---------------------------------------------------------------- JSON documents (HTTP answers)

class Obj:
    """A JSON object as its list of pairs: keeps key order and duplicate keys (json.loads would merge them)."""

    def __init__(self, pairs):
        self.pairs = pairs


# Numeric values that depend on timing or on how much WAL the run produced.
VARIABLE_NUMBERS = {
    "uptime_seconds", "lag_bytes", "bytes_received", "segments_completed", "status_updates_sent",
    "backlog_files", "backlog_bytes", "backlog_oldest_age_seconds", "uploaded", "size", "size_mb",
    "hits", "misses", "bytes",
}
# String values that are durations measured by the process.
VARIABLE_STRINGS = {"uptime": "<DUR>"}


def norm_value(key, v):
    if isinstance(v, Obj):
        return Obj([(k, norm_value(k, x)) for k, x in v.pairs])
    if isinstance(v, list):
        out, seen = [], set()
        for x in v:  # normalised entries of a listing are often identical: keep each shape once, in order
            n = norm_value(key, x)
            r = dumps(n)
            if r not in seen:
                seen.add(r)
                out.append(n)
        return out
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        if key in VARIABLE_NUMBERS:
            return "<N>"
        for num, name in PORTS:
            if str(v) == num:
                return name
        return v
    if isinstance(v, str):
        if key in VARIABLE_STRINGS:
            return VARIABLE_STRINGS[key]
        return text(v)
    return v


def dumps(v, indent=0):
    pad = "  " * indent
    if isinstance(v, Obj):
        if not v.pairs:
            return "{}"
        inner = ",\n".join("%s  %s: %s" % (pad, json.dumps(k), dumps(x, indent + 1)) for k, x in v.pairs)
        return "{\n" + inner + "\n" + pad + "}"
    if isinstance(v, list):
        if not v:
            return "[]"
        inner = ",\n".join(pad + "  " + dumps(x, indent + 1) for x in v)
        return "[\n" + inner + "\n" + pad + "]"
    return json.dumps(v, ensure_ascii=False)


def norm_json(s):
    try:
        doc = json.loads(s, object_pairs_hook=Obj)
    except ValueError as e:
        return "NOT JSON (%s):\n%s" % (e.__class__.__name__, text(s))
    keys = []
    dup_note = find_duplicates(doc, "$", keys)
    out = dumps(norm_value(None, doc))
    if dup_note:
        out += "\n# DUPLICATE KEYS in the document: " + ", ".join(dup_note)
    return out


def find_duplicates(v, path, acc):
    if isinstance(v, Obj):
        names = [k for k, _ in v.pairs]
        for k in sorted(set(n for n in names if names.count(n) > 1)):
            acc.append("%s.%s" % (path, k))
        for k, x in v.pairs:
            find_duplicates(x, "%s.%s" % (path, k), acc)
    elif isinstance(v, list):
        for x in v:
            find_duplicates(x, path + "[]", acc)
    return acc


# ---------------------------------------------------------------- logs

def json_log(lines):
    out = set()
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            continue
        try:
            doc = json.loads(line, object_pairs_hook=Obj)
            if not isinstance(doc, Obj):
                raise ValueError
        except ValueError:
            out.add("NON-JSON LINE: " + text(line))
            continue
        d = dict(doc.pairs)
        keys = ",".join(k for k, _ in doc.pairs)  # order as written (the set, and its order, is the format)
        out.add("keys=[%s] level=%s logger=%s pid=%s msg=%s" % (
            keys, d.get("level"), d.get("logger"),
            "<PID>" if isinstance(d.get("pid"), int) else repr(d.get("pid")),
            text(str(d.get("msg")))))
    return sorted(out)


TEXT_LINE = re.compile(r"^(\S+) (\S+) (.*)$")


def text_log(lines):
    out = set()
    for line in lines:
        line = line.rstrip("\n")
        if line.strip():
            out.add(text(line))
    return sorted(out)


# ---------------------------------------------------------------- metrics

STATIC_LABELS = {"scope", "le", "status", "quantile"}
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def metrics(lines):
    rows = set()
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            continue
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            name = parts[2]
            kind = 0 if parts[1] == "HELP" else 1
            rows.add((name, kind, text(line)))
            continue
        if line.startswith("#"):
            rows.add(("~", 9, text(line)))
            continue
        m = SAMPLE.match(line)
        if not m:
            rows.add(("~", 9, "UNPARSED: " + text(line)))
            continue
        name, labels = m.group(1), m.group(2) or ""
        shown = []
        for k, v in LABEL.findall(labels):
            shown.append('%s="%s"' % (k, v) if k in STATIC_LABELS else k)
        rows.add((name, 2, "%s{%s} <VALUE>" % (name, ",".join(shown))))
    return [r[2] for r in sorted(rows)]


# ---------------------------------------------------------------- main

def main():
    mode = sys.argv[1]
    if mode == "body":
        path, ctype = sys.argv[2], sys.argv[3].lower()
        raw = open(path, "rb").read()
        s = raw.decode("utf-8", "replace")
        if "json" in ctype or (s[:1] in "{[" and s.strip()):
            print(norm_json(s))
        elif any(a.split("?")[0].endswith("/metrics") for a in sys.argv[4:]) and s.startswith("# "):
            print("\n".join(metrics(s.splitlines())))
        else:
            sys.stdout.write(text(s))
            if s and not s.endswith("\n"):
                sys.stdout.write("\n<no newline at end>\n")
        return
    data = sys.stdin.read()
    if mode == "text":
        sys.stdout.write("".join(text(l) for l in data.splitlines(True)))
    elif mode == "sorted":
        sys.stdout.write("".join(l + "\n" for l in sorted(set(text(l) for l in data.splitlines()))))
    elif mode == "json":
        print(norm_json(data))
    elif mode == "jsonlog":
        sys.stdout.write("".join(l + "\n" for l in json_log(data.splitlines())))
    elif mode == "textlog":
        sys.stdout.write("".join(l + "\n" for l in text_log(data.splitlines())))
    elif mode == "metrics":
        sys.stdout.write("".join(l + "\n" for l in metrics(data.splitlines())))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
PYEOF
}

# ------------------------------------------------------------------ arguments, environment

usage() { echo "usage: $0 IMAGE_DIR OUT_DIR   (e.g. $0 jlink/target/pgrwl /tmp/behaviour-after; diff -r against a run of an older image)" >&2; exit 2; }
[ $# -eq 2 ] || usage
IMAGE=$(readlink -f "$1") || usage
OUT=$2
PGRWL="$IMAGE/bin/pgrwl"
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$PGRWL" ] || { echo "no launcher at $PGRWL" >&2; exit 2; }
[ -x "$PGBIN/initdb" ] || { echo "no PostgreSQL binaries in $PGBIN" >&2; exit 2; }
for tool in curl python3 sha256sum timeout runuser; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "run as root (PostgreSQL runs as the postgres user)" >&2; exit 2; }
id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres

# A clean, fixed environment: nothing of the caller's PG*/PGRWL_* variables, one locale, UTC.
for v in $(compgen -e); do case $v in PG*|PGRWL_*) unset "$v" ;; esac; done
export LC_ALL=C.UTF-8 LANG=C.UTF-8 TZ=UTC
unset PGRWL_JAVA_OPTS
# The image's AOT caches only apply at the path it was built at; keep every run on the JDK's own class-data archive
# so that an image at another path (or a stale cache) cannot change what is printed. CAPTURE_AOT=on leaves it alone.
[ "${CAPTURE_AOT:-off}" = on ] || export PGRWL_AOT=off

T0=$(date +%s)
if [ -d "$OUT" ] && [ -n "$(ls -A "$OUT")" ] && [ ! -f "$OUT/INDEX.txt" ]; then
  echo "$OUT exists and is not a previous capture (no INDEX.txt): not overwriting it" >&2; exit 2
fi
rm -rf "$OUT"; mkdir -p "$OUT"; OUT=$(readlink -f "$OUT")
WORK=$(mktemp -d /tmp/pgrwl-capture.XXXXXX); chmod 755 "$WORK"
NORM="$WORK/norm.py"
write_normaliser

PIDS=()          # every background process this script started
PG_STARTED=
cleanup() {
  local p
  for p in "${PIDS[@]}"; do
    if kill -0 "$p" 2>/dev/null; then kill -TERM "$p" 2>/dev/null; fi
  done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
  done
  if [ -n "$PG_STARTED" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ -n "${KEEP_WORK:-}" ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { echo "[$(( $(date +%s) - T0 ))s] $*" >&2; }
die() { echo "capture.sh: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

PGPORT=$(free_port); RECV_PORT=$(free_port); SERVE_PORT=$(free_port); AUTH_PORT=$(free_port)
CLOSED_PORT=$(free_port)   # nothing listens here: the "unreachable" cases
SECRET_PASS="capture-encryption-pass-4f1c"
TOKEN="capture-token-0123456789abcdef"
SYSID=
export N_IMAGE="$IMAGE" N_WORK="$WORK" N_SECRETS="$SECRET_PASS $TOKEN"
set_ports() {
  export N_PORTS="$PGPORT=<PGPORT> $RECV_PORT=<RECV_PORT> $SERVE_PORT=<SERVE_PORT> $AUTH_PORT=<AUTH_PORT> $CLOSED_PORT=<CLOSED_PORT>"
}
set_ports
norm() { python3 "$NORM" "$@"; }
INDEX=()
record() { INDEX+=("$1"); }    # a file written into OUT

# ------------------------------------------------------------------ helpers

# cli NAME [ENV=V ...] -- ARGS...  : runs pgrwl ARGS (with the env given), records exit, stdout, stderr.
cli() {
  local name=$1; shift
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
  local o="$WORK/cli.out" e="$WORK/cli.err" rc
  ( cd "$WORK" && env "${envs[@]}" timeout 120 "$PGRWL" "$@" >"$o" 2>"$e" ); rc=$?
  if [ -n "${CLI_DROP_STDERR:-}" ]; then          # lines printed only sometimes (asynchronously) before an exit
    grep -v -E "$CLI_DROP_STDERR" "$e" >"$e.kept"; mv "$e.kept" "$e"
  fi
  {
    local shown="${envs[*]:+${envs[*]} }pgrwl $*"
    shown=${shown//$SECRET_PASS/<PASS>}; shown=${shown//$TOKEN/<TOKEN>}
    echo "\$ $shown"
    echo "exit: $rc"
    echo "--- stdout"; norm text <"$o"
    if [ -n "${CLI_SORT_STDERR:-}" ]; then
      echo "--- stderr (sorted, deduplicated${CLI_DROP_STDERR:+; without lines matching $CLI_DROP_STDERR})"; norm sorted <"$e"
    else echo "--- stderr"; norm text <"$e"; fi
  } | norm text >"$OUT/$name.txt"
  record "$name.txt"
  LAST_RC=$rc
}

# restore NAME [ENV=V ...] -- ARGS... : pgrwl restore-command, plus what it left at the destination.
restore() {
  local name=$1 dest=$2; shift 2
  cli "$name" "$@"
  {
    echo "--- destination ${dest#$WORK/}"
    if [ -f "$dest" ]; then
      echo "exists: yes, size: $(stat -c %s "$dest"), mode: $(stat -c %a "$dest")"
      local h; h=$(sha256sum "$dest" | cut -d' ' -f1)
      [ -n "${EXPECT_SHA:-}" ] && echo "sha256 equals the body GET answered: $([ "$h" = "$EXPECT_SHA" ] && echo yes || echo NO)"
    else
      echo "exists: no"
    fi
    echo "--- files in its directory: $(cd "$(dirname "$dest")" && ls -A | sort | tr '\n' ' ')"
  } | norm text >>"$OUT/$name.txt"
}

# http NAME METHOD URL [curl args...] : status line, headers (not Date), body (normalised or hashed).
# Sets BODY_SHA (sha-256 of the raw body) and HTTP_CODE.
http() {
  local name=$1 method=$2 url=$3; shift 3
  local h="$WORK/http.hdr" b="$WORK/http.body" rc
  rm -f "$h" "$b"
  if [ "$method" = HEAD ]; then
    curl -sS --max-time 30 -I -D "$h" -o "$b" "$@" "$url" 2>"$WORK/http.err"; rc=$?
  else
    curl -sS --max-time 30 -X "$method" -D "$h" -o "$b" "$@" "$url" 2>"$WORK/http.err"; rc=$?
  fi
  touch "$b" "$h"
  BODY_SHA=$(sha256sum "$b" | cut -d' ' -f1)
  HTTP_CODE=$(head -1 "$h" | awk '{print $2}')
  local ctype clen size digest
  ctype=$(grep -i '^content-type:' "$h" | head -1 | cut -d' ' -f2- | tr -d '\r')
  clen=$(grep -i '^content-length:' "$h" | head -1 | cut -d' ' -f2- | tr -d '\r')
  size=$(stat -c %s "$b")
  digest=$(grep -i '^repr-digest:' "$h" | head -1 | sed -n 's/.*sha-256=:\([^:]*\):.*/\1/p' | tr -d '\r')
  {
    local shown_args=()
    for a in "$@"; do case $a in *"$TOKEN"*) shown_args+=("${a//$TOKEN/<TOKEN>}") ;; *) shown_args+=("$a") ;; esac; done
    echo "$method /${url#http://127.0.0.1:*/}${shown_args[*]:+  (curl ${shown_args[*]})}"
    [ $rc -ne 0 ] && echo "curl failed: exit $rc: $(cat "$WORK/http.err")"
    echo "--- status"
    head -1 "$h" | tr -d '\r'
    echo "--- headers (without Date; Content-Length checked against the body)"
    tail -n +2 "$h" | tr -d '\r' | grep -v '^$' | grep -vi '^date:' | while IFS= read -r line; do
      case ${line,,} in
        content-length:*)
          if [[ $ctype == application/octet-stream* ]]; then
            echo "$line"
            [ "$method" = HEAD ] || [ "$clen" = "$size" ] || echo "  (BODY HAS $size BYTES)"
          elif [ "$method" = HEAD ]; then
            echo "Content-Length: <N>"
          else
            echo "Content-Length: <N> (equals the body's length: $([ "$clen" = "$size" ] && echo yes || echo "NO, $clen vs $size"))"
          fi ;;
        *) echo "$line" ;;
      esac
    done
    echo "--- body"
    if [ "$method" = HEAD ]; then
      echo "(HEAD: $size bytes)"
    elif [ "$size" = 0 ]; then
      echo "(empty)"
    elif [[ $ctype == application/octet-stream* ]]; then
      echo "binary, length $size, sha256 $BODY_SHA"
      if [ -n "$digest" ]; then
        local body_b64; body_b64=$(python3 -c 'import sys,hashlib,base64; print(base64.b64encode(hashlib.sha256(open(sys.argv[1],"rb").read()).digest()).decode())' "$b")
        echo "Repr-Digest equals the body's sha-256: $([ "$body_b64" = "$digest" ] && echo yes || echo NO)"
      fi
    else
      norm body "$b" "$ctype" "$url"
    fi
  } | norm text >"$OUT/$name.txt"
  record "$name.txt"
}

# wait_for DESCRIPTION SECONDS COMMAND... : polls COMMAND every 0.2 s. A timeout is not fatal (the captures that
# follow show what went wrong): it is noted in OUT/TIMEOUTS.txt and on stderr, and wait_for returns 1.
wait_for() {
  local what=$1 secs=$2; shift 2
  local end=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    if [ -n "${PGRWL_PID:-}" ] && ! kill -0 "$PGRWL_PID" 2>/dev/null; then
      echo "capture.sh: WARNING: pgrwl is not running; gave up waiting for: $what" >&2
      echo "pgrwl is not running; gave up waiting for: $what" >>"$OUT/TIMEOUTS.txt"; record TIMEOUTS.txt
      return 1
    fi
    if [ "$(date +%s)" -ge "$end" ]; then
      echo "capture.sh: WARNING: timed out after ${secs}s waiting for: $what" >&2
      echo "timed out after ${secs}s waiting for: $what" >>"$OUT/TIMEOUTS.txt"; record TIMEOUTS.txt
      return 1
    fi
    sleep 0.2
  done
}
http_ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@")" = 200 ]; }

# start_pgrwl NAME [ENV=V ...] -- ARGS... : background pgrwl; sets PGRWL_PID; logs in $WORK/NAME.{stdout,stderr}
start_pgrwl() {
  local name=$1; shift
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
  ( cd "$WORK" && exec env "${envs[@]}" "$PGRWL" "$@" >"$WORK/$name.stdout" 2>"$WORK/$name.stderr" ) &
  PGRWL_PID=$!
  PIDS+=("$PGRWL_PID")
}

# stop_pgrwl NAME : SIGTERM, waits up to 60 s, writes OUT/NAME-exit.txt
stop_pgrwl() {
  local name=$1 rc=0 i
  if ! kill -0 "$PGRWL_PID" 2>/dev/null; then
    wait "$PGRWL_PID"; rc=$?
    echo "had already exited before SIGTERM, with status $rc" >"$OUT/$name-exit.txt"; record "$name-exit.txt"
    return
  fi
  kill -TERM "$PGRWL_PID" 2>/dev/null
  for i in $(seq 300); do kill -0 "$PGRWL_PID" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$PGRWL_PID" 2>/dev/null; then
    kill -KILL "$PGRWL_PID"; wait "$PGRWL_PID"; echo "did not exit within 60 s of SIGTERM (killed)" >"$OUT/$name-exit.txt"
  else
    wait "$PGRWL_PID"; rc=$?
    echo "exit after SIGTERM: $rc" >"$OUT/$name-exit.txt"
  fi
  record "$name-exit.txt"
}

# logs NAME FORMAT : normalised stderr (json or text) and stdout of a background run
logs() {
  local name=$1 format=$2
  norm "${format}log" <"$WORK/$name.stderr" >"$OUT/$name-stderr.txt"; record "$name-stderr.txt"
  { echo "--- stdout (normalised, sorted, deduplicated)"; norm sorted <"$WORK/$name.stdout"; } >"$OUT/$name-stdout.txt"
  record "$name-stdout.txt"
}

psql_() { "$PGBIN/psql" -X -q -At -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres "$@"; }
# py_status URL EXPR : evaluates EXPR over the /api/v1/status document (s), exit 0 when true
py_status() {
  curl -s --max-time 5 "$1" | python3 -c 'import json,sys; s=json.load(sys.stdin); sys.exit(0 if eval(sys.argv[1]) else 1)' "$2"
}

# files NAME : the layout of main.directory and of the archive (names normalised, modes), sorted, deduplicated
files() {
  ( cd "$WORK" && find wal archive restore -mindepth 1 -printf '%y %m %p\n' 2>/dev/null ) | norm sorted >"$OUT/$1.txt"
  record "$1.txt"
}

# ------------------------------------------------------------------ 1. CLI

step "CLI: help, version, subcommands, plugins"
cli cli-help -- --help
cli cli-help-short -- -h
cli cli-version -- --version
cli cli-no-arguments -- 
cli cli-unknown-mode -- -m bogus
cli cli-unknown-mode-env PGRWL_MODE=bogus -- 
cli cli-unknown-subcommand -- bogus
cli cli-unknown-option -- --bogus
cli cli-plugins -- plugins
# every subcommand --help lists, read from the Commands: section
SUBCOMMANDS=$(sed -n '/^Commands:/,$p' "$OUT/cli-help.txt" | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
echo "$SUBCOMMANDS" >"$OUT/cli-subcommands.txt"; record cli-subcommands.txt
for s in $SUBCOMMANDS; do
  cli "cli-$s-help" -- "$s" --help
  cli "cli-$s-version" -- "$s" --version
done
cli cli-daemon-no-mode -- daemon
cli cli-restore-command-no-args -- restore-command

step "CLI: validate"
mkdir -p "$WORK/cfg"
V="$WORK/cfg"
cat >"$V/receive.yml" <<EOF
main:
  listen_address: 127.0.0.1
  listen_port: $RECV_PORT
  directory: $WORK/wal
receiver:
  slot: pgrwl_capture
storage:
  name: local
  local:
    directory: $WORK/archive
  compression:
    algo: zstd
  encryption:
    algo: aes-256-gcm
    pass: \${PGRWL_CAPTURE_PASS}
  uploader:
    sync_interval: 1h    # no periodic scan (and no timing-dependent "upload backlog" line) during the run
metrics:
  enable: true
log:
  format: json
EOF
sed 's/format: json/format: text/' "$V/receive.yml" >"$V/receive-text.yml"
cat >"$V/serve.yml" <<EOF
main:
  listen_port: $SERVE_PORT
  directory: $WORK/wal
storage:
  name: local
  local:
    directory: $WORK/archive
  compression:
    algo: zstd
  encryption:
    algo: aes-256-gcm
    pass: \${PGRWL_CAPTURE_PASS}
serve:
  prefetch: 2
metrics:
  enable: true
log:
  format: json
EOF
cat >"$V/serve-auth.yml" <<EOF
main:
  listen_address: 127.0.0.1
  listen_port: $AUTH_PORT
  directory: $WORK/wal
  auth_token: \${PGRWL_CAPTURE_TOKEN}
storage:
  name: local
  local:
    directory: $WORK/archive
  compression:
    algo: zstd
  encryption:
    algo: aes-256-gcm
    pass: \${PGRWL_CAPTURE_PASS}
serve:
  prefetch: 0
metrics:
  enable: true
log:
  format: text
EOF
# port conflict: serve mode on the port the first serve run holds
sed "s/listen_port: .*/listen_port: $SERVE_PORT/; s/^main:/main:\n  listen_address: 127.0.0.1/" "$V/serve.yml" \
  | sed "s/format: json/format: text/" >"$V/serve-port-taken.yml"

bad() { cat >"$V/$1"; }
bad unknown-key.yml <<EOF
main:
  directory: $WORK/v-dir
  listen_prot: 7070
receiver:
  slot: s
  slott: s
EOF
bad wrong-type.yml <<EOF
main:
  directory: $WORK/v-dir
  listen_port: seventy
receiver:
  slot: s
  create_slot: maybe
  status_interval: 10 parsecs
metrics:
  enable: 3
EOF
bad missing-directory.yml <<EOF
main:
  listen_port: 7070
receiver:
  slot: s
EOF
bad unset-var.yml <<EOF
main:
  directory: $WORK/v-dir
receiver:
  slot: \${PGRWL_CAPTURE_UNSET_VARIABLE}
EOF
bad unknown-storage.yml <<EOF
main:
  directory: $WORK/v-dir
receiver:
  slot: s
storage:
  name: nosuch
EOF
bad unknown-codec.yml <<EOF
main:
  directory: $WORK/v-dir
receiver:
  slot: s
storage:
  name: local
  local:
    directory: $WORK/v-archive
  compression:
    algo: lz4
EOF
bad s3-unknown-key.yml <<EOF
main:
  directory: $WORK/v-dir
receiver:
  slot: s
storage:
  name: s3
  s3:
    urll: http://127.0.0.1:$CLOSED_PORT
    bucket: b
    access_key_id: a
    secret_access_key: \${PGRWL_CAPTURE_PASS}
EOF
bad s3-missing-url.yml <<EOF
main:
  directory: $WORK/v-dir
receiver:
  slot: s
storage:
  name: s3
  s3:
    bucket: 5
    region: [a, b]
EOF
bad s3-unreachable.yml <<EOF
main:
  directory: $WORK/v-dir
receiver:
  slot: s
storage:
  name: s3
  s3:
    url: http://127.0.0.1:$CLOSED_PORT
    bucket: b
    access_key_id: a
    secret_access_key: \${PGRWL_CAPTURE_PASS}
EOF
bad unknown-section.yml <<EOF
main:
  directory: $WORK/v-dir
receiver:
  slot: s
storage:
  s4:
    a: 1
EOF
bad many-errors.json <<EOF
{"main": {"directory": "$WORK/v-dir", "auth_token": "short"}, "receiver": {"slot": "Bad-Slot"},
 "log": {"format": "xml", "level": "loud"}, "storage": {"retention": {"enable": true},
 "encryption": {"algo": "aes-256-gcm"}}}
EOF
printf 'main: [unclosed\n' >"$V/broken.yml"
printf 'main:\n  directory: %s\n' "$WORK/v-dir" >"$V/serve-minimal.yml"

# validate NAME CONFIG [MODE] [ENV...]: also records which directories validate created (a side effect)
validate() {
  local name=$1 cfg=$2 mode=${3:-}; shift; shift; [ $# -gt 0 ] && shift
  rm -rf "$WORK/v-dir" "$WORK/v-archive" "$WORK/wal" "$WORK/archive"
  local before; before=$(ls -A "$WORK" | sort)
  cli "$name" PGRWL_CAPTURE_PASS="$SECRET_PASS" "$@" -- validate -c "$cfg" ${mode:+-m "$mode"}
  local created; created=$(comm -13 <(echo "$before") <(ls -A "$WORK" | sort) | grep -v '^cli\.' | tr '\n' ' ')
  echo "--- directories created in <WORK> by validate: ${created:-none}" >>"$OUT/$name.txt"
}
validate validate-receive-ok "$V/receive.yml"
validate validate-receive-ok-mode "$V/receive.yml" receive
validate validate-serve-ok "$V/serve.yml" serve
validate validate-serve-auth-ok "$V/serve-auth.yml" serve PGRWL_CAPTURE_TOKEN="$TOKEN"
validate validate-serve-minimal "$V/serve-minimal.yml" serve
validate validate-serve-minimal-as-receive "$V/serve-minimal.yml"
validate validate-unknown-key "$V/unknown-key.yml"
validate validate-wrong-type "$V/wrong-type.yml"
validate validate-missing-directory "$V/missing-directory.yml"
validate validate-unset-variable "$V/unset-var.yml"
validate validate-unknown-storage "$V/unknown-storage.yml"
validate validate-unknown-codec "$V/unknown-codec.yml"
validate validate-s3-unknown-key "$V/s3-unknown-key.yml"
validate validate-s3-missing-url "$V/s3-missing-url.yml"
validate validate-s3-unreachable "$V/s3-unreachable.yml"
validate validate-unknown-section "$V/unknown-section.yml"
validate validate-many-errors "$V/many-errors.json"
validate validate-broken-yaml "$V/broken.yml"
validate validate-missing-file "$V/does-not-exist.yml"
validate validate-unknown-mode "$V/receive.yml" bogus
validate validate-serve-auth-unset-token "$V/serve-auth.yml" serve
rm -rf "$WORK/v-dir" "$WORK/v-archive"
cli validate-env-only PGRWL_MAIN_DIRECTORY="$WORK/v-dir" PGRWL_RECEIVER_SLOT=envslot -- validate
cli validate-env-override PGRWL_CAPTURE_PASS="$SECRET_PASS" PGRWL_RECEIVER_SLOT=Bad-Slot -- validate -c "$V/receive.yml"
cli validate-no-config -- validate
rm -rf "$WORK/v-dir" "$WORK/v-archive" "$WORK/wal" "$WORK/archive"

# ------------------------------------------------------------------ PostgreSQL

step "PostgreSQL 15 on 127.0.0.1:$PGPORT"
mkdir -p "$WORK/pg"; chown postgres "$WORK/pg"
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg/data" -U postgres --auth=trust --no-sync --wal-segsize=1 \
  >"$WORK/pg/initdb.log" 2>&1 || die "initdb failed: $(cat "$WORK/pg/initdb.log")"
cat >>"$WORK/pg/data/postgresql.auto.conf" <<EOF
port = $PGPORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK/pg'
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
fsync = off
autovacuum = off
EOF
# replication from 127.0.0.1 without a password (initdb --auth=trust writes it; made explicit here)
grep -q '^host *replication *all *127.0.0.1/32 *trust' "$WORK/pg/data/pg_hba.conf" \
  || echo "host replication all 127.0.0.1/32 trust" >>"$WORK/pg/data/pg_hba.conf"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/server.log" -w -t 60 start >/dev/null \
  || die "PostgreSQL did not start: $(tail -20 "$WORK/pg/server.log")"
PG_STARTED=1
SYSID=$(runuser -u postgres -- "$PGBIN/pg_controldata" -D "$WORK/pg/data" | sed -n 's/^Database system identifier: *//p')
export N_SYSID="$SYSID"
psql_ -c "create table t (a int, b text)" || die "psql failed"

# one write burst: rows, then a segment switch
burst() { psql_ -c "insert into t select g, md5(g::text) from generate_series(1, 3000) g" -c "select pg_switch_wal()" >/dev/null; }
# a little WAL after the last switch, so that a .partial segment exists (and is what a stop leaves behind)
tail_wal() {
  psql_ -c "insert into t values (0, 'tail')" >/dev/null
  wait_for "a .partial segment in main.directory" 60 sh -c "ls '$WORK/wal' | grep -q '\.partial\$'"
  wait_for "flushed = server WAL end = current LSN" 60 flushed_to_current "$1"
}
flushed_to_current() {
  local lsn; lsn=$(psql_ -c "select pg_current_wal_lsn()")
  py_status "$1/api/v1/status" "s['receiver']['flushed_lsn'] == '$lsn' and s['receiver']['lag_bytes'] == 0"
}

PGENV=(PGHOST=127.0.0.1 PGPORT="$PGPORT" PGUSER=postgres PGRWL_CAPTURE_PASS="$SECRET_PASS")

# ------------------------------------------------------------------ 2. receive mode (json log)

step "receive mode, json log"
R="http://127.0.0.1:$RECV_PORT"
start_pgrwl receive-json "${PGENV[@]}" -- -c "$V/receive.yml" -m receive
wait_for "receive mode /healthz" 60 http_ok "$R/healthz"
wait_for "receive mode ready (/health/ready 200)" 60 http_ok "$R/health/ready"
for _ in 1 2 3 4; do burst; done
wait_for "4 segments archived, nothing waiting" 90 py_status "$R/api/v1/status" \
  's["receiver"]["segments_completed"] >= 4 and s["uploader"]["uploaded"] >= s["receiver"]["segments_completed"] and s["uploader"]["backlog_files"] == 0'
tail_wal "$R"
for route in api/v1/status api/v1/config api/v1/redacted-config api/v1/brief-config api/v1/wals \
             health health/live health/ready healthz metrics; do
  http "receive-GET-${route//\//-}" GET "$R/$route"
done
http receive-GET-not-a-route GET "$R/api/v1/does-not-exist"
http receive-GET-root GET "$R/"
http receive-POST-status POST "$R/api/v1/status"
SEG1=$(cd "$WORK/archive/wal-archive" 2>/dev/null && ls | sort | head -1); SEG1=${SEG1%%.*}
http receive-GET-api-v1-wal-archived GET "$R/api/v1/wal/$SEG1"
mkdir -p "$WORK/restore-from-receive"
restore restore-command-against-receive-mode "$WORK/restore-from-receive/RECOVERYXLOG" -- \
  restore-command --serve-addr "127.0.0.1:$RECV_PORT" "$SEG1" "$WORK/restore-from-receive/RECOVERYXLOG"
stop_pgrwl receive-json
logs receive-json json
files files-after-receive-json

# ------------------------------------------------------------------ 2b. receive mode again (text log), same directory

step "receive mode, text log (restart over the same directory and slot)"
start_pgrwl receive-text "${PGENV[@]}" -- -c "$V/receive-text.yml" -m receive
wait_for "receive mode /healthz" 60 http_ok "$R/healthz"
wait_for "receive mode ready" 60 http_ok "$R/health/ready"
burst
wait_for "1 more segment archived" 90 py_status "$R/api/v1/status" \
  's["receiver"]["segments_completed"] >= 1 and s["uploader"]["uploaded"] >= 1 and s["uploader"]["backlog_files"] == 0'
tail_wal "$R"
http receive-text-GET-api-v1-status GET "$R/api/v1/status"
stop_pgrwl receive-text
logs receive-text text
files files-after-receive-text

# the archive's first objects, the newest .partial and the digests the uploader logged
SEG1=$(cd "$WORK/archive/wal-archive" 2>/dev/null && ls | sort | sed -n 1p); SEG1=${SEG1%%.*}
SEG2=$(cd "$WORK/archive/wal-archive" 2>/dev/null && ls | sort | sed -n 2p); SEG2=${SEG2%%.*}
PARTIAL=$(cd "$WORK/wal" 2>/dev/null && ls | grep '\.partial$' | sort | tail -1); PARTIAL=${PARTIAL%.partial}
if [ -z "$SEG1" ] || [ -z "$SEG2" ] || [ -z "$PARTIAL" ]; then   # keep going: the captures below will show it
  echo "capture.sh: WARNING: no two archived segments or no .partial; using placeholder names" >&2
  echo "no two archived segments or no .partial segment after receive mode" >>"$OUT/TIMEOUTS.txt"; record TIMEOUTS.txt
  SEG1=${SEG1:-000000010000000000000001}; SEG2=${SEG2:-000000010000000000000002}; PARTIAL=${PARTIAL:-000000010000000000000003}
fi
uploaded_sha() { cat "$WORK"/receive-*.stderr | grep -o "archived $1 as [^;]*; WAL sha256 [0-9a-f]*" | awk '{print $NF}' | head -1; }
MISSING=000000010000000000000FFE

# ------------------------------------------------------------------ 3. serve mode

step "serve mode"
S="http://127.0.0.1:$SERVE_PORT"
start_pgrwl serve "${PGENV[@]}" -- -c "$V/serve.yml" -m serve
wait_for "serve mode /healthz" 60 http_ok "$S/healthz"
wait_for "serve mode ready" 60 http_ok "$S/health/ready"
http serve-GET-api-v1-status-first GET "$S/api/v1/status"
http serve-HEAD-wal-archived HEAD "$S/api/v1/wal/$SEG1"
http serve-GET-wal-archived GET "$S/api/v1/wal/$SEG1"
SHA_SEG1=$BODY_SHA
echo "sha256 of the body equals the WAL sha256 the uploader logged for it: $([ "$SHA_SEG1" = "$(uploaded_sha "$SEG1")" ] && echo yes || echo NO)" \
  >>"$OUT/serve-GET-wal-archived.txt"
http serve-GET-go-route-wal GET "$S/wal/$SEG2"
SHA_SEG2=$BODY_SHA
echo "sha256 of the body equals the WAL sha256 the uploader logged for it: $([ "$BODY_SHA" = "$(uploaded_sha "$SEG2")" ] && echo yes || echo NO)" \
  >>"$OUT/serve-GET-go-route-wal.txt"
http serve-GET-wal-partial-by-name GET "$S/api/v1/wal/$PARTIAL"
SHA_PARTIAL=$BODY_SHA
http serve-GET-wal-partial-suffix GET "$S/api/v1/wal/$PARTIAL.partial"
http serve-HEAD-wal-missing HEAD "$S/api/v1/wal/$MISSING"
http serve-GET-wal-missing GET "$S/api/v1/wal/$MISSING"
http serve-GET-history-missing GET "$S/api/v1/wal/00000002.history"
http serve-GET-wal-bad-name GET "$S/api/v1/wal/bad..name"
http serve-GET-wal-bad-traversal GET "$S/api/v1/wal/..%2F..%2Fetc%2Fpasswd"
http serve-GET-wal-bad-lowercase GET "$S/api/v1/wal/0000000100000000000000ff"
http serve-GET-wal-bad-suffix GET "$S/api/v1/wal/$SEG1.zst.aes"
http serve-GET-go-route-bad-name GET "$S/wal/bad..name"
for route in api/v1/config api/v1/brief-config api/v1/wals health health/live health/ready healthz; do
  http "serve-GET-${route//\//-}" GET "$S/$route"
done
http serve-GET-not-a-route GET "$S/api/v1/does-not-exist"

mkdir -p "$WORK/restore"
EXPECT_SHA=$SHA_SEG1 restore restore-command-archived "$WORK/restore/RECOVERYXLOG" -- \
  restore-command --serve-addr "127.0.0.1:$SERVE_PORT" "$SEG1" "$WORK/restore/RECOVERYXLOG"
EXPECT_SHA=$SHA_SEG2 restore restore-command-colon-port "$WORK/restore/seg2" -- \
  restore-command --serve-addr ":$SERVE_PORT" "$SEG2" "$WORK/restore/seg2"
EXPECT_SHA=$SHA_PARTIAL restore restore-command-url "$WORK/restore/partial" -- \
  restore-command "--serve-addr=http://127.0.0.1:$SERVE_PORT" "$PARTIAL" "$WORK/restore/partial"
restore restore-command-missing "$WORK/restore/missing" -- \
  restore-command --serve-addr "127.0.0.1:$SERVE_PORT" "$MISSING" "$WORK/restore/missing"
restore restore-command-bad-name "$WORK/restore/bad" -- \
  restore-command --serve-addr "127.0.0.1:$SERVE_PORT" bad..name "$WORK/restore/bad"
CLI_SORT_STDERR=1 restore restore-command-unreachable "$WORK/restore/unreachable" -- \
  restore-command --serve-addr "127.0.0.1:$CLOSED_PORT" --timeout 2s "$SEG1" "$WORK/restore/unreachable"
restore restore-command-bad-timeout "$WORK/restore/x" -- \
  restore-command --serve-addr "127.0.0.1:$SERVE_PORT" --timeout soon "$SEG1" "$WORK/restore/x"
# Helidon logs its feature list from another thread: whether it gets out before the exit varies
CLI_SORT_STDERR=1 CLI_DROP_STDERR='\[HelidonFeatures\]' cli serve-port-taken "${PGENV[@]}" -- -c "$V/serve-port-taken.yml" -m serve
http serve-GET-api-v1-status-last GET "$S/api/v1/status"
http serve-GET-metrics GET "$S/metrics"
stop_pgrwl serve
logs serve json

# ------------------------------------------------------------------ 3b. serve mode with main.auth_token

step "serve mode with main.auth_token"
A="http://127.0.0.1:$AUTH_PORT"
start_pgrwl serve-auth "${PGENV[@]}" PGRWL_CAPTURE_TOKEN="$TOKEN" -- -c "$V/serve-auth.yml" -m serve
wait_for "serve mode (token) /healthz" 60 http_ok "$A/healthz"
http auth-GET-status-no-token GET "$A/api/v1/status"
http auth-GET-status-wrong-token GET "$A/api/v1/status" -H "Authorization: Bearer wrong-token-wrong-token"
http auth-GET-status-basic-auth GET "$A/api/v1/status" -u "user:$TOKEN"
http auth-GET-status-token GET "$A/api/v1/status" -H "Authorization: Bearer $TOKEN"
http auth-GET-wal-no-token GET "$A/api/v1/wal/$SEG1"
http auth-GET-wal-token GET "$A/api/v1/wal/$SEG1" -H "Authorization: Bearer $TOKEN"
http auth-GET-metrics-no-token GET "$A/metrics"
http auth-GET-config-token GET "$A/api/v1/config" -H "Authorization: Bearer $TOKEN"
for route in health health/live health/ready healthz; do
  http "auth-GET-${route//\//-}-no-token" GET "$A/$route"
done
http auth-GET-not-a-route-no-token GET "$A/api/v1/does-not-exist"
printf '%s\n' "$TOKEN" >"$WORK/token"; chmod 600 "$WORK/token"
printf 'wrong-token-wrong-token\n' >"$WORK/wrong-token"
restore restore-command-auth-no-token "$WORK/restore/auth-none" -- \
  restore-command --serve-addr "127.0.0.1:$AUTH_PORT" "$SEG1" "$WORK/restore/auth-none"
EXPECT_SHA=$SHA_SEG1 restore restore-command-auth-env "$WORK/restore/auth-env" PGRWL_AUTH_TOKEN="$TOKEN" -- \
  restore-command --serve-addr "127.0.0.1:$AUTH_PORT" "$SEG1" "$WORK/restore/auth-env"
EXPECT_SHA=$SHA_SEG1 restore restore-command-auth-token-file "$WORK/restore/auth-file" -- \
  restore-command --serve-addr "127.0.0.1:$AUTH_PORT" --token-file "$WORK/token" "$SEG1" "$WORK/restore/auth-file"
restore restore-command-auth-wrong-token-file "$WORK/restore/auth-wrong" -- \
  restore-command --serve-addr "127.0.0.1:$AUTH_PORT" --token-file "$WORK/wrong-token" "$SEG1" "$WORK/restore/auth-wrong"
stop_pgrwl serve-auth
logs serve-auth text

# ------------------------------------------------------------------ secrets, index

step "secrets check, index"
{
  echo "the encryption pass and the bearer token, searched in every raw log and output of this run:"
  for f in "$WORK"/*.stderr "$WORK"/*.stdout; do
    n=$(grep -c -F -e "$SECRET_PASS" -e "$TOKEN" "$f")
    echo "$(basename "$f"): $([ "$n" = 0 ] && echo "no secret" || echo "SECRET FOUND in $n lines")"
  done
  n=$(grep -rl -F '<LEAKED-SECRET>' "$OUT" | wc -l)
  echo "captured files with a secret (shown as <LEAKED-SECRET>): $n"
} >"$OUT/secrets-check.txt"
record secrets-check.txt
{
  echo "pgrwl behaviour capture: $(norm text <<<"$IMAGE")"
  echo "files (one per captured output):"
  printf '%s\n' "${INDEX[@]}" | sort -u
} >"$OUT/INDEX.txt"
step "done: $(ls "$OUT" | wc -l) files in $OUT"
