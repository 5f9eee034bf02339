#!/usr/bin/env bash
# A throw-away cluster of Debian's PostgreSQL (15 here) in DIR, for CI's second pass and the fault tests.
#   eval "$(scripts/pg-cluster.sh start DIR)"   initialises DIR on first use, starts it (on the same port as
#                                               before, if it ran before) and prints DATABASE_URL
#   scripts/pg-cluster.sh stop DIR              fast shutdown: open connections are cut
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
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" -w start >/dev/null
    echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
esac
