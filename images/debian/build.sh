#!/usr/bin/env bash
# Builds a Debian bookworm disk image booted by Init: a root filesystem from Debian's archive
# (mmdebstrap, cached in artifacts/debian/rootfs-HASH.tar until `packages` changes), Init's binary
# in /usr/sbin with its applet links, services made by `init import` from the units the
# daemons' packages ship, the self-test service, and an ssh key for root.
#   images/debian/build.sh BINDIR
# Output: artifacts/debian/debian.img (ext4, the whole disk: root=/dev/vda), rebuilt each time
# from the cached root filesystem (seconds); the notes of `init import` in artifacts/debian/import.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(cd "${1:?usage: build.sh BINDIR}" && pwd)
out=$root/artifacts/debian
mkdir -p "$out"

packages=$(grep -v '^#' "$here/packages" | tr -s ' \n' ',' | sed 's/^,//; s/,$//')
# The cache key: the package list and how mmdebstrap is called.
mmdebstrap_args=(--variant=minbase --include="$packages" bookworm)
recipe=$(printf '%s\n' "${mmdebstrap_args[@]}" | sha256sum | cut -c1-16)
rootfs=$out/rootfs-$recipe.tar
if [ ! -f "$rootfs" ]; then
    echo "building the root filesystem ($packages)"
    rm -rf "$out"/rootfs-*.tar "$out"/partial-*.tar
    # The name's .tar tells mmdebstrap the format; renamed once complete, so a half-built one is never used.
    mmdebstrap --quiet "${mmdebstrap_args[@]}" "$out/partial-$recipe.tar"
    mv "$out/partial-$recipe.tar" "$rootfs"
fi

stage=$(mktemp -d /tmp/init-debian.XXXXXX)
trap 'rm -rf "$stage"' EXIT
tar -C "$stage" -xf "$rootfs"
cp -a "$here/overlay/." "$stage/"

# Init as /usr/sbin/init with its applet links beside it, where a package installs them: on the
# PATH Debian's initramfs gives PID 1 (/sbin:/usr/sbin:/bin:/usr/bin). No package of the image has
# a file of those names (minbase has no init system).
install -m 755 "$bin/init" "$stage/usr/sbin/init"
for applet in $("$bin/init" --list); do
    [ ! -e "$stage/usr/sbin/$applet" ] || { echo "build.sh: /usr/sbin/$applet is the image's own: not replaced" >&2; exit 1; }
    ln -s init "$stage/usr/sbin/$applet"
done
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\tinit-debian\n' >"$stage/etc/hosts"

# The daemons' own units, imported; the scanned directory links them.
mkdir -p "$stage/etc/service"
: >"$out/import.txt"
for unit in ssh cron rsyslog lighttpd; do
    "$bin/init" import "$stage/lib/systemd/system/$unit.service" "$stage/etc/init/sv/$unit" | sed "s|$stage||g" >>"$out/import.txt"
    ln -s "/etc/init/sv/$unit" "$stage/etc/service/$unit"
done
ln -s /etc/init/sv/selftest "$stage/etc/service/selftest"

echo "init-debian" >"$stage/etc/hostname"
printf '/dev/vda / ext4 defaults 0 1\n' >"$stage/etc/fstab"
mkdir -p -m 700 "$stage/root/.ssh"
ssh-keygen -q -t ed25519 -N '' -C root@init-debian -f "$stage/root/.ssh/id_ed25519"
cp "$stage/root/.ssh/id_ed25519.pub" "$stage/root/.ssh/authorized_keys"
passwd -R "$stage" -d root >/dev/null   # a console login for interactive boots

rm -f "$out/debian.img"
mkfs.ext4 -q -L init-debian -d "$stage" "$out/debian.img" 1G
echo "built $out/debian.img from $(basename "$rootfs")"
