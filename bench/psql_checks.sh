#!/usr/bin/env bash
# Baseline for a candidate with a connect check and three query checks, the shell-script way:
# four psql processes, each with its own scram-sha-256 login over TCP.
#   PGPASSWORD=... psql_checks.sh <port> <pg-bindir>
set -euo pipefail
port=$1 bin=$2
psql=("$bin/psql" -X -q -A -t -v ON_ERROR_STOP=1 "host=127.0.0.1 port=$port user=bench dbname=postgres sslmode=disable connect_timeout=5")
[[ $("${psql[@]}" -c 'SELECT 1') == 1 ]]
[[ $("${psql[@]}" -c 'SELECT 1') == 1 ]]
[[ $("${psql[@]}" -c 'SELECT current_user') == bench ]]
[[ $("${psql[@]}" -c 'SELECT count(*) FROM pg_database WHERE datname = current_database()') == 1 ]]
