#!/usr/bin/env bash
# Boots an initramfs built by build-initramfs.sh under QEMU (software emulation, serial console
# on stdio, -no-reboot so a reboot ends QEMU too).
#   images/boot.sh [VARIANT] [extra kernel command line...]
# VARIANT: builtin (default) or runit. Environment: INIT_KERNEL (default: newest /boot/vmlinuz-*),
# QEMU_MONITOR (a unix socket path for the monitor, e.g. to send ctrl-alt-delete),
# INIT_PATH (the init the kernel starts; default /sbin/init), QEMU_TIMEOUT (seconds, default 120).
# Without kernel arguments: demo=poweroff init.StopGraceSeconds=2 STOP_WAIT=2 (boot, show, power off).
# Example: images/boot.sh runit demo=reboot
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
variant=${1:-builtin}
shift || true
# No kernel arguments: the demo (all services up, sv status, poweroff with a 2 s grace).
[ $# -gt 0 ] || set -- demo=poweroff init.StopGraceSeconds=2 STOP_WAIT=2
image=$here/../artifacts/image/initramfs-$variant.cpio.gz
kernel=${INIT_KERNEL:-$(ls -1 /boot/vmlinuz-* | sort -V | tail -n 1)}
[ -f "$image" ] || { echo "no image $image: run images/build-initramfs.sh first" >&2; exit 1; }
monitor=()
[ -n "${QEMU_MONITOR:-}" ] && monitor=(-monitor "unix:$QEMU_MONITOR,server,nowait")
exec timeout -s KILL "${QEMU_TIMEOUT:-120}" qemu-system-x86_64 \
    -machine q35 -accel tcg -cpu max -m 256M -smp 1 \
    -nographic -no-reboot "${monitor[@]}" \
    -kernel "$kernel" -initrd "$image" \
    -append "console=ttyS0 rdinit=${INIT_PATH:-/sbin/init} panic=-1 quiet loglevel=3 $*"
