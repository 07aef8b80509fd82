#!/usr/bin/env bash
# Builds PostgreSQL MAJOR from Debian's source package into CACHE/MAJOR (bin/, lib/, share/) unless it is there.
# Debian bookworm ships only PostgreSQL 15's binaries; the version tests (README "PostgreSQL versions") also run 17
# and 18. The build is kept outside the clone, so a second CI run on the same machine builds nothing.
#
#   .ci/build-postgres.sh 17 [CACHE]     CACHE defaults to $PGRWL_PG_CACHE or /var/cache/pgrwl/postgresql
set -euo pipefail
major="$1"
cache="${2:-${PGRWL_PG_CACHE:-/var/cache/pgrwl/postgresql}}"
prefix="$cache/$major"
if [ -x "$prefix/bin/initdb" ] && [ -f "$prefix/.complete" ]; then
  echo "ci: PostgreSQL $major: $prefix (cached)"
  exit 0
fi
# the upstream tarballs of Debian's source packages (trixie's postgresql-17, sid's postgresql-18), pinned with the
# SHA-256 their .dsc files list
case "$major" in
  17) version=17.11; sha256=dd27f2b3c59e73ed14aa3324901242bf69a032a6347805f274e6260322d42979 ;;
  18) version=18.6; sha256=555610c24d53e4316da5b7d3fc25c279d96856d5e0e23ee308c328c5fa881d9f ;;
  *) echo "ci: no source tarball pinned for PostgreSQL $major" >&2; exit 1 ;;
esac
for tool in gcc make bison flex perl curl; do
  if ! command -v "$tool" >/dev/null; then
    echo "ci: building PostgreSQL $major needs $tool (apt-get install build-essential bison flex curl)" >&2
    exit 1
  fi
done

tarball="postgresql-${major}_$version.orig.tar.bz2"
mkdir -p "$cache/src"
if ! echo "$sha256  $cache/src/$tarball" | sha256sum -c --status 2>/dev/null; then
  curl -sSf -o "$cache/src/$tarball.tmp" "http://deb.debian.org/debian/pool/main/p/postgresql-$major/$tarball"
  echo "$sha256  $cache/src/$tarball.tmp" | sha256sum -c --status || {
    echo "ci: $tarball does not have the pinned SHA-256 $sha256" >&2; exit 1; }
  mv "$cache/src/$tarball.tmp" "$cache/src/$tarball"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/pgrwl-pg$major.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "ci: PostgreSQL $major: building $version into $prefix (a few minutes)"
mkdir -p "$work/src"
tar -xf "$cache/src/$tarball" -C "$work/src" --strip-components=1
cd "$work/src"
# what the tests use: the server, the client programs, OpenSSL for TLS; no ICU, readline or LLVM; -O1 compiles
# about a third faster than the default -O2 and runs the tests' small loads as well
CFLAGS=-O1 ./configure -q --prefix="$prefix" --without-icu --without-readline --with-openssl --without-llvm \
  > "$work/configure.log" 2>&1 || { tail -30 "$work/configure.log" >&2; exit 1; }
make -s -j"$(nproc)" install > "$work/make.log" 2>&1 || { tail -40 "$work/make.log" >&2; exit 1; }
touch "$prefix/.complete"
"$prefix/bin/postgres" --version
