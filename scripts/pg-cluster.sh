#!/usr/bin/env bash
# A throw-away cluster of Debian's PostgreSQL (15 here) in DIR, for CI's second pass and the fault tests.
#   eval "$(scripts/pg-cluster.sh start DIR)"   initialises DIR on first use, starts it (on the same port as
#                                               before, if it ran before) and prints DATABASE_URL
#   eval "$(scripts/pg-cluster.sh replica DIR PRIMARY_DIR)"
#                                               a streaming replica of the running primary in PRIMARY_DIR
#                                               (pg_basebackup -R on first use, hot standby, a port of its
#                                               own); prints DATABASE_READ_URL
#   eval "$(scripts/pg-cluster.sh standby DIR PRIMARY_DIR)"
#                                               the same, made the primary's synchronous standby: the primary
#                                               then answers a COMMIT only once the standby has the commit on
#                                               disk (synchronous_standby_names, synchronous_commit=on,
#                                               reloaded); returns once it streams as 'sync'. Prints
#                                               STANDBY_URL and DATABASE_URL naming both, primary first,
#                                               with target_session_attrs=read-write
#   scripts/pg-cluster.sh promote DIR           the standby in DIR becomes a primary (pg_ctl promote -w)
#   scripts/pg-cluster.sh kill DIR              SIGKILL to the postmaster and every backend at once, as when
#                                               its machine dies: no shutdown checkpoint, connections just cut
#   scripts/pg-cluster.sh stop DIR              fast shutdown: open connections are cut
# PG_CLUSTER_OPTIONS adds server options (e.g. "-c log_statement=all") to start, replica and standby.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
dir=$2
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
# Below the kernel's ephemeral range (as tests/ports.ts does), where no outgoing connection takes the port
# between this choice and the cluster's start.
free_port() {
  python3 - <<'PY'
import random, socket
low = int(open('/proc/sys/net/ipv4/ip_local_port_range').read().split()[0])
while True:
    port = random.randint(20000, max(21000, low - 1))
    try:
        socket.socket().bind(('127.0.0.1', port))
        print(port)
        break
    except OSError:
        pass
PY
}
sql() { as_pg "$bin/psql" -X -q -A -t -h 127.0.0.1 -p "$1" -U postgres -d postgres -c "$2"; }
# A base backup of the running primary in $1 into $dir, which then follows it (standby.signal, primary_conninfo
# naming $2 as its application_name); its port is chosen on first use, and kept.
follow() {
  if [ ! -f "$dir/port" ]; then
    mkdir -p "$dir"; chmod 711 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    # initdb's pg_hba.conf lets 127.0.0.1 replicate (trust); -R writes primary_conninfo and standby.signal,
    # with the application_name given here, the name synchronous_standby_names matches.
    as_pg "$bin/pg_basebackup" -d "host=127.0.0.1 port=$(cat "$1/port") user=postgres application_name=$2" \
      -D "$dir/data" -R -X stream -c fast
    free_port > "$dir/port"
  fi
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" \
    -o "-p $(cat "$dir/port") -k $dir -c listen_addresses=127.0.0.1 -c hot_standby=on ${PG_CLUSTER_OPTIONS:-}" \
    -w start >/dev/null
}
case $1 in
  start)
    if [ ! -f "$dir/port" ]; then
      mkdir -p "$dir"; chmod 711 "$dir"
      [ "$(id -u)" = 0 ] && chown postgres "$dir"
      as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
      free_port > "$dir/port"
    fi
    port=$(cat "$dir/port")
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -o "-p $port -k $dir -c listen_addresses=127.0.0.1 ${PG_CLUSTER_OPTIONS:-}" -w start >/dev/null
    echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  replica)
    follow "$3" "$(basename "$dir")"
    echo "export DATABASE_READ_URL=postgres://postgres@127.0.0.1:$(cat "$dir/port")/postgres"
    ;;
  standby)
    primary_port=$(cat "$3/port")
    # A name PostgreSQL takes unquoted in synchronous_standby_names.
    name=standby_$(tr -dc 'a-z0-9_' <<<"$(basename "$dir" | tr 'A-Z-' 'a-z_')")
    follow "$3" "$name"
    port=$(cat "$dir/port")
    # Only now: a primary waiting for a standby that is not there yet would hold every COMMIT meanwhile.
    sql "$primary_port" "alter system set synchronous_standby_names = '$name'" >/dev/null
    sql "$primary_port" "alter system set synchronous_commit = 'on'" >/dev/null
    sql "$primary_port" "select pg_reload_conf()" >/dev/null
    state() { sql "$primary_port" "select sync_state from pg_stat_replication where application_name = '$name'"; }
    for _ in $(seq 100); do [ "$(state)" = sync ] && break; sleep 0.1; done
    [ "$(state)" = sync ] || { echo "pg-cluster.sh: $dir is not a synchronous standby of $3 after 10 s" >&2; exit 1; }
    echo "export STANDBY_URL=postgres://postgres@127.0.0.1:$port/postgres"
    echo "export DATABASE_URL='postgres://postgres@127.0.0.1:$primary_port,127.0.0.1:$port/postgres?target_session_attrs=read-write'"
    ;;
  promote)
    as_pg "$bin/pg_ctl" -D "$dir/data" -w promote >/dev/null
    ;;
  kill)
    pid=$(head -n 1 "$dir/data/postmaster.pid")
    # Stopped first, so that it forks no backend while they are listed, and they stay its children meanwhile;
    # listed from /proc (field 4 of stat is the parent), as slim images have no pgrep.
    kill -STOP "$pid"
    kill -KILL $(awk -v parent="$pid" '$4 == parent { split(FILENAME, path, "/"); print path[3] }' /proc/[0-9]*/stat 2>/dev/null) "$pid"
    # Dead (a zombie at most) before this returns. Its lock files go too: while init has not reaped it, they
    # name a pid that still exists, and `stop` would wait a minute for it and `start` refuse. A `start` then
    # recovers from the crash as after a power cut.
    for _ in $(seq 50); do { [ ! -e "/proc/$pid" ] || awk '$3 != "Z" { exit 1 }' "/proc/$pid/stat" 2>/dev/null; } && break; sleep 0.1; done
    rm -f "$dir/data/postmaster.pid" "$dir"/.s.PGSQL.*.lock
    ;;
  stop)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
esac
