#!/usr/bin/env bash
# The README's first command: install everything, make a core of a small bundled Python program
# with an interpreter found on this machine, and run `corestack core` on it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install_pnpm.sh
pnpm install --frozen-lockfile
pnpm build

out=.cache/quickstart
rm -rf "$out"
mkdir -p "$out"
ulimit -c unlimited 2>/dev/null || true
echo
echo "Making a core of tools/testing/scenarios/threads.py (a program with four threads that aborts)…"
status=0
node tools/testing/make_core.mjs --scenario threads --out "$out" || status=$?
if [ "$status" -eq 3 ]; then
  # The kernel would not write the core here (core_pattern pipes it to systemd-coredump or apport,
  # or the size limit is 0): take it with gdb's gcore from the live process instead, if gdb exists.
  echo "Trying gdb's gcore instead (the process is stopped and dumped, not crashed)…"
  status=0
  node tools/testing/make_core.mjs --scenario idle --gcore --out "$out" || status=$?
fi
if [ "$status" -ne 0 ]; then
  cat >&2 <<'HELP'

Could not make a core on this machine (see the reason above). Either
  - let the kernel write cores to files:  sudo sysctl kernel.core_pattern=core  (and ulimit -c unlimited), or
  - install gdb, so the quick start can take the core with gcore, or
  - with systemd-coredump: run a crashing program, then `coredumpctl dump PID -o core` and
    `node packages/cli/dist/main.js core core`.
HELP
  exit 1
fi
echo
echo "\$ corestack core $out/core"
node packages/cli/dist/main.js core "$out/core"
