#!/usr/bin/env bash
# Baseline for provisioning: the per-scenario shell way. One fresh cluster per scenario:
# initdb (scram-sha-256, --pwfile) + pg_ctl start -w + pg_ctl stop -w + rm -rf.
#   baseline_provision.sh <work-dir on the same filesystem as stagegate's> <port> <pg-bindir>
# Same initdb flags and server settings as stagegate (harness/provision/local_postgres.cpp).
set -euo pipefail
work=$1 port=$2 bin=$3
as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups)
d=$work/baseline-$$
started=0
cleanup() {
  if ((started)); then "${as_pg[@]}" "$bin/pg_ctl" stop -s -m immediate -D "$d/data" >/dev/null 2>&1 || true; fi
  rm -rf "$d"
}
trap cleanup EXIT
mkdir -m 0700 "$d"
chown postgres:postgres "$d"
(umask 077 && head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$d/pwfile")
chown postgres:postgres "$d/pwfile"
"${as_pg[@]}" "$bin/initdb" -D "$d/data" --auth=scram-sha-256 --pwfile="$d/pwfile" -U postgres -E UTF8 \
  --locale=C --no-instructions -N >"$d/initdb.log" 2>&1
started=1
"${as_pg[@]}" "$bin/pg_ctl" start -w -s -D "$d/data" -l "$d/server.log" \
  -o "-p $port -k $d -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c unix_socket_permissions=0700"
"${as_pg[@]}" "$bin/pg_ctl" stop -w -s -m fast -D "$d/data"
started=0
