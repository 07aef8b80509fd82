#!/bin/sh
# Builds pgrwl_<debian version>_amd64.deb from the runtime image; jlink/pom.xml runs it in the package phase.
# usage: build-deb.sh IMAGE_DIR MAVEN_VERSION DEPLOY_DIR OUT_DIR MAINTAINER
set -eu
image=$1 version=$2 deploy=$3 out=$4 maintainer=$5
src=$(dirname "$0")
umask 022

# A Debian version has no "-" unless a Debian revision follows it, and "~" sorts before anything, even the end of the
# string: 0.1.0-SNAPSHOT becomes 0.1.0~snapshot, which dpkg orders before 0.1.0, so the release upgrades a snapshot.
deb_version=$(printf '%s' "$version" | tr 'A-Z-' 'a-z~')
deb="$out/pgrwl_${deb_version}_amd64.deb"
root="$out/deb-root"

rm -rf "$root" "$deb"
mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/pgrwl"
# the image without its AOT caches: the JVM takes them only where they were made, so postinst trains them in place
cp -a "$image" "$root/opt/pgrwl"
rm -f "$root"/opt/pgrwl/lib/*.aot "$root/opt/pgrwl/lib/aot.home"
# absolute, as Debian wants links between top-level directories; the launcher follows it to find the image
ln -s /opt/pgrwl/bin/pgrwl "$root/usr/bin/pgrwl"
# the same unit as deploy/ describes for the tar.gz: both installs put the image at /opt/pgrwl
install -m 0644 "$deploy/systemd/pgrwl.service" "$root/lib/systemd/system/pgrwl.service"
install -m 0644 "$deploy/config/pgrwl.yml" "$root/etc/pgrwl/pgrwl.yml"
install -m 0600 "$src/pgrwl.env" "$root/etc/pgrwl/pgrwl.env"

install -m 0644 "$src/conffiles" "$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do
  install -m 0755 "$src/$script" "$root/DEBIAN/$script"
done
# dpkg --verify checks installed files against these; conffiles carry their own sums in dpkg's database
(cd "$root" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' | sort -z \
  | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "/^#/d" -e "s/@VERSION@/$deb_version/" -e "s/@INSTALLED_SIZE@/$installed_size/" \
  -e "s|@MAINTAINER@|$maintainer|" "$src/control" > "$root/DEBIAN/control"

# gzip -6: the image is mostly compressed already (jlink's zip-6 modules, the jars); xz made it 7 % smaller in 14 times
# the time (82 s against 6 s on 2 cores)
dpkg-deb --root-owner-group -Zgzip -z6 --build "$root" "$deb"
rm -rf "$root"
