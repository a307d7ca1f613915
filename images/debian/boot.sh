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
cpu=(-accel tcg -cpu max)
if [ "${INIT_QEMU_ACCEL:-}" != tcg ] && [ -w /dev/kvm ] && qemu-system-x86_64 -accel kvm -cpu host -machine none -nographic -S -monitor none -serial none </dev/null >/dev/null 2>&1 & sleep 1; kill $! 2>/dev/null; wait $! 2>/dev/null; [ $? -eq 143 ]; then
    cpu=(-accel kvm -cpu host)
fi
exec timeout -s KILL "${QEMU_TIMEOUT:-300}" qemu-system-x86_64 \
    -machine q35 "${cpu[@]}" -m 1G -smp 2 \
    -nographic -no-reboot \
    -drive "file=$image,format=raw,if=virtio" \
    -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 root=/dev/vda ro init=/usr/sbin/init panic=-1 quiet loglevel=3 $*"
