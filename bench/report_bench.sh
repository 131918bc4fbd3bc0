#!/usr/bin/env bash
# flowprobe report's speed, each figure next to its peer in the same run (scripts/bench
# runs this; `scripts/bench --only report [--record]` runs only this):
#   1. reading: the report's reader vs simdjson's own On-Demand iteration over the same
#      file of flow records (Google Benchmark, bytes per second of process CPU time);
#      target >= 50 %;
#   2. top-10 sources by bytes: `flowprobe report traffic` (which makes every traffic table)
#      vs jq computing only that top 10, same file, same answer checked; target >= 20x;
#   3. 10 M flow records (1 M distinct sources, 1 M distinct destinations) to the monthly
#      SOC report on one core (taskset), wall time (target < 30 s) and peak memory.
# Prints Markdown; with --record replaces the report block of bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
record=0
[ "${1:-}" = "--record" ] && record=1
build=${FLOWPROBE_BUILD_DIR:-build}
# FLOWPROBE_BENCH_NO_BUILD=1: the binaries are fresh (a build is running in the same tree).
[ "${FLOWPROBE_BENCH_NO_BUILD:-0}" = 1 ] || ./scripts/build app/flowprobe/flowprobe app/recordgen/flowprobe-recordgen bench/flowprobe-report-bench >/dev/null
data=$build/bench-data/report
mkdir -p "$data"
out=$data/report.md
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
flowprobe=$build/app/flowprobe/flowprobe
gen=$build/app/recordgen/flowprobe-recordgen
records=${FLOWPROBE_REPORT_BENCH_RECORDS:-10000000}

# A month of flow records with the default-like full template, numeric keys.
mkdir -p "$data/month"
"$gen" --month 2026-11 --flows 300000 --prev-flows 0 --alerts-per-day 0 --prev-alerts-per-day 0 \
  --sources 20000 --destinations 50000 --out-dir "$data/month"
file=$data/month/flows.json
size=$(stat -c %s "$file")
lines=$(wc -l < "$file")

# 1. Reader vs simdjson On-Demand: repetitions interleaved at random, so that the reader and
# its peers share the machine's load phases, and the median of each.
FLOWPROBE_REPORT_BENCH_FILE=$file "${FLOWPROBE_REPORT_BENCH_BIN:-$build/bench/flowprobe-report-bench}" --benchmark_format=json \
  --benchmark_min_time=1 --benchmark_repetitions=7 --benchmark_enable_random_interleaving=true \
  --benchmark_report_aggregates_only=true 2>/dev/null > "$data/reader.json"
read -r ours peer peer_values per_line <<< "$(python3 - "$data/reader.json" <<'PY'
import json, sys
b = {x["run_name"].split("/")[0]: x["bytes_per_second"] for x in json.load(open(sys.argv[1]))["benchmarks"] if x.get("aggregate_name") == "median"}
print(b["BM_ReportReader"] / 1e6, b["BM_SimdjsonOnDemand"] / 1e6, b["BM_SimdjsonOnDemandValues"] / 1e6, b["BM_ReportReaderPerLine"] / 1e6)
PY
)"

# 2. Top-10 sources by bytes: jq vs the traffic report, best of 3 each.
best_of_3() {  # command...; prints the least CPU seconds (user + sys) of 3 runs: on a shared
  local best=""   # machine the CPU a command used says more than the wall time it waited
  for run in 1 2 3; do
    /usr/bin/time -f "%U %S" -o "$data/t.txt" "$@" >/dev/null 2>&1
    best=$(python3 -c "import sys; u,s=open(sys.argv[2]).read().split()[-2:]; v=[float(x) for x in [sys.argv[1], float(u)+float(s)] if x != '']; print(f'{min(v):.3f}')" "$best" "$data/t.txt")
  done
  echo "$best"
}
jq_prog='reduce inputs as $r ({}; .[$r["8"]] += ($r["1"] + $r["23"])) | to_entries | sort_by(-.value, .key) | .[:10][] | "\(.key),\(.value)"'
# jq needs minutes for the whole month file (it gave up after 28 min on a loaded machine),
# so both read the same first $jq_lines lines; jq's time is one run, ours the best of 3.
jq_lines=${FLOWPROBE_REPORT_BENCH_JQ_LINES:-30000}
jq_file=$data/jq-input.json
head -n "$jq_lines" "$file" > "$jq_file"
jq_size=$(stat -c %s "$jq_file")
/usr/bin/time -f "%U %S" -o "$data/t.txt" jq -rn "$jq_prog" "$jq_file" > "$data/jq-top10.txt"
jq_s=$(python3 -c "import sys; u,s=open(sys.argv[1]).read().split()[-2:]; print(f'{float(u)+float(s):.3f}')" "$data/t.txt")
"$flowprobe" report traffic "$jq_file" --from 2026-11 --tz UTC --no-geo --format csv -o "$data/traffic" 2>/dev/null >/dev/null
tail -n +2 "$data/traffic/top_talkers.csv" | cut -d, -f1,2 > "$data/fp-top10.txt"
same=no
cmp -s "$data/jq-top10.txt" "$data/fp-top10.txt" && same=yes
fp_s=$(best_of_3 "$flowprobe" report traffic "$jq_file" --from 2026-11 --tz UTC --no-geo --format csv -o "$data/traffic")

# 3. 10 M records, monthly SOC report, one core.
mkdir -p "$data/big"
prev=$(( records / 10 ))
"$gen" --month 2026-11 --flows $(( records - prev )) --prev-flows "$prev" --alerts-per-day 10 --prev-alerts-per-day 10 \
  --sources 1000000 --destinations 1000000 --lean --out-dir "$data/big"
big_size=$(stat -c %s "$data/big/flows.json")
/usr/bin/time -v taskset -c 0 "$flowprobe" report soc "$data/big" --from 2026-11 --tz UTC --no-geo --format csv --format html \
  -o "$data/soc" 2> "$data/soc.time" >/dev/null
soc_s=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$data/soc.time" | python3 -c 'import sys
p=sys.stdin.read().strip().split(":"); print(f"{sum(float(x)*60**i for i,x in enumerate(reversed(p))):.2f}")')
soc_rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$data/soc.time")
soc_cpu=$(python3 -c "import sys; print(f'{float(sys.argv[1]) + float(sys.argv[2]):.2f}')" \
  "$(sed -n 's/.*User time (seconds): //p' "$data/soc.time")" "$(sed -n 's/.*System time (seconds): //p' "$data/soc.time")")
soc_read=$(grep -m1 "Read " "$data/soc.time" | sed 's/^flowprobe report: //')
top_src=$(sed -n 2p "$data/soc/top_sources.csv")
rm -rf "$data/big"

python3 - "$out" <<PY
import sys
ours, peer, peer_values, per_line = float("$ours"), float("$peer"), float("$peer_values"), float("$per_line")
jq_s, fp_s = float("$jq_s"), float("$fp_s")
with open(sys.argv[1], "w") as f:
    f.write(f"Run: $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)); load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg) (\`uptime\`; the machine is shared, so each figure is a ratio to its peer in the same run, and times are CPU times)\n\n")
    f.write("| measure | flowprobe report | peer, same run | ratio | target |\n|---|---|---|---|---|\n")
    f.write(f"| reading $lines flow records ({int('$size')/1e6:.0f} MB, numeric keys), MB/s of process CPU time (median of 7, interleaved) | {ours:.0f} | simdjson On-Demand (iterate_many) visiting every key: {peer:.0f} | {ours/peer*100:.0f} % | - (a floor: no value is read) |\n")
    f.write(f"| the same | {ours:.0f} | simdjson On-Demand visiting every key and reading every value: {peer_values:.0f} | {ours/peer_values*100:.0f} % | >= 50 % |\n")
    f.write(f"| the same, the reader one line at a time (Kafka messages, a window with damaged lines) | {per_line:.0f} | simdjson On-Demand visiting every key and reading every value: {peer_values:.0f} | {per_line/peer_values*100:.0f} % | - |\n")
    f.write(f"| top-10 sources by bytes over the first $jq_lines lines of that file ({int('$jq_size')/1e6:.1f} MB), CPU s (ours best of 3, jq one run; same top 10: $same) | {fp_s:.2f} (\`report traffic\`, every traffic table) | jq: {jq_s:.2f} | {jq_s/fp_s:.1f}x faster | >= 20x |\n")
    f.write(f"| monthly SOC report from $records flow records ({int('$big_size')/1e9:.2f} GB, 1,000,000 distinct sources and 1,000,000 distinct destinations), one core (taskset -c 0): CPU s (user + sys) | {float('$soc_cpu'):.2f} (wall {float('$soc_s'):.2f} with the machine's load) | - | - | < 30 s |\n")
    f.write(f"| peak memory of that run (max RSS) | {int('$soc_rss')/1024:.0f} MiB | - | - | stated |\n")
    f.write("\nThat run's input line: $soc_read  Its first source row: \`$top_src\`.\n")
PY
cat "$out"
if [ "$record" = 1 ]; then
  python3 - "$out" <<'PY'
import sys, re
body = open(sys.argv[1]).read()
path = "bench/RESULTS.md"
text = open(path).read()
new = "<!-- report:begin (written by scripts/bench --record) -->\n" + body + "<!-- report:end -->"
if "<!-- report:begin" in text:
    text = re.sub(r"<!-- report:begin.*?<!-- report:end -->", lambda _: new, text, flags=re.S)
else:
    text += "\n## Reports (issue #16)\n\n`scripts/bench --only report --record` (bench/report_bench.sh): the report's reader next to simdjson's own On-Demand iteration on the same file, the traffic report next to jq computing one of its tables, and a month of 10 M records to the SOC report on one core.\n\n" + new + "\n"
open(path, "w").write(text)
PY
  echo "bench: recorded in bench/RESULTS.md"
fi
