#!/usr/bin/env bash
# Baseline for MariaDB provisioning: the per-scenario shell way. One fresh server per scenario:
# mariadb-install-db into a new folder + mariadbd started in the background + `mariadb-admin ping`
# every 0.1 s until it answers + `mariadb-admin shutdown` + wait + rm -rf.
#   baseline_provision_mariadb.sh <work-dir> <port | path of floor_provision, which prints a free port>
# Same install-db flags, bootstrap (root password) and server settings as stagegate
# (harness/provision/local_mariadb.cpp). Run as root: the server runs as the mysql account
# through setpriv. With BENCH_PHASES=<file>, appends one JSON line of phase times (ms) to it.
set -euo pipefail
work=$1 port=$2
# Other programs on a shared machine may take a fixed port: ask for a free one per run (~1 ms).
if [[ ! $port =~ ^[0-9]+$ ]]; then port=$("$port" --free-port); fi
as_my=(setpriv --reuid=mysql --regid=mysql --init-groups)
d=$work/mbaseline-$$
pid=
marks=()
mark() { if [[ -n ${BENCH_PHASES:-} ]]; then marks+=("$(date +%s%N)"); fi; }
cleanup() {
  if [[ -n $pid ]]; then kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$d"
}
trap cleanup EXIT
mkdir -m 0700 "$d"
chown mysql:mysql "$d"
pw=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077 && cat >"$d/secret" <<SQL
FLUSH PRIVILEGES;
DELETE FROM mysql.global_priv WHERE User = '';
ALTER USER 'root'@'localhost' IDENTIFIED BY '$pw';
CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
)
chown mysql:mysql "$d/secret"
mark
"${as_my[@]}" mariadb-install-db --no-defaults --datadir="$d/data" --auth-root-authentication-method=normal \
  --skip-test-db --skip-name-resolve --innodb-log-file-size=8M --extra-file="$d/secret" >"$d/install.log" 2>&1
mark
"${as_my[@]}" mariadbd --no-defaults --datadir="$d/data" --port="$port" --socket="$d/mysqld.sock" \
  --pid-file="$d/mariadbd.pid" --bind-address=127.0.0.1 --skip-name-resolve --innodb-log-file-size=8M \
  --innodb-buffer-pool-size=32M --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --skip-log-bin \
  >"$d/server.log" 2>&1 </dev/null &
pid=$!
admin=(mariadb-admin --no-defaults -h 127.0.0.1 -P "$port" -u root --password="$pw")
for _ in $(seq 1 300); do
  "${admin[@]}" ping >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { echo "mariadbd exited" >&2; cat "$d/server.log" >&2; exit 1; }
  sleep 0.1
done
"${admin[@]}" ping >/dev/null
mark
"${admin[@]}" shutdown
wait "$pid"
pid=
mark
if [[ -n ${BENCH_PHASES:-} ]]; then
  rm -rf "$d"
  mark
  m=("${marks[@]}")
  printf '{"install_db_ms": %d, "start_until_ping_ms": %d, "admin_shutdown_ms": %d, "rm_ms": %d}\n' \
    $(((m[1] - m[0]) / 1000000)) $(((m[2] - m[1]) / 1000000)) $(((m[3] - m[2]) / 1000000)) $(((m[4] - m[3]) / 1000000)) \
    >>"$BENCH_PHASES"
fi
