#!/usr/bin/env bash
# The demo: a few sample services supervised by our runsv (one runsv per service, as runsvdir
# will start them), their status shown with sv, then everything told to exit.
set -euo pipefail
bin=${1:-artifacts/bin}
demo=$(mktemp -d /tmp/init-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT
cp -r "$(dirname "$0")/services/." "$demo/"
chmod +x "$demo"/*/run "$demo"/*/log/run 2>/dev/null || true
pids=()
for svc in "$demo"/*/; do
    "$bin/runsv" "$svc" & pids+=($!)
done
sleep 2
echo "--- sv status (runit's sv where installed, reading our supervise/ files)"
SV=$(command -v sv || echo "$bin/sv")
"$SV" status "$demo"/*/ || true
echo "--- supervise/stat"
for svc in "$demo"/*/; do printf '%s: %s' "$(basename "$svc")" "$(cat "$svc/supervise/stat")"; done
echo "--- exit"
for svc in "$demo"/*/; do printf x > "$svc/supervise/control"; [ -d "$svc/log" ] && printf x > "$svc/log/supervise/control" || true; done
wait "${pids[@]}"
echo "all runsv exited"
