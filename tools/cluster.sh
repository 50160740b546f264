# tools/cluster.sh: start and stop a throwaway PostgreSQL cluster.
#
# Source this file, then call cluster_start.  It creates a cluster in a new
# temporary directory, starts it on a free port with a Unix socket only,
# and exports PGHOST, PGPORT and PGUSER for psql and pg_regress.  The
# cluster is stopped and removed when the calling shell exits.  PostgreSQL
# refuses to run as root, so as root the server runs as the postgres user.

PG_CONFIG=${PG_CONFIG:-pg_config}
PGBIN=$("$PG_CONFIG" --bindir)

# Run a command as the server's user, from / so that a private current
# folder does not matter.
as_server_user() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# Find a TCP port on localhost that nothing listens on.  The cluster
# listens on a Unix socket in its own folder only, so the port just names
# the socket; a free one avoids confusing anyone who looks.
free_port() {
	local port
	for port in $(seq 54320 54420); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	echo "no free port between 54320 and 54420" >&2
	return 1
}

# Stop the cluster and remove its directory.
cluster_stop() {
	if [ -n "${CLUSTER_DIR:-}" ] && [ -d "$CLUSTER_DIR" ]; then
		as_server_user "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -m fast \
			stop >/dev/null 2>&1 || true
		rm -rf "$CLUSTER_DIR"
	fi
}

# Create and start the cluster.
cluster_start() {
	CLUSTER_DIR=$(mktemp -d /tmp/icdspasm-pg.XXXXXX)
	chmod 755 "$CLUSTER_DIR"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$CLUSTER_DIR"
	fi
	trap cluster_stop EXIT

	local port
	port=$(free_port)
	as_server_user "$PGBIN/initdb" -D "$CLUSTER_DIR/data" -U postgres \
		--auth=trust --encoding=UTF8 --locale=C --no-sync >/dev/null
	as_server_user "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -w \
		-l "$CLUSTER_DIR/server.log" \
		-o "-p $port -k $CLUSTER_DIR -c listen_addresses=''" \
		start >/dev/null

	export PGHOST="$CLUSTER_DIR" PGPORT="$port" PGUSER=postgres
}

# The server reads the shared files where they are.  When its user cannot
# reach them (a checkout under a private folder, such as one mktemp made),
# let it through: as root, give others the search (x) bit on each folder
# above the file that lacks it.  Nothing is copied.  Fail clearly when the
# file stays unreadable.
check_server_can_read() {
	local file=$1 dir
	if ! as_server_user test -r "$file" && [ "$(id -u)" -eq 0 ]; then
		dir=$(dirname "$(readlink -f "$file")")
		while [ "$dir" != "/" ]; do
			if ! as_server_user test -x "$dir"; then
				echo "note: letting the server through $dir (chmod o+x)"
				chmod o+x "$dir"
			fi
			dir=$(dirname "$dir")
		done
	fi
	if ! as_server_user test -r "$file"; then
		echo "the server's user cannot read $file; make it and its" \
			"folders readable to others" >&2
		return 1
	fi
}
