#!/usr/bin/env bash
# Makes the pnpm version pinned in package.json ("packageManager") available on PATH.
# Corepack would be the usual way, but its signature check fails for current pnpm releases with
# the corepack that ships with Node 20 ("Cannot find matching keyid"), so pnpm is installed from
# the npm registry with npm itself.
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$want" ]; then
  exit 0
fi
echo "Installing pnpm@$want with npm…"
if ! npm install --global --no-audit --no-fund "pnpm@$want" >/dev/null; then
  echo "npm could not install pnpm globally (no permission?). Try: npm install --global pnpm@$want" >&2
  exit 1
fi
pnpm --version >/dev/null
