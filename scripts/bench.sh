#!/usr/bin/env bash
# bench.sh — memtui's own cost against htop, btop and top, measured in one
# run on this machine (docs/PERFORMANCE.md has the method).
#
# For each process count it starts that many idle `sleep` children, then
# runs each tool in turn in a detached WxH tmux pane with a 1 s refresh,
# sorted by memory: after SETTLE seconds it measures for DUR seconds the
# tool's CPU (utime+stime of the tool and its children, /proc/PID/stat),
# its RSS at the end (/proc/PID/status VmRSS) and the bytes it wrote to the
# terminal (tmux pipe-pane). `memtui watch` runs headless beside them.
# `floor` is scripts/floor, the smallest dashboard on memtui's required
# stack (a chart and a line of text): what that stack costs before memtui
# does any work of its own. It prints a markdown table, memtui's ratios to
# each other tool, and the floor's RSS against htop's.
#
#   scripts/bench.sh                        # 2,000 and 10,000 processes, 30 s each
#   PROCS="2000" DUR=10 scripts/bench.sh    # quicker
#   TOOLS="memtui htop" scripts/bench.sh
#
# Needs tmux; htop, btop and top are measured when installed. memtui is
# built from this tree as the release builds it (-trimpath -s -w, no cgo).
set -euo pipefail
cd "$(dirname "$0")/.."

W=${W:-200}
H=${H:-50}
DUR=${DUR:-30}
SETTLE=${SETTLE:-5}
PROCS=${PROCS:-"2000 10000"}
TOOLS=${TOOLS:-"memtui htop btop top watch floor"}

tmp=$(mktemp -d)
sess="bench-$$"
sleeps=()
cleanup() {
	tmux kill-session -t "$sess" 2>/dev/null || true
	[ ${#sleeps[@]} -gt 0 ] && kill "${sleeps[@]}" 2>/dev/null || true
	[ -n "${wpid:-}" ] && kill "$wpid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/memtui" .
# memtui watch runs memtui-watch when it is beside memtui, as installed.
CGO_ENABLED=0 go build -trimpath -tags memtui_watch -ldflags "-s -w" -o "$tmp/memtui-watch" .
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/floor" ./scripts/floor
# btop's refresh and sort live in its config file, not on its command line.
mkdir -p "$tmp/config/btop"
printf 'update_ms = 1000\nproc_sorting = "memory"\nshown_boxes = "cpu mem net proc"\n' > "$tmp/config/btop/btop.conf"

tck=$(getconf CLK_TCK)
ticks() { # utime+stime of $1 and its waited-for children, in ticks
	awk '{ i = index($0, ") "); split(substr($0, i + 2), f, " "); print f[12] + f[13] + f[14] + f[15] }' "/proc/$1/stat"
}
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

cmdline() {
	case $1 in
	memtui) echo "$tmp/memtui --pg none --redis none --incident-dir $tmp/incidents" ;;
	htop) echo "htop -d 10 -s PERCENT_MEM" ;;
	btop) echo "env XDG_CONFIG_HOME=$tmp/config btop" ;;
	top) echo "top -d 1 -o %MEM" ;;
	floor) echo "$tmp/floor" ;;
	esac
}

# measure TOOL: one line "tool cpu_ms_per_s rss_mib term_kb_per_s"
measure() {
	local tool=$1 pid
	if [ "$tool" = watch ]; then
		"$tmp/memtui" watch --pg none --redis none --incident-dir "$tmp/incidents" 2>/dev/null &
		wpid=$!
		pid=$wpid
		sleep "$SETTLE"
		local t0 t1
		t0=$(ticks "$pid")
		sleep "$DUR"
		t1=$(ticks "$pid")
		local rss
		rss=$(rss_kib "$pid")
		kill "$pid"
		wait "$pid" 2>/dev/null || true
		wpid=
		awk -v t="$((t1 - t0))" -v tck="$tck" -v d="$DUR" -v r="$rss" \
			'BEGIN { printf "memtui watch %.1f %.1f -\n", t * 1000 / tck / d, r / 1024 }'
		return
	fi
	local bin=${tool}
	case $tool in
	memtui | floor) ;;
	*) command -v "$bin" >/dev/null || return 0 ;;
	esac
	: > "$tmp/out"
	# exec: the pane's process is the tool itself.
	tmux new-session -d -s "$sess" -x "$W" -y "$H" "exec $(cmdline "$tool")"
	pid=$(tmux display-message -p -t "$sess" '#{pane_pid}')
	sleep "$SETTLE"
	local t0 t1 rss
	t0=$(ticks "$pid")
	tmux pipe-pane -o -t "$sess" "cat >> $tmp/out"
	sleep "$DUR"
	tmux pipe-pane -t "$sess"
	t1=$(ticks "$pid")
	rss=$(rss_kib "$pid")
	local bytes
	bytes=$(wc -c < "$tmp/out")
	tmux kill-session -t "$sess"
	sleep 1
	awk -v n="$tool" -v t="$((t1 - t0))" -v tck="$tck" -v d="$DUR" -v r="$rss" -v b="$bytes" \
		'BEGIN { printf "%s %.1f %.1f %.1f\n", n, t * 1000 / tck / d, r / 1024, b / 1000 / d }'
}

echo "$(uname -sr) · $(nproc) CPUs · ${W}x${H} · 1 s refresh · ${DUR} s each after ${SETTLE} s"
echo
echo "| processes | tool | CPU ms/s | RSS MiB | terminal KB/s |"
echo "|---|---|---|---|---|"
for n in $PROCS; do
	have=${#sleeps[@]}
	while [ "${#sleeps[@]}" -lt "$n" ]; do
		sleep 3600 &
		sleeps+=($!)
	done
	[ "$have" -lt "$n" ] && sleep 2
	: > "$tmp/rows"
	for tool in $TOOLS; do
		measure "$tool" >> "$tmp/rows"
	done
	awk -v n="$n" '{ name = $1; if ($1 == "memtui" && $2 == "watch") { name = "memtui watch"; $2 = $3; $3 = $4; $4 = $5 }
		printf "| %s | %s | %s | %s | %s |\n", n, name, $2, $3, $4 }' "$tmp/rows"
	cp "$tmp/rows" "$tmp/rows-$n"
done
echo
echo "memtui's ratios (memtui ÷ tool; below 1 is better):"
for n in $PROCS; do
	awk -v n="$n" '
		$1 == "memtui" && $2 != "watch" { c = $2; r = $3; b = $4 }
		$1 != "memtui" && $1 != "floor" { t[$1] = $2; m[$1] = $3; k[$1] = $4 }
		END { for (x in t) printf "  %s processes vs %s: CPU %.2f×, RSS %.2f×, terminal %.2f×\n", n, x, c / t[x], r / m[x], (k[x] > 0 ? b / k[x] : 0) }
	' "$tmp/rows-$n"
done
echo
echo "the required stack's floor (scripts/floor) against htop:"
for n in $PROCS; do
	awk -v n="$n" '
		$1 == "floor" { f = $3 } $1 == "htop" { h = $3 } $1 == "memtui" && $2 != "watch" { r = $3 }
		END { if (f > 0 && h > 0) printf "  %s processes: floor %.1f MiB = %.2f× htop; memtui %.1f MiB = floor + %.1f\n", n, f, f / h, r, r - f }
	' "$tmp/rows-$n"
done
