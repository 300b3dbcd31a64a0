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
