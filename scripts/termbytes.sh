#!/bin/sh
# termbytes.sh — bytes per second a program writes to its terminal.
#
# Runs the command in a detached tmux pane of WxH, lets it settle, then
# records the pane's output stream (tmux pipe-pane) for SECONDS and prints
# bytes/second. With PROCS>0 it first starts that many `sleep` children so
# the process table is as large as on a busy host, and kills them after.
#
#   scripts/termbytes.sh                       # memtui, 200x50, 30 s, 2000 procs
#   scripts/termbytes.sh htop -d 10            # the same for htop (1 s refresh)
#   W=80 H=24 SECONDS_=10 PROCS=0 scripts/termbytes.sh ./memtui --pg none
#   KEEP=/tmp/stream scripts/termbytes.sh      # also keep the raw stream
#
# Needs tmux. The default command is a memtui built from this tree.
set -eu

W=${W:-200}
H=${H:-50}
DUR=${SECONDS_:-30}
SETTLE=${SETTLE:-5}
PROCS=${PROCS:-2000}

cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
sess="termbytes-$$"
pids=""
cleanup() {
	tmux kill-session -t "$sess" 2>/dev/null || true
	# Only the sleeps this script started, by their pid.
	[ -n "$pids" ] && kill $pids 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

if [ $# -eq 0 ]; then
	go build -o "$tmp/memtui" . || exit 1
	set -- "$tmp/memtui" --pg none
fi

i=0
while [ "$i" -lt "$PROCS" ]; do
	sleep 600 &
	pids="$pids $!"
	i=$((i + 1))
done

tmux new-session -d -s "$sess" -x "$W" -y "$H" "$*"
tmux resize-window -t "$sess" -x "$W" -y "$H" 2>/dev/null || true
sleep "$SETTLE"
tmux pipe-pane -o -t "$sess" "cat >> $tmp/out"
sleep "$DUR"
tmux pipe-pane -t "$sess"
bytes=$(wc -c < "$tmp/out")
[ -n "${KEEP:-}" ] && cp "$tmp/out" "$KEEP"
echo "$* · ${W}x${H} · ${PROCS} extra processes · ${DUR} s: $bytes bytes, $((bytes / DUR)) B/s"
