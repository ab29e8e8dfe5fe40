#!/bin/sh
# pg_cluster.sh: a throwaway PostgreSQL cluster for tests, independent of the packaged
# one (which may be stopped or absent).
#
#   pg_cluster.sh start <dir>          creates <dir>, initdb + start; prints the URL
#                                      postgres://postgres@127.0.0.1:<port>/postgres
#   pg_cluster.sh stop <dir>           pg_ctl stop -m fast, then removes <dir>
#   pg_cluster.sh createdb <url> <name>  creates database <name>; prints its URL
#
# Uses the newest /usr/lib/postgresql/<version>/bin. The server listens on 127.0.0.1
# only (a free port picked at random, retried if taken meanwhile) and on a unix socket in
# <dir>; trust authentication, user postgres, fsync on. PostgreSQL refuses to run as
# root, so when started as root the server runs as the `postgres` OS user, which must be
# able to reach <dir> (a `mktemp -d` folder in /tmp is fine; /root is not).
# Only a folder that this script created (marker file) is ever removed.
set -eu

MARKER=.shopd_pg_cluster

die() {
    echo "pg_cluster.sh: $*" >&2
    exit 1
}

pg_bindir() {
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n | tail -n 1)
    [ -n "$d" ] && [ -x "$d/initdb" ] || die "no PostgreSQL server binaries in /usr/lib/postgresql"
    echo "$d"
}

# Runs a command as the cluster owner: postgres when we are root, else ourselves.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# True when something listens on TCP port $1 (IPv4 or IPv6), from /proc: no ss/netstat.
port_busy() {
    hex=$(printf ':%04X ' "$1")
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "0A" { print $2 " " }' |
        grep -q -- "$hex"
}

random_port() {
    while :; do
        n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
        p=$((20000 + n % 40000))
        port_busy "$p" || { echo "$p"; return; }
    done
}

write_conf() { # <data> <dir> <port>
    cat >>"$1/postgresql.conf" <<EOF

# pg_cluster.sh (shopd tests)
listen_addresses = '127.0.0.1'
port = $3
unix_socket_directories = '$2'
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 200
logging_collector = off
EOF
}

set_port() { # <data> <port>: the last assignment in postgresql.conf wins
    echo "port = $2" >>"$1/postgresql.conf"
}

cmd_start() {
    dir=$1
    bin=$(pg_bindir)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    [ -e "$dir/data" ] && die "$dir/data exists already"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    chmod 700 "$dir"
    : >"$dir/$MARKER"
    as_owner test -w "$dir" || die "user postgres cannot write to $dir (parent not reachable?)"
    as_owner "$bin/initdb" -D "$dir/data" --auth=trust -U postgres -E UTF8 --locale=C \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    port=$(random_port)
    write_conf "$dir/data" "$dir" "$port"
    tries=0
    until as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
        >/dev/null 2>&1; do
        tries=$((tries + 1))
        grep -q 'could not bind\|could not create any TCP' "$dir/server.log" 2>/dev/null &&
            [ "$tries" -lt 5 ] || { tail -n 20 "$dir/server.log" >&2; die "pg_ctl start failed"; }
        port=$(random_port)
        set_port "$dir/data" "$port"
    done
    echo "postgres://postgres@127.0.0.1:$port/postgres"
}

cmd_stop() {
    dir=$1
    [ -f "$dir/$MARKER" ] || die "$dir is not a cluster made by pg_cluster.sh"
    bin=$(pg_bindir)
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null ||
            echo "pg_cluster.sh: pg_ctl stop failed; removing $dir anyway" >&2
    fi
    rm -rf "$dir"
}

# Database names are restricted to identifiers; psql's :"var" quoting does the rest.
cmd_createdb() {
    url=$1
    name=$2
    printf '%s' "$name" | grep -Eq '^[A-Za-z_][A-Za-z0-9_]{0,62}$' ||
        die "bad database name: $name"
    psql=$(pg_bindir)/psql
    printf 'CREATE DATABASE :"dbname";\n' |
        "$psql" -X -q -v ON_ERROR_STOP=1 -v dbname="$name" -d "$url" >/dev/null
    base=${url%%\?*}
    query=${url#"$base"}
    echo "${base%/*}/$name$query"
}

case "${1:-}" in
start)
    [ $# -eq 2 ] || die "usage: pg_cluster.sh start <dir>"
    cmd_start "$2"
    ;;
stop)
    [ $# -eq 2 ] || die "usage: pg_cluster.sh stop <dir>"
    cmd_stop "$2"
    ;;
createdb)
    [ $# -eq 3 ] || die "usage: pg_cluster.sh createdb <url> <name>"
    cmd_createdb "$2" "$3"
    ;;
*)
    die "usage: pg_cluster.sh start <dir> | stop <dir> | createdb <url> <name>"
    ;;
esac
