#!/usr/bin/env bash
# Boots artifacts/debian/debian.img under QEMU with Debian's kernel and initramfs (for virtio and
# ext4), root=/dev/vda and Init as init=; serial console on stdio. KVM when /dev/kvm is usable.
#   images/debian/boot.sh [extra kernel command line...]
# Example: images/debian/boot.sh selftest=poweroff   (boot, self-test, power off)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
image=${INIT_DEBIAN_IMAGE:-$here/../../artifacts/debian/debian.img}
kernel=${INIT_KERNEL:-$(ls -1 /boot/vmlinuz-* | sort -V | tail -n 1)}
initrd=${INIT_INITRD:-/boot/initrd.img-${kernel#/boot/vmlinuz-}}
[ -f "$image" ] || { echo "no image $image: run images/debian/build.sh first" >&2; exit 1; }
# KVM (with the host's CPU) where it works, else software emulation (INIT_QEMU_ACCEL=tcg forces it).
kvm_works() {
    [ "${INIT_QEMU_ACCEL:-}" != tcg ] && [ -w /dev/kvm ] || return 1
    # Started paused (-S): still running a second later means KVM took it (a nested one may abort).
    (
        qemu-system-x86_64 -accel kvm -cpu host -machine q35 -nographic -S -monitor none -serial none -display none </dev/null >/dev/null 2>&1 &
        probe=$!
        sleep 1
        kill "$probe" 2>/dev/null || exit 1
        wait "$probe"
        exit 0
    ) 2>/dev/null
}
cpu=(-accel tcg -cpu max)
kvm_works && cpu=(-accel kvm -cpu host)
echo "boot.sh: qemu ${cpu[*]}" >&2
exec timeout -s KILL "${QEMU_TIMEOUT:-300}" qemu-system-x86_64 \
    -machine q35 "${cpu[@]}" -m 1G -smp 2 \
    -nographic -no-reboot \
    -drive "file=$image,format=raw,if=virtio" \
    -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 root=/dev/vda ro init=/usr/sbin/init panic=-1 quiet loglevel=3 $*"
