#!/usr/bin/env bash
# The demo without a VM: our runsvdir supervises the sample services in stages/services, our sv
# shows them, then SIGHUP takes the tree down (runsvdir TERMs every runsv and exits).
set -euo pipefail
bin=$(cd "${1:-artifacts/bin}" && pwd)
demo=$(mktemp -d /tmp/init-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT
cp -r "$(dirname "$0")/services/." "$demo/"
"$bin/runsvdir" -P "$demo" & scanner=$!
for _ in $(seq 50); do
    [ "$(ls "$demo"/*/supervise/ok 2>/dev/null | wc -l)" -ge "$(ls -d "$demo"/*/ | wc -l)" ] && break
    sleep 0.1
done
sleep 1
echo "--- sv status"
"$bin/sv" status "$demo"/*/ || true
echo "--- SIGHUP to runsvdir: every runsv is told to exit"
kill -HUP "$scanner"; wait "$scanner" || true
sleep 1
"$bin/sv" status "$demo"/*/ || true
