#!/usr/bin/env bash
# firstframe.sh — time from launching the dashboard in a fresh tmux pane to
# its first full frame on screen (the key hints of its bottom line) and to
# its process table filled (the "N procs · by RSS" title).
#
# Polling the pane while memtui starts would compete with it for the CPU
# (each look is a tmux client and a grep), so each figure is found by
# launching memtui again and looking once, after 40, 50, 60 … ms, until it
# is there: "on screen by N ms", tmux's own start of the pane included. A
# pane that only prints a line is timed the same way beside it.
#
#   scripts/firstframe.sh            # 5 runs at 200x50
#   RUNS=10 W=80 H=24 scripts/firstframe.sh
#   BIN=/path/to/memtui scripts/firstframe.sh   # another build, to compare
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
W=${W:-200}
H=${H:-50}
STEP=${STEP:-10}

tmp=$(mktemp -d)
sess="firstframe-$$"
trap 'rm -rf "$tmp"' EXIT
if [ -n "${BIN:-}" ]; then
	cp "$BIN" "$tmp/memtui"
else
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/memtui" .
fi

# by CMD PATTERN: the first delay (ms) after which PATTERN is on the pane
by() {
	local cmd=$1 pattern=$2 d
	for d in $(seq 40 "$STEP" 2000); do
		local s="$sess-$RANDOM$d" # never the pane of an earlier try
		tmux new-session -d -s "$s" -x "$W" -y "$H" "$cmd" || return 1
		sleep "$(awk -v d="$d" 'BEGIN { printf "%.3f", d / 1000 }')"
		if tmux capture-pane -p -t "$s" | grep -q "$pattern"; then
			tmux kill-session -t "$s"
			echo "$d"
			return
		fi
		tmux kill-session -t "$s"
		sleep 0.2
	done
	echo "over 2000"
}

app="exec $tmp/memtui --pg none --redis none --incident-dir $tmp/incidents"
for i in $(seq "$RUNS"); do
	frame=$(by "$app" "? help")
	table=$(by "$app" "procs ·")
	pane=$(by "echo ready; sleep 5" ready)
	echo "run $i: first full frame by ${frame} ms, process table by ${table} ms (a pane printing a line: by ${pane} ms)"
done
