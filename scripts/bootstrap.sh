#!/usr/bin/env bash
# Installs what Keel needs on a fresh machine, then the workspace's dependencies. Idempotent:
# each step is skipped when its result is already there.
#   bash scripts/bootstrap.sh            pnpm and node_modules (enough for the demo)
#   bash scripts/bootstrap.sh --system   also etcdctl and etcd (Debian's etcd-client and
#                                        etcd-server), which the tests and benchmarks compare with,
#                                        and openssl, which the TLS tests make certificates with
set -euo pipefail
cd "$(dirname "$0")/.."

pnpm_version=10.34.9
say() { printf 'bootstrap: %s\n' "$*" >&2; }

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$pnpm_version" ]; then
  say "installing pnpm $pnpm_version with npm (corepack cannot reach this registry)"
  npm install --global --no-fund --no-audit --loglevel=error "pnpm@$pnpm_version" >&2
fi

if [ "${1:-}" = "--system" ]; then
  missing=()
  command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
  command -v etcd >/dev/null 2>&1 || [ -x /usr/bin/etcd ] || missing+=(etcd-server)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    say "installing ${missing[*]} from Debian (etcdctl, etcd and openssl, to test against)"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >&2
    # Debian starts etcd-server as a service; Keel's tests start their own etcd when they need one.
    if command -v systemctl >/dev/null 2>&1; then $sudo systemctl disable --now etcd >/dev/null 2>&1 || true; fi
  fi
fi

if [ -f node_modules/.modules.yaml ]; then
  # Already installed: stay quiet unless something changed or failed.
  pnpm install --frozen-lockfile --reporter=silent >&2 || pnpm install --frozen-lockfile >&2
else
  say "installing workspace dependencies (pnpm install --frozen-lockfile)"
  pnpm install --frozen-lockfile --reporter=append-only >&2
fi
