#!/usr/bin/env bash
# Sidecar overhead benchmark (not a test): caller -> sidecar -> sidecar -> app against a direct
# call and against the same two hops through two haproxy instances, in one run, at a fixed rate
# with 1 KB bodies. Prints a Markdown table (latency from learnflow-loadgen; sidecar CPU from
# /proc utime+stime over the measured window; RSS at the end).
#   bench/sidecar_overhead.sh [--rate 1000] [--duration 20] [--bin-dir build/bin] [--sidecar-args "ARGS"]
# --sidecar-args adds flags to both sidecars, e.g. "--cpu-scheduling normal" for comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
rate=1000 duration=20 bin=build/bin sidecar_args=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) rate="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --bin-dir) bin="$2"; shift 2 ;;
    --sidecar-args) sidecar_args="$2"; shift 2 ;;
    *) echo "usage: $0 [--rate N] [--duration S] [--bin-dir DIR] [--sidecar-args ARGS]" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { for _ in $(seq 1 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "not ready: $1" >&2; return 1; }
cpu_seconds() { awk '{print ($14+$15)/100}' "/proc/$1/stat"; }
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }

app_port=$(free_port)
"$bin/learnflow-bench-echo" --port "$app_port" > /dev/null & pids+=($!)
export LEARNFLOW_NAME_RESOLUTION_DB="$work/nr.db"
callee_http=$(free_port) caller_http=$(free_port)
"$bin/learnflow-sidecar" --app-id bench-echo --app-port "$app_port" --dapr-http-port "$callee_http" --metrics-port 0 \
  --log-level warn $sidecar_args > "$work/callee.log" 2>&1 & callee_pid=$!; pids+=($callee_pid)
"$bin/learnflow-sidecar" --app-id bench-caller --dapr-http-port "$caller_http" --metrics-port 0 \
  --log-level warn $sidecar_args > "$work/caller.log" 2>&1 & caller_pid=$!; pids+=($caller_pid)
h1=$(free_port) h2=$(free_port)
for pair in "$h1:$h2" "$h2:$app_port"; do
  front=${pair%%:*} back=${pair##*:}
  cat > "$work/haproxy-$front.cfg" <<CFG
global
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
frontend f
  bind 127.0.0.1:$front
  default_backend b
backend b
  http-reuse always
  server s 127.0.0.1:$back
CFG
  haproxy -f "$work/haproxy-$front.cfg" -db > "$work/haproxy-$front.log" 2>&1 & pids+=($!)
done
wait_http "http://127.0.0.1:$caller_http/v1.0/healthz"
wait_http "http://127.0.0.1:$callee_http/v1.0/healthz"
sleep 1

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
run() {  # name url
  "$bin/learnflow-loadgen" --url "$2" --rate "$rate" --duration "$duration" --warmup 2 --body-bytes 1024 > "$work/$1.json"
}
run direct "http://127.0.0.1:$app_port/echo"
c0=$(cpu_seconds $caller_pid) e0=$(cpu_seconds $callee_pid)
run sidecars "http://127.0.0.1:$caller_http/v1.0/invoke/bench-echo/method/echo"
c1=$(cpu_seconds $caller_pid) e1=$(cpu_seconds $callee_pid)
run haproxy "http://127.0.0.1:$h1/echo"

field() { python3 -c "import json,sys; print('%.3f' % json.load(open('$work/$1.json'))['$2'])"; }
echo "Rate: $rate req/s, ${duration}s measured, 1 KiB bodies, $(nproc) cores"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), load average before/after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| path | p50 ms | p90 ms | p99 ms | added p50 | added p90 | added p99 | errors |"
echo "|---|---|---|---|---|---|---|---|"
for p in direct sidecars haproxy; do
  e=$(python3 -c "import json; print(json.load(open('$work/$p.json'))['errors'])")
  add() { python3 -c "print('%+.3f' % ($(field $p $1) - $(field direct $1)))"; }
  echo "| $p | $(field $p p50_ms) | $(field $p p90_ms) | $(field $p p99_ms) | $(add p50_ms) | $(add p90_ms) | $(add p99_ms) | $e |"
done
echo
python3 - "$c0" "$c1" "$e0" "$e1" "$duration" "$(rss_mb $caller_pid)" "$(rss_mb $callee_pid)" \
  "$(field sidecars p99_ms)" "$(field direct p99_ms)" <<'PY'
import sys
c0, c1, e0, e1, d = map(float, sys.argv[1:6])
caller_cpu, callee_cpu = (c1 - c0) / (d + 2), (e1 - e0) / (d + 2)
caller_rss, callee_rss = float(sys.argv[6]), float(sys.argv[7])
added_p99 = float(sys.argv[8]) - float(sys.argv[9])
print("| sidecar | CPU (cores) | RSS MB |")
print("|---|---|---|")
print("| caller | %.3f | %.1f |" % (caller_cpu, caller_rss))
print("| callee | %.3f | %.1f |" % (callee_cpu, callee_rss))
print()
verdict = lambda ok: "met" if ok else "NOT met"
print("Issue 3 targets: added p99 %.3f ms <= 0.25: %s; CPU %.3f / %.3f core <= 0.05: %s; RSS %.1f / %.1f MB <= 15: %s"
      % (added_p99, verdict(added_p99 <= 0.25), caller_cpu, callee_cpu, verdict(max(caller_cpu, callee_cpu) <= 0.05),
         caller_rss, callee_rss, verdict(max(caller_rss, callee_rss) <= 15)))
if float(sys.argv[9]) > 1.0:
    print("p99 verdict unreliable: the direct path's own p99 is %s ms (the machine is busy); compare p50/p90" % sys.argv[9])
PY
