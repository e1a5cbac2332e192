#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL server: `scripts/with-postgres-server.sh npx vitest run`.
#
# The server is Debian's postgresql-15 (installed here when missing), never the system's own cluster: initdb into
# a temp directory, a free loopback port, password auth, torn down on exit. The command gets the server as
# KOSH_TEST_DATABASE_URL (tests) and KOSH_BENCH_DATABASE_URL (benchmarks). `npm run test:server` uses it; CI too.
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || true)
if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
  echo "with-postgres-server: installing postgresql-15" >&2
  sudo=""
  [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # Only the server binaries are wanted: policy-rc.d keeps the package from starting the system cluster.
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null && $sudo chmod +x /usr/sbin/policy-rc.d
  $sudo apt-get install -y -q --no-install-recommends postgresql-15 >/dev/null 2>&1 || {
    $sudo apt-get update -q >/dev/null
    $sudo apt-get install -y -q --no-install-recommends postgresql-15 >/dev/null
  }
  $sudo rm -f /usr/sbin/policy-rc.d
  bindir=/usr/lib/postgresql/15/bin
fi

dir=$(mktemp -d /tmp/kosh-pg-server-XXXXXX)
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
password=$(node -e 'console.log(require("crypto").randomBytes(18).toString("base64url"))')
as_pg=()
if [[ "$(id -u)" -eq 0 ]]; then
  id -u postgres >/dev/null 2>&1 || useradd -r postgres
  chown postgres "$dir"
  as_pg=(runuser -u postgres --)
fi
chmod 755 "$dir"
printf '%s\n' "$password" >"$dir/pw" && chmod 644 "$dir/pw"

cleanup() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

"${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -U kosh --pwfile="$dir/pw" --auth=scram-sha-256 -E UTF8 --locale=C >/dev/null
rm -f "$dir/pw"
"${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c max_connections=300" start >/dev/null
url="postgres://kosh:${password}@127.0.0.1:${port}/postgres"
echo "with-postgres-server: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2

KOSH_TEST_DATABASE_URL="$url" KOSH_BENCH_DATABASE_URL="$url" "$@"
