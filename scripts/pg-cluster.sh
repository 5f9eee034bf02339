#!/usr/bin/env bash
# A throw-away cluster of Debian's PostgreSQL (15 here) in DIR, for CI's second pass and the fault tests.
#   eval "$(scripts/pg-cluster.sh start DIR)"   initialises DIR on first use, starts it (on the same port as
#                                               before, if it ran before) and prints DATABASE_URL
#   eval "$(scripts/pg-cluster.sh replica DIR PRIMARY_DIR)"
#                                               a streaming replica of the running primary in PRIMARY_DIR
#                                               (pg_basebackup -R on first use, hot standby, a port of its
#                                               own); prints DATABASE_READ_URL
#   scripts/pg-cluster.sh stop DIR              fast shutdown: open connections are cut
# PG_CLUSTER_OPTIONS adds server options (e.g. "-c log_statement=all") to start and replica.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
dir=$2
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case $1 in
  start)
    if [ ! -f "$dir/port" ]; then
      mkdir -p "$dir"; chmod 711 "$dir"
      [ "$(id -u)" = 0 ] && chown postgres "$dir"
      as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
      python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' > "$dir/port"
    fi
    port=$(cat "$dir/port")
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -o "-p $port -k $dir -c listen_addresses=127.0.0.1 ${PG_CLUSTER_OPTIONS:-}" -w start >/dev/null
    echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  replica)
    primary=$3
    if [ ! -f "$dir/port" ]; then
      mkdir -p "$dir"; chmod 711 "$dir"
      [ "$(id -u)" = 0 ] && chown postgres "$dir"
      # initdb's pg_hba.conf lets 127.0.0.1 replicate (trust); -R writes primary_conninfo and standby.signal.
      as_pg "$bin/pg_basebackup" -h 127.0.0.1 -p "$(cat "$primary/port")" -U postgres -D "$dir/data" -R -X stream -c fast
      python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' > "$dir/port"
    fi
    port=$(cat "$dir/port")
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c hot_standby=on ${PG_CLUSTER_OPTIONS:-}" -w start >/dev/null
    echo "export DATABASE_READ_URL=postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
esac
