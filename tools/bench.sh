#!/usr/bin/env bash
# `pnpm bench`: runs each package's benchmark, one section per package. `pnpm bench` builds first.
# Each section is self-contained; add yours below the last one.
set -euo pipefail
cd "$(dirname "$0")/.."
# Node loads extra CA certificates at start-up when this is set: noise in every timing.
unset NODE_EXTRA_CA_CERTS

# ==== @corestack/mmap =============================================================================
# 100k random reads of 8–64 bytes (two passes over the same offsets) over a 2 GiB sparse file
# (64 KiB of data every 16 MiB), with the mmap backend and with the pread fallback
# (CORESTACK_NO_MMAP=1). Per backend, on a fresh file:
# a cold run (first touch of every page), a warm run, then one warm pass under `strace -c -f` for
# system call counts (strace slows system calls down, so that run is not timed). Both backends must
# print the same checksum. The numbers are in packages/mmap/README.md.
mmap_bench() {
  local out=packages/mmap/.cache/bench
  npx tsc -p packages/mmap/tsconfig.bench.json
  local script="$out/mmap_bench.js"
  local file trace
  file="$(mktemp "${TMPDIR:-/tmp}/corestack-mmap-bench.XXXXXX")"
  trace="$(mktemp "${TMPDIR:-/tmp}/corestack-mmap-strace.XXXXXX")"
  # Removes the temporary files however the function ends, then un-sets itself (a RETURN trap
  # would otherwise fire for every later function).
  trap 'rm -f "$file" "$trace"; trap - RETURN' RETURN
  echo "## @corestack/mmap: 100k random 8-64 byte reads, 2 GiB sparse file"
  for no_mmap in "" 1; do
    rm -f "$file"
    node "$script" create "$file"
    echo "-- CORESTACK_NO_MMAP=${no_mmap}"
    echo -n "cold: "; CORESTACK_NO_MMAP="$no_mmap" node "$script" read "$file"
    echo -n "warm: "; CORESTACK_NO_MMAP="$no_mmap" node "$script" read "$file"
    if command -v strace >/dev/null; then
      CORESTACK_NO_MMAP="$no_mmap" strace -c -f -o "$trace" node "$script" read "$file" 100000 1 >/dev/null
      echo "strace -c -f, one pass of 100k reads (whole process, node start-up included):"
      grep -wE "calls|pread64|mmap|munmap|openat|total" "$trace" | sed 's/^/  /'
    fi
  done
  # Baseline: what node start-up, module loading and one open cost, with no reads.
  if command -v strace >/dev/null; then
    strace -c -f -o "$trace" node "$script" read "$file" 0 >/dev/null
    echo "-- baseline, 0 reads (mmap): $(grep -E 'total' "$trace" | awk '{print $4}') system calls in total"
  fi
}
mmap_bench
# ==== end @corestack/mmap =========================================================================

# ==== @corestack/cli ==============================================================================
# `corestack core` on a real core of CPython 3.12.1 (pyenv) running the "threads" scenario (the
# main thread and four others), made fresh into packages/cli/.cache/bench/ by the core maker.
# 1. Wall time (hyperfine, -N: no shell) of the bundled CLI (dist/corestack.mjs, what npm installs)
#    and of the unbundled tsc output (dist/main.js), text and --json, beside `node -e ''` (node's
#    own start-up) and `--version` (start-up plus loading the CLI), in the same run.
# 2. System calls of one run of each (`strace -f -c`: whole process, node's start-up included).
# 3. Where the time goes (tools/startup_profile.mjs, bundled like the CLI): medians of fresh runs.
# The numbers are in packages/cli/README.md ("Performance").
cli_bench() {
  local out=packages/cli/.cache/bench
  local python="${CORESTACK_BENCH_PYTHON:-$HOME/.pyenv/versions/3.12.1/bin/python}"
  local runs="${CORESTACK_BENCH_RUNS:-30}"
  echo
  echo "## @corestack/cli: corestack core on a CPython 3.12 core with 5 threads"
  if [[ ! -x "$python" ]]; then
    echo "skipped: $python not found (set CORESTACK_BENCH_PYTHON to a CPython 3.12)"
    return 0
  fi
  mkdir -p "$out"
  local case_json core
  if ! case_json="$(node tools/testing/make_core.mjs --python "$python" --scenario threads --json --out "$out/threads-core")"; then
    echo "skipped: the core maker could not make a core on this machine"
    return 0
  fi
  core="$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).core)' "$case_json")"
  local bundle=packages/cli/dist/corestack.mjs main=packages/cli/dist/main.js
  echo "core: $core ($(du -h --apparent-size "$core" | cut -f1)); node $(node --version); $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"

  if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 3 --runs "$runs" --style none --export-json "$out/hyperfine.json" \
      "node -e ''" \
      "node $main --version" \
      "node $bundle --version" \
      "node $main core $core" \
      "node $bundle core $core" \
      "node $bundle core --json $core" >/dev/null
    echo "wall time, $runs runs each (hyperfine -N --warmup 3):"
    node -e '
      const { results } = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const f = (s) => (s * 1000).toFixed(1).padStart(6);
      const median = (t) => { const s = [...t].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
      console.log(`  ${"command".padEnd(58)}  median    mean ±    σ     min    user     sys`);
      for (const r of results) {
        const name = r.command.replace(process.argv[2], "CORE").replace(/\S*packages\/cli\/dist\//, "");
        console.log(`  ${name.padEnd(58)} ${f(median(r.times))} ${f(r.mean)} ±${f(r.stddev)} ${f(r.min)} ${f(r.user)} ${f(r.system)}`);
      }
      console.log("  (milliseconds)");
    ' "$out/hyperfine.json" "$core"
  else
    echo "hyperfine not found: apt-get install hyperfine (wall times skipped)"
  fi

  if command -v strace >/dev/null; then
    echo "system calls of one run (strace -f -c; whole process, node start-up included):"
    local label command
    local -a rows=()
    for label in "node -e ''|node -e ''" \
      "main.js core|node $main core $core" \
      "corestack.mjs core|node $bundle core $core" \
      "corestack.mjs core --json|node $bundle core --json $core"; do
      command="${label#*|}"
      eval "strace -f -c -o '$out/strace.txt' $command" >/dev/null 2>&1
      rows+=("${label%%|*}|$(awk '
        $NF ~ /^(openat|open|read|pread64|mmap|munmap|close|stat|statx|newfstatat|fstat|lstat|lseek|readlink|total)$/ {
          n[$NF] = $4 }
        END { printf "%d %d %d %d %d %d %d %d %d", n["openat"] + n["open"], n["read"], n["pread64"], n["mmap"], n["munmap"], n["close"],
                n["stat"] + n["statx"] + n["newfstatat"] + n["fstat"] + n["lstat"], n["lseek"], n["total"] }' "$out/strace.txt")")
    done
    printf "  %-28s %7s %6s %8s %6s %7s %6s %6s %6s %7s\n" "" openat read pread64 mmap munmap close "stat*" lseek total
    local row
    for row in "${rows[@]}"; do
      # shellcheck disable=SC2086
      printf "  %-28s %7s %6s %8s %6s %7s %6s %6s %6s %7s\n" "${row%%|*}" ${row#*|}
    done
    echo "  (stat* = stat + statx + newfstatat + fstat + lstat; pystack's own table for one core, from"
    echo "   its issue \"Optimize core file reading\": openat 1238, read 1015, lseek 863,"
    echo "   mmap 507, munmap 405, close 1199, stat 1188 + fstat 632 + lstat 10, pread64 8, total 8367)"
  else
    echo "strace not found: apt-get install strace (system call counts skipped)"
  fi

  echo "where the time goes (tools/startup_profile.mjs, bundled like the CLI):"
  node_modules/.bin/esbuild tools/startup_profile.mjs --bundle --platform=node --format=esm --target=node20 \
    --external:@riaskov/mmap-io --banner:js="globalThis.__corestackEntry = performance.now();" \
    --outfile="$out/startup_profile.mjs" --log-level=warning
  node "$out/startup_profile.mjs" "$core" --repeat "${CORESTACK_BENCH_PROFILE_RUNS:-21}" | sed 's/^/  /'
}
cli_bench
# ==== end @corestack/cli ==========================================================================
