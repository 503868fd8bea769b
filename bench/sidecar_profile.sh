#!/usr/bin/env bash
# Load-independent cost of one proxied invocation (caller -> sidecar -> sidecar -> app), for
# comparing hot-path changes on a busy machine:
#   - user-space instructions per request, per sidecar (valgrind callgrind, counters zeroed after
#     start-up and dumped after the load);
#   - system calls, context switches and CPU time per request, per sidecar (perf stat on the
#     running processes; CPU time still depends on load, the counts do not).
#   bench/sidecar_profile.sh [--requests 500] [--rate 1000] [--callgrind-rate 40] [--bin-dir build/bin] [--no-callgrind]
#                            [--sidecar-args "ARGS"]   (added to both sidecars, e.g. "--cpu-scheduling normal")
set -euo pipefail
cd "$(dirname "$0")/.."
requests=500 rate=1000 bin=build/bin callgrind=1 callgrind_rate=40 sidecar_args=""
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) requests="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --bin-dir) bin="$2"; shift 2 ;;
    --no-callgrind) callgrind=0; shift ;;
    --callgrind-rate) callgrind_rate="$2"; shift 2 ;;
    --sidecar-args) sidecar_args="$2"; shift 2 ;;
    *) echo "usage: $0 [--requests N] [--rate R] [--bin-dir DIR] [--no-callgrind]" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; if [ -n "${KEEP_WORK:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { for _ in $(seq 1 300); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "not ready: $1" >&2; return 1; }
export LEARNFLOW_NAME_RESOLUTION_DB="$work/nr.db"

start_pair() {  # wrapper ("" or valgrind): starts echo app, callee and caller sidecars
  local wrap=("$@")
  app_port=$(free_port) callee_http=$(free_port) caller_http=$(free_port)
  "$bin/learnflow-bench-echo" --port "$app_port" > /dev/null & pids+=($!)
  "${wrap[@]}" "$bin/learnflow-sidecar" --app-id bench-echo --app-port "$app_port" --dapr-http-port "$callee_http" \
    --metrics-port 0 --log-level warn $sidecar_args > "$work/callee.log" 2>&1 & callee_pid=$!; pids+=($callee_pid)
  "${wrap[@]}" "$bin/learnflow-sidecar" --app-id bench-caller --dapr-http-port "$caller_http" --metrics-port 0 \
    --log-level warn $sidecar_args > "$work/caller.log" 2>&1 & caller_pid=$!; pids+=($caller_pid)
  wait_http "http://127.0.0.1:$caller_http/v1.0/healthz"
  wait_http "http://127.0.0.1:$callee_http/v1.0/healthz"
  # One call first so that connections are pooled and name resolution cached before measuring.
  curl -fs -o /dev/null -d x "http://127.0.0.1:$caller_http/v1.0/invoke/bench-echo/method/echo"
}
load() {  # rate: sends $requests 1 KiB requests at `rate`
  local duration
  duration=$(python3 -c "print($requests / $1)")
  "$bin/learnflow-loadgen" --url "http://127.0.0.1:$caller_http/v1.0/invoke/bench-echo/method/echo" --rate "$1" \
    --duration "$duration" --warmup 0 --body-bytes 1024 > "$work/load.json"
  python3 -c "import json; r=json.load(open('$work/load.json')); assert r['errors']==0, r; print(r['ok'])"
}
stop_pair() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; pids=(); }

echo "requests: $requests at $rate/s; $(nproc) cores; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
start_pair
events=task-clock,context-switches,raw_syscalls:sys_enter
perf stat -x, -e "$events" -p "$caller_pid" -o "$work/caller.perf" & perf_caller=$!
perf stat -x, -e "$events" -p "$callee_pid" -o "$work/callee.perf" & perf_callee=$!
sleep 0.5
ok=$(load "$rate")
kill -INT "$perf_caller" "$perf_callee"; wait "$perf_caller" "$perf_callee" 2>/dev/null || true
stop_pair
python3 - "$ok" "$work/caller.perf" "$work/callee.perf" <<'PY'
import sys
n = int(sys.argv[1])
print("| sidecar | syscalls/req | context switches/req | CPU µs/req (load-dependent) |")
print("|---|---|---|---|")
for name, path in (("caller", sys.argv[2]), ("callee", sys.argv[3])):
    v = {}
    for line in open(path):
        parts = line.strip().split(",")
        if len(parts) > 2 and parts[0] and parts[0][0].isdigit():
            v[parts[2]] = float(parts[0])
    print("| %s | %.1f | %.2f | %.1f |" % (name, v.get("raw_syscalls:sys_enter", 0) / n,
          v.get("context-switches", 0) / n, v.get("task-clock", 0) * 1000 / n))
PY
[ "$callgrind" = 1 ] || exit 0

# Callgrind is ~50x slower: a low rate keeps each request on its own (as at 1000/s natively)
# instead of overlapping, which opens extra pooled connections and makes the counts vary.
start_pair valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p"
callgrind_control -z "$caller_pid" > /dev/null; callgrind_control -z "$callee_pid" > /dev/null
ok=$(load "$callgrind_rate")
callgrind_control -d "$caller_pid" > /dev/null; callgrind_control -d "$callee_pid" > /dev/null
sleep 1
python3 - "$ok" "$work" "$caller_pid" "$callee_pid" <<'PY'
import glob, sys
n, work = int(sys.argv[1]), sys.argv[2]
def instructions(pid):
    # The dump made after the load holds the counts since the zeroing.
    dumps = sorted(p for p in glob.glob("%s/cg.%s.*" % (work, pid)))
    for line in open(dumps[-1]):
        if line.startswith("totals:") or line.startswith("summary:"):
            return int(line.split()[1])
    return 0
print()
print("| sidecar | instructions/req (callgrind) |")
print("|---|---|")
for name, pid in (("caller", sys.argv[3]), ("callee", sys.argv[4])):
    print("| %s | %.0fk |" % (name, instructions(pid) / n / 1000))
PY
