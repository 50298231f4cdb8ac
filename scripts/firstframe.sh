#!/usr/bin/env bash
# firstframe.sh — time from launching the dashboard in a fresh tmux pane to
# its first full frame on screen (the key hints of its bottom line), and to
# its process table filled (the "N procs · by RSS" title), RUNS times.
# tmux's own cost is included; a pane that prints a line is timed beside.
#
#   scripts/firstframe.sh            # 5 runs at 200x50
#   RUNS=10 W=80 H=24 scripts/firstframe.sh
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
W=${W:-200}
H=${H:-50}

tmp=$(mktemp -d)
sess="firstframe-$$"
trap 'tmux kill-session -t "$sess" 2>/dev/null || true; rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/memtui" .

ms() { echo $(($(date +%s%N) / 1000000)); }

# until PATTERN is on the pane's screen; prints the milliseconds since $1
wait_for() {
	local t0=$1 pattern=$2
	for _ in $(seq 2000); do
		if tmux capture-pane -p -t "$sess" 2>/dev/null | grep -q "$pattern"; then
			echo $(($(ms) - t0))
			return
		fi
		sleep 0.005
	done
	echo "timeout"
}

for i in $(seq "$RUNS"); do
	t0=$(ms)
	tmux new-session -d -s "$sess" -x "$W" -y "$H" "echo ready; sleep 5"
	tmuxms=$(wait_for "$t0" ready)
	tmux kill-session -t "$sess"
	t0=$(ms)
	tmux new-session -d -s "$sess" -x "$W" -y "$H" \
		"exec $tmp/memtui --pg none --redis none --incident-dir $tmp/incidents"
	frame=$(wait_for "$t0" "? help")
	table=$(wait_for "$t0" "procs ·")
	tmux kill-session -t "$sess"
	echo "run $i: first full frame after ${frame} ms, process table after ${table} ms (a pane printing a line: ${tmuxms} ms)"
	sleep 1
done
