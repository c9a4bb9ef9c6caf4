#!/usr/bin/env bash
# dev-stack.sh — make sure the local dependencies of edugroup are up:
#   * PostgreSQL on 127.0.0.1:${EDUGROUP_PG_PORT:-5432}, trust auth for local/loopback
#   * NATS with JetStream on 127.0.0.1:${EDUGROUP_NATS_PORT:-4222}; a server this script
#     starts lets in only the development bus's user, whose password is made once per
#     installation and kept outside the repository (see DEV_CREDENTIALS below)
#
# Idempotent: when both services already answer correctly it changes nothing
# and returns in well under a second. Meant for Debian 12, run as root when
# something has to be installed/started. Works without systemd.
#
# Environment overrides:
#   EDUGROUP_PG_PORT         PostgreSQL port            (default 5432)
#   EDUGROUP_NATS_PORT       NATS client port           (default 4222)
#   EDUGROUP_NATS_STORE_DIR  JetStream store dir        (default /var/lib/nats-server,
#                            /var/lib/nats-server-<port> for a non-default port)
#   EDUGROUP_DEV_STATE_DIR   where the development bus's credentials are kept
#                            (default ${XDG_STATE_HOME:-~/.local/state}/edugroup of the user
#                            who runs this; through sudo, of the user who ran sudo)
#
# The NATS configuration is the development credentials file itself (loopback, JetStream,
# the one user); the flags add port, store and log.
set -euo pipefail

PG_PORT="${EDUGROUP_PG_PORT:-5432}"
NATS_PORT="${EDUGROUP_NATS_PORT:-4222}"
if [[ "$NATS_PORT" == 4222 ]]; then
    NATS_STORE_DIR="${EDUGROUP_NATS_STORE_DIR:-/var/lib/nats-server}"
else
    # A second server must not share the JetStream store of the first one.
    NATS_STORE_DIR="${EDUGROUP_NATS_STORE_DIR:-/var/lib/nats-server-$NATS_PORT}"
fi
NATS_BIN=/usr/sbin/nats-server
NATS_LOG=/var/log/nats-server.log
[[ "$NATS_PORT" == 4222 ]] || NATS_LOG="/var/log/nats-server-$NATS_PORT.log"
NATS_PIDFILE="/run/edugroup-nats-$NATS_PORT.pid"
PG_MIN_CONNECTIONS=200
HBA_BEGIN='# BEGIN edugroup dev-stack (trust for local + loopback)'
HBA_END='# END edugroup dev-stack'

# The development bus's credentials: one NATS user and a random password, made once per
# installation, readable by their owner only. `edugroup-dev up` (edu_bus::dev) makes and reads the
# same file, and the test kit reads it, so they find the password wherever it came from.
DEV_STATE_OWNER=""
if [[ -n "${EDUGROUP_DEV_STATE_DIR:-}" ]]; then
    DEV_STATE_DIR="$EDUGROUP_DEV_STATE_DIR"
elif [[ "$(id -u)" -eq 0 && -n "${SUDO_USER:-}" && "$SUDO_USER" != root ]]; then
    # Through sudo: they belong to the developer who asked, whose tests and `up` read them.
    DEV_STATE_HOME="$(getent passwd "$SUDO_USER" | cut -d: -f6)"
    DEV_STATE_DIR="${DEV_STATE_HOME:-/nonexistent}/.local/state/edugroup"
    DEV_STATE_OWNER="$SUDO_USER"
elif [[ "${XDG_STATE_HOME:-}" == /* ]]; then
    DEV_STATE_DIR="$XDG_STATE_HOME/edugroup"
else
    DEV_STATE_DIR="$HOME/.local/state/edugroup"
fi
DEV_CREDENTIALS="$DEV_STATE_DIR/nats-credentials.conf"

for v in PG_PORT NATS_PORT; do
    [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "dev-stack: ERROR: $v must be a number, got '${!v}'" >&2; exit 1; }
done

export PATH="$PATH:/usr/sbin:/sbin"

log() { echo "dev-stack: $*"; }
die() { echo "dev-stack: ERROR: $*" >&2; exit 1; }

need_root() {
    [[ "$(id -u)" -eq 0 ]] || die "root is needed to $1 (re-run with sudo)"
}

APT_UPDATED=0
apt_install() {
    need_root "install $*"
    if [[ "$APT_UPDATED" -eq 0 ]]; then
        log "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        APT_UPDATED=1
    fi
    log "installing $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() {
    timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# ---------------------------------------------------------------- PostgreSQL

pg_works() {
    PGCONNECT_TIMEOUT=5 psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
        -w -X -Atqc 'select 1' >/dev/null 2>&1
}

pg_sql() {
    PGCONNECT_TIMEOUT=5 psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
        -w -X -Atq -v ON_ERROR_STOP=1 -c "$1"
}

pg_wait_ready() {
    local i
    for ((i = 0; i < 30; i++)); do
        pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && return 0
        sleep 1
    done
    return 1
}

pg_have_binaries() {
    command -v pg_ctlcluster >/dev/null 2>&1 &&
        command -v pg_lsclusters >/dev/null 2>&1 &&
        command -v psql >/dev/null 2>&1 &&
        compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

# Does the pg_hba.conf given as $1 already let postgres in with trust over the
# unix socket, 127.0.0.1 and ::1?  pg_hba is first-match, so for each of the
# three connection kinds we look at the first rule that could apply (rules
# whose database/user lists can't match "postgres" are skipped; an address we
# cannot decide about counts as matching, i.e. we err towards editing).
hba_has_trust() {
    awk '
        function listhas(field, name,    n, a, i) {
            n = split(field, a, ",")
            for (i = 1; i <= n; i++)
                if (a[i] == "all" || a[i] == name || a[i] == "sameuser" || a[i] == "samerole" || a[i] ~ /^[+@]/) return 1
            return 0
        }
        function addr_may_match(addr, fam) {
            if (addr == "all" || addr == "samehost" || addr == "samenet" || addr == "localhost") return 1
            if (fam == 4) return addr !~ /:/
            return addr ~ /:/
        }
        /^[ \t]*(#|$)/ { next }
        {
            if ($1 == "local") {
                if (!listhas($2, "postgres") || !listhas($3, "postgres")) next
                if (!("local" in res)) res["local"] = ($4 == "trust")
                next
            }
            if ($1 !~ /^host/) next
            if (!listhas($2, "postgres") || !listhas($3, "postgres")) next
            method = ($4 ~ /\// || $4 ~ /^(all|samehost|samenet)$/ || $4 !~ /^[0-9.:a-fA-F]+$/) ? $5 : $6
            if (!("v4" in res) && addr_may_match($4, 4)) res["v4"] = (method == "trust")
            if (!("v6" in res) && addr_may_match($4, 6)) res["v6"] = (method == "trust")
        }
        END { exit !(res["local"] == 1 && res["v4"] == 1 && res["v6"] == 1) }
    ' "$1"
}

ensure_hba_trust() {
    local hba="$1"
    [[ -f "$hba" ]] || die "pg_hba.conf not found at $hba"
    if hba_has_trust "$hba"; then
        return 1 # unchanged
    fi
    if grep -qxF "$HBA_BEGIN" "$hba"; then
        # Our block is there but something precedes it; do not keep stacking.
        die "$hba has the edugroup block but trust still does not apply; please check it by hand"
    fi
    local backup
    backup="$hba.bak.$(date +%Y%m%d%H%M%S)"
    cp -p "$hba" "$backup"
    log "pg_hba: prepending trust rules to $hba (backup: $backup)"
    {
        printf '%s\n' "$HBA_BEGIN"
        printf '%s\n' 'local   all   all                  trust'
        printf '%s\n' 'host    all   all   127.0.0.1/32   trust'
        printf '%s\n' 'host    all   all   ::1/128        trust'
        printf '%s\n\n' "$HBA_END"
        cat "$backup"
    } >"$hba.tmp.$$"
    chown --reference="$backup" "$hba.tmp.$$"
    chmod --reference="$backup" "$hba.tmp.$$"
    mv -f "$hba.tmp.$$" "$hba"
    return 0
}

# Picks the cluster to use; prints "<version> <name>".
#  1. a cluster configured for $PG_PORT
#  2. an offline cluster "main" (newest version) — its port gets set to $PG_PORT
#  3. otherwise a new cluster: "main" if the newest version has none, else "dev$PG_PORT"
pg_pick_cluster() {
    local ver name port status rest newest
    local main_down=""
    while read -r ver name port status rest; do
        [[ -n "${ver:-}" ]] || continue
        if [[ "$port" == "$PG_PORT" ]]; then
            echo "$ver $name"
            return 0
        fi
        if [[ "$name" == main && "$status" == down* ]]; then
            main_down="$ver main"
        fi
    done < <(pg_lsclusters -h 2>/dev/null | sort -V -r)
    if [[ -n "$main_down" ]]; then
        echo "$main_down"
        return 0
    fi
    newest="$(basename "$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n1 | xargs dirname | xargs dirname)")"
    [[ -n "$newest" ]] || die "no PostgreSQL server version found under /usr/lib/postgresql"
    if [[ -d "/etc/postgresql/$newest/main" ]]; then
        echo "$newest dev$PG_PORT"
    else
        echo "$newest main"
    fi
}

pg_cluster_running() {
    pg_ctlcluster "$1" "$2" status >/dev/null 2>&1
}

ensure_postgres() {
    if pg_works; then
        log "postgresql already answers on 127.0.0.1:$PG_PORT — nothing to do"
        local maxc
        maxc="$(pg_sql 'show max_connections' 2>/dev/null || echo '?')"
        if [[ "$maxc" =~ ^[0-9]+$ ]] && ((maxc < PG_MIN_CONNECTIONS)); then
            log "WARNING: max_connections=$maxc (< $PG_MIN_CONNECTIONS); parallel tests may hit 'too many clients'."
            log "         fix: psql -h 127.0.0.1 -p $PG_PORT -U postgres -c 'ALTER SYSTEM SET max_connections = $PG_MIN_CONNECTIONS' and restart postgres"
        fi
        return 0
    fi

    need_root "set up postgresql"
    log "postgresql not usable on 127.0.0.1:$PG_PORT — setting it up"
    if ! pg_have_binaries; then
        apt_install postgresql postgresql-client
    fi
    pg_have_binaries || die "postgresql binaries still missing after install"

    local ver name
    read -r ver name < <(pg_pick_cluster)
    if [[ ! -d "/etc/postgresql/$ver/$name" ]]; then
        log "creating cluster $ver/$name on port $PG_PORT"
        pg_createcluster -p "$PG_PORT" "$ver" "$name" >/dev/null
    fi
    local confdir="/etc/postgresql/$ver/$name"

    local need_restart=0 cur
    cur="$(pg_conftool -s "$ver" "$name" show port 2>/dev/null || true)"
    if [[ "$cur" != "$PG_PORT" ]]; then
        log "cluster $ver/$name: port ${cur:-unset} -> $PG_PORT"
        pg_conftool "$ver" "$name" set port "$PG_PORT"
        need_restart=1
    fi
    # listen_addresses: unset means the default 'localhost' (127.0.0.1 + ::1).
    cur="$(pg_conftool -s "$ver" "$name" show listen_addresses 2>/dev/null || true)"
    cur="${cur//\'/}"
    if [[ -n "$cur" && ! ",${cur// /}," =~ ,(\*|localhost|127\.0\.0\.1|0\.0\.0\.0), ]]; then
        log "cluster $ver/$name: listen_addresses '$cur' -> 'localhost'"
        pg_conftool "$ver" "$name" set listen_addresses localhost
        need_restart=1
    fi

    local hba_changed=0
    local hba
    hba="$(pg_conftool -s "$ver" "$name" show hba_file 2>/dev/null || true)"
    hba="${hba//\'/}"
    [[ -n "$hba" ]] || hba="$confdir/pg_hba.conf"
    if ensure_hba_trust "$hba"; then hba_changed=1; fi

    if pg_cluster_running "$ver" "$name"; then
        if ((need_restart)); then
            log "restarting cluster $ver/$name"
            pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" restart
        elif ((hba_changed)); then
            log "reloading cluster $ver/$name"
            pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" reload
        fi
    else
        if port_open "$PG_PORT"; then
            die "port $PG_PORT is taken by something that is not cluster $ver/$name (and not a trust-auth postgres)"
        fi
        log "starting cluster $ver/$name"
        pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start
    fi

    log "waiting for postgresql on 127.0.0.1:$PG_PORT"
    pg_wait_ready || die "postgresql did not become ready on 127.0.0.1:$PG_PORT within 30 s (see /var/log/postgresql/postgresql-$ver-$name.log)"
    pg_works || die "postgresql is up on 127.0.0.1:$PG_PORT but 'psql -U postgres' still fails (check $hba)"

    local maxc
    maxc="$(pg_sql 'show max_connections')"
    if ((maxc < PG_MIN_CONNECTIONS)); then
        log "raising max_connections $maxc -> $PG_MIN_CONNECTIONS (restart)"
        pg_sql "ALTER SYSTEM SET max_connections = $PG_MIN_CONNECTIONS" >/dev/null
        pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" restart
        pg_wait_ready || die "postgresql did not come back within 30 s after the restart"
        pg_works || die "postgresql does not accept connections after the restart"
    fi
    log "postgresql cluster $ver/$name ok"
}

# ---------------------------------------------------------------- NATS

# First protocol line the server sends on connect ("INFO {...}"), or nothing.
nats_info_line() {
    timeout 5 bash -c '
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        IFS= read -r -t 3 line <&3 || exit 1
        printf "%s\n" "${line%$'"'\r'"'}"
    ' _ "$1" 2>/dev/null || true
}

# Is JetStream enabled on 127.0.0.1:$1?
# With the nats CLI: ask the JetStream API ($JS.API.INFO). Without it (or if
# the CLI could not tell, e.g. because of a context needing credentials): the
# server's INFO line advertises "jetstream":true.
nats_jetstream_enabled() {
    local port="$1" out
    if command -v nats >/dev/null 2>&1; then
        out="$(timeout 10 nats --server "nats://127.0.0.1:$port" --timeout 3s \
            req '$JS.API.INFO' '' 2>&1 || true)"
        if [[ "$out" == *'"type":"io.nats.jetstream.api.v1.account_info_response"'* &&
            "$out" != *'"error"'* ]]; then
            return 0
        fi
    fi
    out="$(nats_info_line "$port")"
    [[ "$out" == INFO* && "$out" =~ \"jetstream\"[[:space:]]*:[[:space:]]*true ]]
}

# Does the server on 127.0.0.1:$1 require clients to log in? Its INFO line says so.
nats_requires_auth() {
    [[ "$(nats_info_line "$1")" =~ \"auth_required\"[[:space:]]*:[[:space:]]*true ]]
}

# Makes $DEV_CREDENTIALS when this installation has none, with the text edu_bus::dev writes.
# Written to a private temporary file and linked to its name only if no other process (an
# `edugroup-dev up`) made one meanwhile, so nobody reads half a file or sees two passwords.
ensure_dev_credentials() {
    if [[ -e "$DEV_CREDENTIALS" ]]; then
        local mode
        mode="$(stat -c %a "$DEV_CREDENTIALS")"
        [[ "$mode" =~ ^[0-7]?[0-7]00$ ]] ||
            die "$DEV_CREDENTIALS holds the development bus's password but other users may read it (mode $mode): run 'chmod 600 $DEV_CREDENTIALS'"
        return 0
    fi
    local dir="$DEV_STATE_DIR" created=() password tmp
    while [[ ! -e "$dir" ]]; do
        created+=("$dir")
        dir="$(dirname "$dir")"
    done
    mkdir -p "$DEV_STATE_DIR"
    chmod 700 "$DEV_STATE_DIR"
    password="$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
    [[ "$password" =~ ^[0-9a-f]{48}$ ]] || die "could not read 24 random bytes from /dev/urandom"
    tmp="$DEV_STATE_DIR/.nats-credentials.conf.$$"
    rm -f "$tmp"
    (
        umask 077
        cat >"$tmp" <<EOF
# The development NATS bus of edugroup: its one user and password, made once for this
# installation by \`edugroup-dev up\` or deploy/dev-stack.sh. Keep it private (mode 0600).
# A server: nats-server -c <this file> -p <port> -sd <store dir>
host: 127.0.0.1
jetstream: enabled
authorization {
  user: edugroup
  password: "$password"
}
EOF
    )
    ln "$tmp" "$DEV_CREDENTIALS" 2>/dev/null || true
    rm -f "$tmp"
    if [[ -n "$DEV_STATE_OWNER" ]]; then
        chown "$DEV_STATE_OWNER": "$DEV_CREDENTIALS" ${created[@]+"${created[@]}"}
    fi
    log "made the development bus's credentials: $DEV_CREDENTIALS (mode 0600)"
}

ensure_nats() {
    if port_open "$NATS_PORT"; then
        if nats_jetstream_enabled "$NATS_PORT"; then
            if nats_requires_auth "$NATS_PORT"; then
                log "nats with jetstream already answers on 127.0.0.1:$NATS_PORT and requires a login — nothing to do"
            else
                log "WARNING: the nats-server on 127.0.0.1:$NATS_PORT lets clients in without credentials:"
                log "         any local process may call any edugroup service as any actor and publish its events."
                log "         \`edugroup-dev up\` runs a bus of its own that requires them; tests and \`serve --insecure-bus\` use this one."
                log "         fix: stop that server and run deploy/dev-stack.sh again: it then starts nats-server"
                log "         requiring the credentials in $DEV_CREDENTIALS (made once, mode 0600)"
            fi
            return 0
        fi
        local info
        info="$(nats_info_line "$NATS_PORT")"
        if [[ "$info" != INFO* ]]; then
            die "something listens on 127.0.0.1:$NATS_PORT but it does not speak the NATS protocol"
        fi
        die "a NATS server on 127.0.0.1:$NATS_PORT runs WITHOUT JetStream; restart it with -js (or 'jetstream {}' in its config) — not touching it"
    fi

    need_root "start nats-server"
    log "nothing listens on 127.0.0.1:$NATS_PORT — starting nats-server with jetstream"
    if [[ ! -x "$NATS_BIN" ]]; then
        apt_install nats-server
    fi
    [[ -x "$NATS_BIN" ]] || die "$NATS_BIN missing after installing nats-server"

    ensure_dev_credentials
    mkdir -p "$NATS_STORE_DIR" "$(dirname "$NATS_LOG")" "$(dirname "$NATS_PIDFILE")"
    # --pidfile makes start-stop-daemon match only *our* instance, so a
    # nats-server running on another port does not count as "already running".
    # The credentials file says loopback and JetStream too; the flags give port and store.
    start-stop-daemon --start --oknodo --background \
        --pidfile "$NATS_PIDFILE" --make-pidfile \
        --exec "$NATS_BIN" -- \
        -c "$DEV_CREDENTIALS" -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$NATS_STORE_DIR" -l "$NATS_LOG"

    log "waiting for nats jetstream on 127.0.0.1:$NATS_PORT"
    local i
    for ((i = 0; i < 20; i++)); do
        if nats_jetstream_enabled "$NATS_PORT"; then
            log "nats-server started (pid $(cat "$NATS_PIDFILE" 2>/dev/null || echo '?'), log $NATS_LOG); it requires the credentials in $DEV_CREDENTIALS"
            return 0
        fi
        sleep 1
    done
    die "nats-server did not report jetstream on 127.0.0.1:$NATS_PORT within 20 s (see $NATS_LOG)"
}

# Allow sourcing for tests: `source dev-stack.sh --lib` only defines functions.
if [[ "${1:-}" == "--lib" ]]; then
    return 0 2>/dev/null || exit 0
fi

ensure_postgres
ensure_nats
log "postgresql ready on 127.0.0.1:$PG_PORT, nats (jetstream) ready on 127.0.0.1:$NATS_PORT"
