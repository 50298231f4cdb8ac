#!/usr/bin/env bash
# soak.sh — the dashboard over an hour: RSS and CPU once a minute.
#
# The dashboard runs in a detached WxH tmux pane inside a PID namespace of
# its own (with its own /proc) beside PROCS idle `sleep` processes, so the
# process table it watches stays the same whatever else the machine runs
# (another benchmark's 10,000 processes would otherwise be a spike in the
# soak). Memory, swap, PSI and the kernel log are the machine's as usual.
# Needs root (unshare) and tmux.
#
#   scripts/soak.sh                  # 62 minutes, 2,000 processes
#   MIN=5 PROCS=500 scripts/soak.sh  # quicker
#   WATCH=1 scripts/soak.sh          # `memtui watch` (headless) instead
#
# Prints one line a minute (minute, RSS MiB, CPU ms/s over that minute)
# and at the end RSS at minute 60 (or the last) against minute 2.
set -euo pipefail
cd "$(dirname "$0")/.."

MIN=${MIN:-62}
PROCS=${PROCS:-2000}
W=${W:-200}
H=${H:-50}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/memtui" .
# memtui watch runs memtui-watch when it is beside memtui, as installed.
CGO_ENABLED=0 go build -trimpath -tags memtui_watch -ldflags "-s -w" -o "$tmp/memtui-watch" .
what="dashboard ${W}x${H}"
[ -n "${WATCH:-}" ] && what="memtui watch"
echo "$(uname -sr) · $(nproc) CPUs · ${what} · ${PROCS} processes · ${MIN} min · $(git rev-parse --short HEAD 2>/dev/null || echo '?')"

# shellcheck disable=SC2016 # expanded by the inner shell
unshare --pid --fork --mount-proc env MIN="$MIN" PROCS="$PROCS" W="$W" H="$H" T="$tmp" WATCH="${WATCH:-}" bash -c '
	set -euo pipefail
	for _ in $(seq "$PROCS"); do sleep 86400 & done
	sock="soak-$$"
	if [ -n "$WATCH" ]; then
		"$T/memtui" watch --pg none --redis none --incident-dir "$T/incidents" >/dev/null 2>&1 &
		pid=$!
	else
		tmux -L "$sock" new-session -d -x "$W" -y "$H" \
			"exec $T/memtui --pg none --redis none --incident-dir $T/incidents"
		pid=$(tmux -L "$sock" display-message -p "#{pane_pid}")
	fi
	tck=$(getconf CLK_TCK)
	ticks() { awk "{ i = index(\$0, \") \"); split(substr(\$0, i + 2), f, \" \"); print f[12] + f[13] }" "/proc/$pid/stat"; }
	rss() { awk "/^VmRSS/ { printf \"%.1f\", \$2 / 1024 }" "/proc/$pid/status"; }
	prev=$(ticks)
	first="" last=""
	for m in $(seq "$MIN"); do
		sleep 60
		now=$(ticks)
		r=$(rss)
		awk -v m="$m" -v r="$r" -v t="$((now - prev))" -v tck="$tck" \
			"BEGIN { printf \"minute %3d  RSS %5s MiB  CPU %5.1f ms/s\\n\", m, r, t * 1000 / tck / 60 }"
		prev=$now
		[ "$m" = 2 ] && first=$r
		[ "$m" -le 60 ] && last=$r && lastm=$m
	done
	if [ -n "$WATCH" ]; then kill "$pid"; else tmux -L "$sock" kill-server; fi
	echo "RSS at minute ${lastm}: ${last} MiB; at minute 2: ${first:-?} MiB"
'
