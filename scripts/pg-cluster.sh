#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests, on a Unix socket only (docs/store.md).
#   pg-cluster.sh start DIR   creates DIR (if needed), initdb, starts the server with its
#                             socket in DIR and no TCP; prints the URL to use on stdout
#   pg-cluster.sh stop DIR    stops the server and removes DIR (only a DIR this script made)
#   pg-cluster.sh url DIR     prints the URL again
# Runs the server as the postgres user (through runuser) when called as root, as the
# current user otherwise. PG_BIN overrides the server binaries' directory, PG_PORT the port
# number in the socket's name (5432). The cluster trades durability for speed (fsync=off):
# it is for tests only.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PORT=${PG_PORT:-5432}
MARK=.m2mrsp-pg-cluster

die() { echo "pg-cluster: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: pg-cluster.sh start|stop|url DIR"
cmd=$1
dir=$2
case $dir in
/*) ;;
*) dir=$(pwd)/$dir ;;
esac
# A Unix socket path holds at most 107 bytes: DIR/.s.PGSQL.PORT must fit.
[ ${#dir} -le 90 ] || die "DIR is too long for a Unix socket path (at most 90 characters): $dir"

as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

url() {
	echo "postgresql:///postgres?host=$dir&port=$PG_PORT&user=postgres"
}

start() {
	[ -x "$PG_BIN/initdb" ] ||
		die "no $PG_BIN/initdb: install Debian's postgresql (scripts/install-deps.sh)"
	if [ ! -d "$dir" ]; then
		mkdir -p "$dir"
		touch "$dir/$MARK"
	elif [ ! -f "$dir/$MARK" ] && [ -n "$(ls -A "$dir")" ]; then
		die "$dir exists, is not empty and was not made by this script"
	else
		touch "$dir/$MARK"
	fi
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || die "no postgres user: install Debian's postgresql"
		chown -R postgres: "$dir"
		chmod 0700 "$dir"
	fi
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as_owner "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C \
			--no-sync >"$dir/initdb.log" 2>&1 ||
			die "initdb failed: $(tail -n 5 "$dir/initdb.log")"
	fi
	if as_owner "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		url
		return
	fi
	as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-p $PG_PORT -k $dir -c listen_addresses='' -c fsync=off -c full_page_writes=off" \
		start >/dev/null 2>&1 ||
		die "the server did not start: $(tail -n 5 "$dir/server.log" 2>/dev/null)"
	url
}

stop() {
	[ -d "$dir" ] || return 0
	[ -f "$dir/$MARK" ] || die "$dir was not made by this script; not touching it"
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 ||
			die "pg_ctl stop failed: $(tail -n 5 "$dir/server.log" 2>/dev/null)"
	fi
	rm -rf -- "$dir"
}

case $cmd in
start) start ;;
stop) stop ;;
url) url ;;
*) die "unknown command '$cmd' (start, stop or url)" ;;
esac
