#!/usr/bin/env bash
# Builds bootable initramfs images: Debian's busybox-static for the shell tools, Init's binary
# as /sbin/init (+ its applet links), the glibc it links against, demo services and stage hooks.
#   images/build-initramfs.sh BINDIR [VARIANT...]
# VARIANT: builtin (Init's built-in stages, hooks in /etc/init) or runit (/etc/runit/1,2,3 as
# on a runit system; runit's own /sbin/runit is included so the same image boots either init).
# Output: artifacts/image/initramfs-VARIANT.cpio.gz; the kernel is Debian's /boot/vmlinuz-*.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=$(cd "${1:?usage: build-initramfs.sh BINDIR [builtin|runit]...}" && pwd)
shift
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(builtin runit)
out=$root/artifacts/image
mkdir -p "$out"

busybox=$(command -v busybox)
ours=$("$bin/init" --list)

build() {
    local variant=$1 stage
    stage=$(mktemp -d /tmp/init-image.XXXXXX)
    trap 'rm -rf "$stage"' RETURN
    mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc/init,etc/service,proc,sys,dev,run,tmp,root,lib64,lib/x86_64-linux-gnu}
    # busybox first, then Init's links over it where names collide (poweroff, reboot, halt...).
    cp "$busybox" "$stage/bin/busybox"
    for a in $("$busybox" --list); do [ "$a" = busybox ] || ln -sf busybox "$stage/bin/$a"; done
    cp "$bin/init" "$stage/sbin/init"
    for a in $ours; do ln -sf ../sbin/init "$stage/bin/$a"; done
    # runit's tools where Init has none (yet), and runit itself with its own tools in
    # /usr/lib/runit/bin for side-by-side runs (the runit stage scripts put them first in PATH
    # when runit is PID 1).
    mkdir -p "$stage/usr/lib/runit/bin"
    for t in sv runsvdir runsv; do
        [ -e "$stage/bin/$t" ] || cp "/usr/bin/$t" "$stage/usr/bin/$t"
        cp "/usr/bin/$t" "$stage/usr/lib/runit/bin/$t"
    done
    cp /sbin/runit "$stage/sbin/runit"
    # The C library our binary and runit's tools link against.
    for lib in $(ldd "$bin/init" /sbin/runit /usr/bin/sv /usr/bin/runsvdir /usr/bin/runsv | awk '/=>/ {print $3} /ld-linux/ {print $1}' | sort -u); do
        mkdir -p "$stage$(dirname "$lib")"
        cp -L "$lib" "$stage$lib"
    done
    mknod -m 600 "$stage/dev/console" c 5 1
    mknod -m 666 "$stage/dev/null" c 1 3
    echo "init-demo" >"$stage/etc/hostname"
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$stage/etc/passwd"
    printf 'root:x:0:\ntty:x:5:\n' >"$stage/etc/group"
    # Demo services: the repository's samples plus the image's (a TERM-ignoring one, a reporter).
    cp -r "$root/stages/services/." "$here/services/." "$stage/etc/service/"
    chmod +x "$stage"/etc/service/*/run "$stage"/etc/service/*/log/run 2>/dev/null || true
    # demo=cgroup's script (the report service runs it): limits, OOM and a failing spawn.
    install -m 755 "$here/cgroup-demo/cgroup-demo" "$stage/etc/init/cgroup-demo"
    case $variant in
        builtin)
            cp "$root/stages/1" "$root/stages/2" "$root/stages/3" "$stage/etc/init/"
            ;;
        runit)
            mkdir -p "$stage/etc/runit"
            cp "$root"/stages/runit/{1,2,3,ctrlaltdel} "$stage/etc/runit/"
            ;;
        *) echo "unknown variant: $variant" >&2; return 1 ;;
    esac
    (cd "$stage" && find . -print0 | sort -z | cpio --null -o -H newc --quiet) | gzip -1 >"$out/initramfs-$variant.cpio.gz"
    echo "built $out/initramfs-$variant.cpio.gz ($(du -k "$out/initramfs-$variant.cpio.gz" | cut -f1) KiB)"
}

for v in "${variants[@]}"; do build "$v"; done
