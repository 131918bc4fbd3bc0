#!/usr/bin/env bash
# Fault suite, table pressure (issue 14): a flood of 10 M random SYNs (a new flow nearly
# every packet) against -w 100000, and a flood of 1 M beside it. Passes when every
# packet is accounted, every flow leaves as a record, the evictions are counted, and the
# probe's peak RSS after 10 M SYNs is within 5 % of its peak after 1 M: memory is bounded
# by -w, not by the traffic. The quick case (200 k SYNs, -w 2000) runs in ./scripts/test.
#
#   tests/fault/input_syn_flood.sh [--packets N] [--table N]   (defaults 10M, 100000)
# Needs about 800 MB of disk beside the build (the capture, removed at the end).
set -euo pipefail
cd "$(dirname "$0")/../.."
packets=10M table=100000
while [ $# -gt 0 ]; do
  case "$1" in
    --packets) packets=$2; shift ;;
    --table) table=$2; shift ;;
    *) echo "input_syn_flood: unknown argument '$1' (--packets N, --table N)" >&2; exit 2 ;;
  esac
  shift
done
./scripts/build app/flowprobe/flowprobe app/pcapgen/flowprobe-pcapgen >/dev/null
dir=$(mktemp -d "$PWD/build/syn-flood.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# One flood: generate, replay with -w, print the summary figures and the peak RSS.
python3 - "$PWD/build" "$dir" "$table" "$packets" <<'EOF'
import os, re, subprocess, sys, time
build, d, table, full = sys.argv[1:5]
def count(s):
    m = re.fullmatch(r"(\d+)([kMG]?)", s)
    return int(m.group(1)) * {"": 1, "k": 10**3, "M": 10**6, "G": 10**9}[m.group(2)]
def value(summary, name):
    for l in summary.splitlines():
        w = l.split()
        if len(w) >= 2 and w[0] == name:
            return w[1]
    return None
failed = False
peaks = {}
for n in (count(full) // 10, count(full)):
    pcap = os.path.join(d, "flood.pcap")
    subprocess.run([f"{build}/app/pcapgen/flowprobe-pcapgen", "--scenario", "syn-flood", "--packets", str(n),
                    "-o", pcap, "-q"], check=True, stdout=subprocess.DEVNULL)
    t0 = time.time()
    p = subprocess.Popen([f"{build}/app/flowprobe/flowprobe", "-i", pcap, "-w", table, "-o", "/dev/null"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    rc = os.waitstatus_to_exitcode(status)
    secs = time.time() - t0
    peaks[n] = usage.ru_maxrss
    created = int(value(err, "flows.created") or -1)
    evicted = int(value(err, "flows.ended.table_full") or -1)
    figures = {k: value(err, k) for k in ("packets.received", "flows.created", "flows.records",
                                          "flows.ended.table_full", "sink.delivered", "accounting")}
    print(f"input_syn_flood: {n} SYNs, -w {table}: exit {rc}, peak RSS {usage.ru_maxrss // 1024} MiB, "
          f"{secs:.0f} s; " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    ok = (rc == 0 and figures["packets.received"] == str(n) and figures["accounting"] == "ok"
          and figures["flows.records"] == str(created) and figures["sink.delivered"] == str(created)
          and evicted >= created - int(table) - int(value(err, "flows.ended.idle_timeout") or 0))
    if not ok:
        failed = True
        print(err, file=sys.stderr)
    os.remove(pcap)
small, big = sorted(peaks)
growth = peaks[big] / peaks[small] - 1
print(f"input_syn_flood: peak RSS {peaks[small] // 1024} MiB after {small} SYNs, {peaks[big] // 1024} MiB after {big} "
      f"({growth * 100:+.1f} %)")
if growth > 0.05:
    print("input_syn_flood: FAILED: peak RSS grew more than 5 % with ten times the flood", file=sys.stderr)
    failed = True
sys.exit(1 if failed else 0)
EOF
