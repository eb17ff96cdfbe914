#!/usr/bin/env bash
# Runs every performance measurement of lambda-url-signer and prints one markdown report:
# the criterion bench (benches/sign.rs), `openssl speed`, the botocore and aws4 peers, the
# memory probe under /usr/bin/time -v, and allocations per signature; then the budget ratios.
#
# Usage: scripts/bench.sh [--quick | --report-only]
#   --quick         short criterion measurement times (a smoke test; the numbers are rough)
#   --report-only   print the report again from the raw outputs of the last run
#
# Installs what it needs (GNU time and openssl through apt-get, botocore through pip, aws4
# through npm ci). Raw outputs go to <target-dir>/bench-report/.
# Exit status: 0 when everything ran and every budget line passed, 3 when everything ran but
# a budget line missed, anything else when a step failed.
set -euo pipefail

cd "$(dirname "$0")/.."
QUICK=0
REPORT_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    --report-only) REPORT_ONLY=1 ;;
    *) echo "usage: $0 [--quick | --report-only]" >&2; exit 2 ;;
  esac
done

log() { echo "==> $*" >&2; }

measure() {
# --- what it needs ---------------------------------------------------------------------------
apt_install() {
  if command -v apt-get >/dev/null; then
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq >&2
    $sudo apt-get install -y -qq "$@" >&2
  else
    echo "missing $* and no apt-get to install it" >&2
    exit 1
  fi
}
[ -x /usr/bin/time ] || { log "installing GNU time"; apt_install time; }
command -v openssl >/dev/null || { log "installing openssl"; apt_install openssl; }
command -v python3 >/dev/null || { log "installing python3"; apt_install python3 python3-pip; }
command -v node >/dev/null || { log "installing node"; apt_install nodejs npm; }
python3 -c 'import botocore' 2>/dev/null || {
  log "installing botocore"
  python3 -m pip install -q -r scripts/requirements.txt >&2
}
[ -d scripts/node_modules/aws4 ] || { log "installing aws4"; npm ci --prefix scripts --no-audit --no-fund >&2; }

rm -rf "$OUT" "$TARGET_DIR/criterion/hash" "$TARGET_DIR/criterion/sign" "$TARGET_DIR/criterion/roundtrip"
mkdir -p "$OUT"

# --- machine ---------------------------------------------------------------------------------
{
  echo "nproc=$(nproc)"
  echo "cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)"
  echo "rustc=$(rustc --version)"
  echo "openssl=$(openssl version)"
  echo "python=$(python3 --version 2>&1)"
  echo "node=$(node --version)"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src Cargo.toml 2>/dev/null || echo ' (src or Cargo.toml modified)')"
  echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"

# --- criterion -------------------------------------------------------------------------------
CRITERION_ARGS=()
[ "$QUICK" -eq 1 ] && CRITERION_ARGS=(--warm-up-time 1 --measurement-time 1)
log "cargo bench --bench sign --all-features (several minutes)"
# Built first. The hash and sign groups run as they are; the loopback round trips run pinned to
# one core (taskset), where client and server take turns on that core: their medians then move
# far less between runs than unpinned on a 2-core VM. Each ratio compares IDs of one invocation.
cargo bench --bench sign --all-features --no-run >"$OUT/criterion-build.txt" 2>&1 ||
  { tail -n 40 "$OUT/criterion-build.txt" >&2; exit 1; }
PIN=()
command -v taskset >/dev/null && PIN=(taskset -c "$(($(nproc) - 1))")
{
  cargo bench --bench sign --all-features -- "${CRITERION_ARGS[@]}" "hash/|sign/" &&
    "${PIN[@]}" cargo bench --bench sign --all-features -- "${CRITERION_ARGS[@]}" "roundtrip/"
} >"$OUT/criterion.txt" 2>&1 || { tail -n 40 "$OUT/criterion.txt" >&2; exit 1; }
mkdir -p "$OUT/criterion"
cp -r "$TARGET_DIR/criterion/hash" "$TARGET_DIR/criterion/sign" "$TARGET_DIR/criterion/roundtrip" "$OUT/criterion/"

# --- openssl ---------------------------------------------------------------------------------
log "openssl speed -evp sha256 -bytes 1048576"
openssl speed -evp sha256 -bytes 1048576 -seconds 5 >"$OUT/openssl.txt" 2>&1

# --- peers -----------------------------------------------------------------------------------
log "botocore peer"
python3 scripts/peers.py --json >"$OUT/botocore.json"
log "aws4 peer"
node scripts/peers.js --json >"$OUT/aws4.json"

# --- memory and allocations ------------------------------------------------------------------
log "memory probe (cargo bench --bench memory)"
# The bench target has its own main (harness = false). It is built by cargo bench and then run
# directly, so that /usr/bin/time measures the probe and not cargo.
cargo bench --bench memory --all-features --no-run --message-format=json \
  >"$OUT/build-memory.json" 2>"$OUT/build-memory.txt" ||
  { tail -n 40 "$OUT/build-memory.txt" >&2; exit 1; }
PROBE=$(python3 -c '
import json, sys
for line in sys.stdin:
    message = json.loads(line)
    target = message.get("target") or {}
    if message.get("reason") == "compiler-artifact" and target.get("name") == "memory" \
            and "bench" in target.get("kind", []) and message.get("executable"):
        print(message["executable"])
' <"$OUT/build-memory.json")
[ -x "$PROBE" ] || { echo "no memory bench executable in $OUT/build-memory.json" >&2; exit 1; }
for mode in plain iam oac; do
  /usr/bin/time -v "$PROBE" "--$mode" >"$OUT/memory-$mode.txt" 2>"$OUT/memory-$mode.time"
done
# A 5,000,000-byte file streamed through SigningMiddleware: exits non-zero when the peak heap
# grows by 2 MiB or more.
"$PROBE" --stream >"$OUT/memory-stream.txt"
"$PROBE" --count-allocs >"$OUT/allocs.md"
"$PROBE" --signatures >"$OUT/signatures.txt"
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
}

TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
OUT="$TARGET_DIR/bench-report"
if [ "$REPORT_ONLY" -eq 0 ]; then
  measure
elif [ ! -f "$OUT/machine.txt" ]; then
  echo "no earlier run in $OUT" >&2
  exit 1
fi

# --- report ----------------------------------------------------------------------------------
python3 - "$OUT" <<'PY'
import json
import re
import sys
from pathlib import Path

out = Path(sys.argv[1])
MIB = 1024 * 1024


def estimates(bench_id):
    group, _, name = bench_id.partition("/")
    path = out / "criterion" / group / name.replace("/", "_") / "new" / "estimates.json"
    return json.loads(path.read_text())


def median_ns(bench_id):
    return estimates(bench_id)["median"]["point_estimate"]


def criterion_ns(bench_id):
    """The point estimate criterion prints: the slope (linear sampling) or the mean (flat)."""
    e = estimates(bench_id)
    return (e.get("slope") or e["mean"])["point_estimate"]


def fmt_time(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.3f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.1f} ns"


machine = dict(line.split("=", 1) for line in (out / "machine.txt").read_text().splitlines())
print("## Machine\n")
print(f"- `nproc`: {machine['nproc']}")
print(f"- `lscpu` model name: {machine['cpu']}")
print(f"- {machine['rustc']}; {machine['openssl']}; {machine['python']}; node {machine['node']}")
print(f"- commit measured: {machine['commit']}")
print(f"- load average (1, 5, 15 min) before: {machine['load_before']}, after: {machine['load_after']} "
      "(the bench itself keeps about one core busy; more means other work shared the 2 cores)")
print()

sizes = {"64B": 64, "1KiB": 1024, "64KiB": 64 * 1024, "1MiB": MIB, "6MiB": 6 * MIB}
ids = [f"hash/{s}" for s in sizes]
ids += [f"sign/{who}/{case}" for case in ("get", "post_1k", "post_6m") for who in ("crate", "aws_sigv4")]
ids.insert(ids.index("sign/aws_sigv4/get"), "sign/crate/get_cold")
ids += [f"roundtrip/{mode}" for mode in ("plain", "iam", "oac")]
medians = {i: median_ns(i) for i in ids}
print("## Criterion medians (`cargo bench --bench sign`)\n")
print("| bench | median | throughput (median) | criterion's estimate (slope or mean) |")
print("|---|---:|---:|---:|")
for i in ids:
    size = sizes.get(i.partition("/")[2]) if i.startswith("hash/") else None
    thrpt = f"{size / (medians[i] / 1e9) / 2**30:.3f} GiB/s" if size else ""
    print(f"| `{i}` | {fmt_time(medians[i])} | {thrpt} | {fmt_time(criterion_ns(i))} |")
print()

boto = json.loads((out / "botocore.json").read_text())
aws4 = json.loads((out / "aws4.json").read_text())
print("## Per-signature cost against peers (µs, median)\n")
print(f"Hash the body, set `x-amz-content-sha256`, sign; same requests, credentials (with a session "
      f"token) and time. botocore {boto['botocore']}, aws4 {aws4['aws4']} on node {aws4['node']}.\n")
print("| request | crate | aws-sigv4 | botocore | aws4 |")
print("|---|---:|---:|---:|---:|")
for case, label in (("get", "GET with query"), ("post_1k", "POST 1 KiB JSON")):
    print(f"| {label} | {medians[f'sign/crate/{case}'] / 1e3:.2f} | "
          f"{medians[f'sign/aws_sigv4/{case}'] / 1e3:.2f} | "
          f"{boto['cases'][case]['us_per_signature']:.2f} | {aws4['cases'][case]['us_per_signature']:.2f} |")
print()

# Every signer must have computed the same signature, or the comparison means nothing.
signatures = {}
for line in (out / "signatures.txt").read_text().splitlines():
    who, case, signed, signature = line.split()
    signatures[(who, case)] = (signed, signature)
for case in ("get", "post_1k"):
    signatures[("botocore", case)] = (boto["cases"][case]["signed_headers"], boto["cases"][case]["signature"])
    signatures[("aws4", case)] = (aws4["cases"][case]["signed_headers"], aws4["cases"][case]["signature"])
agree = True
for case in ("get", "post_1k"):
    found = {v for (who, c), v in signatures.items() if c == case}
    if len(found) != 1:
        agree = False
        print(f"**signatures differ for {case}:** " + ", ".join(
            f"{who}={v[1][:12]}" for (who, c), v in signatures.items() if c == case))
if agree:
    print("All four signers produce the same signed headers and signature for both requests.\n")

openssl_text = (out / "openssl.txt").read_text()
match = re.search(r"^sha256\s+([\d.]+)k\s*$", openssl_text, re.M)
openssl_bps = float(match.group(1)) * 1000
hash_bps = MIB / (medians["hash/1MiB"] / 1e9)


def max_rss_kib(mode):
    text = (out / f"memory-{mode}.time").read_text()
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))


def peak_heap(mode):
    text = (out / f"memory-{mode}.txt").read_text()
    return int(re.search(r"^peak heap: (\d+) bytes", text, re.M).group(1))


rss = {m: max_rss_kib(m) for m in ("plain", "iam", "oac")}
heap = {m: peak_heap(m) for m in ("plain", "iam", "oac")}
body = 6 * MIB

lines = [
    ("`hash/1MiB` ≥ 0.95 × openssl sha256",
     f"{hash_bps / 1e6:.0f} MB/s vs {openssl_bps / 1e6:.0f} MB/s", hash_bps / openssl_bps, lambda r: r >= 0.95),
    ("`sign/crate/get` ≤ 0.25 × `sign/aws_sigv4/get` (stretch 0.15)",
     f"{fmt_time(medians['sign/crate/get'])} vs {fmt_time(medians['sign/aws_sigv4/get'])}",
     medians["sign/crate/get"] / medians["sign/aws_sigv4/get"], lambda r: r <= 0.25),
    ("`sign/crate/post_1k` ≤ 0.40 × `sign/aws_sigv4/post_1k` (stretch 0.30)",
     f"{fmt_time(medians['sign/crate/post_1k'])} vs {fmt_time(medians['sign/aws_sigv4/post_1k'])}",
     medians["sign/crate/post_1k"] / medians["sign/aws_sigv4/post_1k"], lambda r: r <= 0.40),
    ("`sign/crate/post_6m` ≤ 1.03 × `hash/6MiB`",
     f"{fmt_time(medians['sign/crate/post_6m'])} vs {fmt_time(medians['hash/6MiB'])}",
     medians["sign/crate/post_6m"] / medians["hash/6MiB"], lambda r: r <= 1.03),
    ("`roundtrip/iam` ≤ 1.10 × `roundtrip/plain` (stretch 1.05)",
     f"{fmt_time(medians['roundtrip/iam'])} vs {fmt_time(medians['roundtrip/plain'])}",
     medians["roundtrip/iam"] / medians["roundtrip/plain"], lambda r: r <= 1.10),
    ("`roundtrip/oac` ≤ 1.05 × `roundtrip/plain`",
     f"{fmt_time(medians['roundtrip/oac'])} vs {fmt_time(medians['roundtrip/plain'])}",
     medians["roundtrip/oac"] / medians["roundtrip/plain"], lambda r: r <= 1.05),
    ("`sign/crate/get_cold` vs `sign/aws_sigv4/get` (report only)",
     f"{fmt_time(medians['sign/crate/get_cold'])} vs {fmt_time(medians['sign/aws_sigv4/get'])}",
     medians["sign/crate/get_cold"] / medians["sign/aws_sigv4/get"], lambda r: True),
    ("peak heap, IAM send of 6 MiB ≤ body + 2 MiB",
     f"{heap['iam'] / MIB:.2f} MiB vs {(body + 2 * MIB) / MIB:.2f} MiB",
     heap["iam"] / (body + 2 * MIB), lambda r: r <= 1.0),
    ("max RSS, IAM − plain send of 6 MiB ≤ 2 MiB",
     f"{(rss['iam'] - rss['plain']) / 1024:+.2f} MiB", (rss["iam"] - rss["plain"]) / 2048, lambda r: r <= 1.0),
]
print("## Budget\n")
print("| budget | measured | ratio | result |")
print("|---|---|---:|---|")
missed = False
for name, measured, ratio, ok in lines:
    passed = ok(ratio)
    missed |= not passed
    print(f"| {name} | {measured} | {ratio:.3f} | {'pass' if passed else '**miss**'} |")
print()

print("## Memory (one 6 MiB POST to a loopback server that discards it)\n")
print("| mode | max RSS (`/usr/bin/time -v`) | peak heap (counting allocator) |")
print("|---|---:|---:|")
for mode in ("plain", "iam", "oac"):
    print(f"| `--{mode}` | {rss[mode] / 1024:.2f} MiB ({rss[mode]} KiB) | "
          f"{heap[mode] / MIB:.3f} MiB ({heap[mode]} B) |")
if (out / "memory-stream.txt").exists():  # runs before the memory bench target had no such file
    stream_growth = int(re.search(r"^peak heap growth: (\d+) bytes",
                                  (out / "memory-stream.txt").read_text(), re.M).group(1))
    print(f"\nStreaming a 5,000,000-byte file through `SigningMiddleware` (`--stream`): peak heap "
          f"growth {stream_growth / MIB:.3f} MiB ({stream_growth} B; the probe fails at 2 MiB).")
print()
print("## Allocations per signature (1000 rounds, request clone and drop not counted)\n")
print((out / "allocs.md").read_text())

(out / "missed").write_text("1" if missed or not agree else "0")
PY
[ "$(cat "$OUT/missed")" = 0 ] || exit 3
