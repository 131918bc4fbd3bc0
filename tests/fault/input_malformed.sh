#!/usr/bin/env bash
# Fault suite, malformed input end to end (issue 14): every capture in ../shared/corpus,
# truncated at a random point and, apart, with random bytes flipped, replayed through the
# whole path (rules, asset events, Zeek logs, JSON output) by a flowprobe built with
# AddressSanitizer and UndefinedBehaviorSanitizer. Passes when no run has a sanitizer
# report, none dies by a signal, and each exits 0 (read whole), 3 (damaged: the readable
# part replayed and accounted) or 2 (nothing replayable: one line says why). Exit 1 (an
# accounting mismatch or a lost record) is a failure too.
#
#   tests/fault/input_malformed.sh            # every capture, one cut and one flipped copy each
#   tests/fault/input_malformed.sh --quick    # 12 captures (what ./scripts/test runs)
#   tests/fault/input_malformed.sh --originals --rounds 0   # every capture as it is (ASan over the corpus)
#   options: --rounds N (copies of each kind per capture), --every K (every K-th capture
#   only, for a shorter run), --originals (each capture unchanged too), --seed N, --jobs N
# Figures for RELIABILITY.md (its "Input faults" section): the last line.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
quick=0 rounds=1 every=1 originals=0 seed=1 jobs=${FLOWPROBE_FAULT_JOBS:-2}
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --rounds) rounds=$2; shift ;;
    --every) every=$2; shift ;;
    --originals) originals=1 ;;
    --seed) seed=$2; shift ;;
    --jobs) jobs=$2; shift ;;
    *) echo "input_malformed: unknown argument '$1' (--quick, --rounds N, --every K, --originals, --seed N, --jobs N)" >&2; exit 2 ;;
  esac
  shift
done
shared=$root/../shared
if [ ! -d "$shared/corpus" ] || [ ! -d "$shared/rules/etopen-2019" ]; then
  echo "input_malformed: skipped: ../shared/corpus or ../shared/rules is absent (only CI and developers have them)"
  exit 0
fi

# The sanitized build: its own directory, only the probe.
build=${FLOWPROBE_ASAN_BUILD:-build-asan}
if [ ! -f "$build/build.ninja" ]; then
  CC=gcc CXX=g++ meson setup "$build" -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debugoptimized \
    -Dtests=false -Dbenchmarks=false >/dev/null
fi
ninja -C "$build" app/flowprobe/flowprobe >/dev/null
probe=$root/$build/app/flowprobe/flowprobe

work=$(mktemp -d "${TMPDIR:-/tmp}/flowprobe-malformed.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Captures: every file of the corpus that starts as pcap or pcapng (gzip ones unpacked);
# the quick run takes 12 spread over the corpus, Ethernet, cooked, raw IP and pcapng.
python3 - "$shared/corpus" "$work/mutants" "$seed" "$rounds" "$quick" "$every" "$originals" <<'EOF'
import gzip, os, random, sys
corpus, out, seed, rounds, quick, every = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1", int(sys.argv[6])
originals = sys.argv[7] == "1"
magics = {b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d", b"\x0a\x0d\x0d\x0a"}
caps = []
for d, _, files in sorted(os.walk(corpus)):
    for f in sorted(files):
        p = os.path.join(d, f)
        try:
            data = open(p, "rb").read()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
        except Exception:
            continue
        if data[:4] in magics and len(data) > 24:
            caps.append((os.path.relpath(p, corpus), data))
if quick:
    step = max(1, len(caps) // 12)
    caps = caps[::step][:12]
else:
    caps = caps[::every]
os.makedirs(out)
rng = random.Random(seed)
n = 0
for name, data in caps:
    stem = name.replace("/", "_")
    if originals:
        # As it is: the whole path over the real capture (some are cut short already).
        open(os.path.join(out, f"{stem}.orig"), "wb").write(data)
        n += 1
    for r in range(rounds):
        # Truncated: anywhere after the file header, often inside a record.
        cut = rng.randrange(24, len(data))
        open(os.path.join(out, f"{stem}.cut{r}"), "wb").write(data[:cut])
        # Flipped: 1 to 16 random bytes anywhere, headers and lengths included.
        b = bytearray(data)
        for _ in range(rng.randint(1, 16)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        open(os.path.join(out, f"{stem}.flip{r}"), "wb").write(bytes(b))
        n += 2
print(f"input_malformed: {len(caps)} captures, {n} mutants (seed {seed})", file=sys.stderr)
EOF

# Rules: every 40th of the 2019 ET Open set (472 rules of every category): the scan path
# with HTTP, DNS, TLS and file buffers, without 18,850 rules' compile time in each run.
cat "$shared"/rules/etopen-2019/*.rules | grep '^alert' | awk 'NR % 40 == 1' >"$work/rules.rules"

# Third-party leaks at exit (DPDK's EAL, nDPI's and Hyperscan's globals) are not ours.
cat >"$work/lsan.supp" <<'EOF'
leak:librte_
leak:libndpi
leak:libhs
leak:librdkafka
EOF
export ASAN_OPTIONS="abort_on_error=0:exitcode=99:detect_leaks=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=98"
export LSAN_OPTIONS="suppressions=$work/lsan.supp"
logs=$root/$build/fault-logs
rm -rf "$logs" && mkdir -p "$logs"
export probe work shared logs

# One mutant: the whole path. Prints "<exit> <mutant>"; keeps the log of a failure.
run_one() {
  local m=$1 d
  d=$(mktemp -d "$work/run.XXXXXX")
  local rc=0
  "$probe" -i "$m" -o "$d/flows.json" --rules "$work/rules.rules" --alerts-output "$d/alerts.json" \
    --events-output "$d/events.json" --zeek-logs "$d/zeek" >/dev/null 2>"$d/err" || rc=$?
  if grep -qE "AddressSanitizer|runtime error:|LeakSanitizer|UndefinedBehaviorSanitizer" "$d/err"; then rc=sanitizer; fi
  case "$rc" in
    0 | 2 | 3) rm -rf "$d" ;;
    *) cp "$d/err" "$logs/$(basename "$m").log"; rm -rf "$d" ;;
  esac
  echo "$rc $(basename "$m")"
}
export -f run_one

start=$(date +%s)
find "$work/mutants" -type f | sort | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} >"$work/results"
secs=$(($(date +%s) - start))
total=$(wc -l <"$work/results")
count() { awk -v c="$1" '$1 == c' "$work/results" | wc -l; }
bad=$(awk '$1 != 0 && $1 != 2 && $1 != 3' "$work/results")
echo "input_malformed: $total runs in ${secs} s: exit 0 $(count 0), exit 3 (damaged) $(count 3), exit 2 (unreadable) $(count 2); sanitizer reports $(count sanitizer), other $(echo -n "$bad" | grep -cv sanitizer || true)"
if [ -n "$bad" ]; then
  echo "input_malformed: FAILED runs (logs in $logs):" >&2
  echo "$bad" >&2
  exit 1
fi
