# SPDX-License-Identifier: MIT
# Start and stop a throwaway PostgreSQL cluster for a test, never the system one:
#   . "$(dirname "$0")/pg-lib.sh"
#   pg_start || { test_skip ...; }      # sets PG_DIR, PG_PORT, PG_CONNINFO; stops itself at exit
#   url=$(pg_newdb NAME)                 # a fresh database; prints its libpq conninfo
#   pg_stop                              # optional: also done at exit
# The cluster runs as the `postgres` user in a private folder, listens only on a Unix socket in
# that folder (listen_addresses=''), and is removed afterwards. PG_SKIP_REASON says why pg_start
# failed. Set PDG_PG_BIN to use another PostgreSQL bin folder.
PG_DIR= PG_PORT= PG_CONNINFO= PG_SKIP_REASON=

pg_bin() {
	if [ -n "${PDG_PG_BIN:-}" ]; then
		echo "$PDG_PG_BIN"
		return
	fi
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ] && [ -x "$d/postgres" ] && echo "$d"
	done | sort -V | tail -1
}

# Run a PostgreSQL program as the postgres user (the server refuses to run as root).
pg_as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	bin=$(pg_bin)
	if [ -z "$bin" ]; then
		PG_SKIP_REASON="no PostgreSQL server programs (Debian package postgresql)"
		return 1
	fi
	if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
		PG_SKIP_REASON="running as root and there is no postgres user to run the server"
		return 1
	fi
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pdg-pg.XXXXXX") || return 1
	chmod 755 "$PG_DIR"
	[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
	PG_PORT=$((20000 + $$ % 20000))
	trap 'pg_stop; rm -rf "$TEST_ROOT"' EXIT
	trap 'exit 1' HUP INT PIPE TERM
	if ! pg_as "$bin/initdb" -D "$PG_DIR/data" --auth=trust -U postgres -E UTF8 --no-locale \
		>"$PG_DIR/initdb.log" 2>&1; then
		PG_SKIP_REASON="initdb failed: $(tail -1 "$PG_DIR/initdb.log")"
		return 1
	fi
	if ! pg_as "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
		-o "-k $PG_DIR -p $PG_PORT -c listen_addresses='' -c fsync=on -c max_connections=200" \
		start >"$PG_DIR/pg_ctl.log" 2>&1; then
		PG_SKIP_REASON="the server did not start: $(tail -1 "$PG_DIR/server.log" 2>/dev/null)"
		return 1
	fi
	PG_CONNINFO="host=$PG_DIR port=$PG_PORT user=postgres dbname=postgres"
	return 0
}

# pg_newdb NAME: create database NAME in the running cluster and print its conninfo.
pg_newdb() {
	"$(pg_bin)/createdb" -h "$PG_DIR" -p "$PG_PORT" -U postgres "$1" || return 1
	echo "host=$PG_DIR port=$PG_PORT user=postgres dbname=$1"
}

pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	if [ -f "$PG_DIR/data/postmaster.pid" ]; then
		pg_as "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 ||
			pg_as "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
	fi
	rm -rf "$PG_DIR"
	PG_DIR=
}
