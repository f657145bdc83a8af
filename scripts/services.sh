#!/usr/bin/env bash
# Real backing services for the test suite, on loopback, with all state under
# $REPO/.services/ (git-ignored).
#
#   scripts/services.sh start [postgres|redis|elasticsearch ...]  # default: all; idempotent, waits until healthy
#   scripts/services.sh stop  [postgres|redis|elasticsearch ...]  # default: all; idempotent
#   scripts/services.sh status                                     # one line per service; exit 0 only if all up
#   scripts/services.sh env                                        # export lines, for: eval "$(scripts/services.sh env)"
#
# start/stop must run as root (PostgreSQL and Elasticsearch are run as the
# unprivileged system user prm, created on demand). Debian 12.
#
# Environment overrides (defaults in brackets):
#   PRM_PG_PORT [25432]  PRM_REDIS_PORT [26379]  PRM_ES_PORT [29200]  PRM_ES_TRANSPORT_PORT [29300]
#   ES_VERSION [8.19.21]  PRM_SERVICES_TIMEOUT [90]  PRM_ES_HEAP [512m]  ES_JAVA_HOME [JDK 17]
# (The ports are prefixed PRM_ on purpose: Docker links and Kubernetes inject
# variables such as REDIS_PORT=tcp://10.0.0.7:6379 into containers. They lie
# below Linux's ephemeral range, 32768-60999: a port in it can be held for a
# moment by any outgoing connection, and a clean-clone run once failed to
# bind 59500 so. Services started before 2026-12-03 run on 55432, 56379,
# 59200 and 59300: `scripts/services.sh stop`, then start, moves them.)
set -euo pipefail

ES_VERSION="${ES_VERSION:-8.19.21}"
PG_PORT="${PRM_PG_PORT:-25432}"
REDIS_PORT="${PRM_REDIS_PORT:-26379}"
ES_PORT="${PRM_ES_PORT:-29200}"
ES_TRANSPORT_PORT="${PRM_ES_TRANSPORT_PORT:-29300}"
ES_HEAP="${PRM_ES_HEAP:-512m}"
TIMEOUT="${PRM_SERVICES_TIMEOUT:-90}"
HOST=127.0.0.1
SERVICE_USER=prm
PG_ROLE=prm
PG_PASSWORD=prm
PG_DATABASE=prm
ALL_SERVICES=(postgres redis elasticsearch)

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
STATE="$REPO/.services"
DOWNLOADS="$STATE/downloads"

PG_DIR="$STATE/postgres"
PG_DATA="$PG_DIR/data"
PG_LOG="$PG_DIR/postgres.log"

REDIS_DIR="$STATE/redis"
REDIS_PID="$REDIS_DIR/redis.pid"
REDIS_LOG="$REDIS_DIR/redis.log"

ES_DIR="$STATE/elasticsearch"
ES_HOME="$ES_DIR/elasticsearch-$ES_VERSION"
ES_PID="$ES_DIR/elasticsearch.pid"
ES_STARTUP_LOG="$ES_DIR/startup.log"
ES_CLUSTER=prm-services
ES_LOG="$ES_DIR/logs/$ES_CLUSTER.log"
ES_ZIP="$DOWNLOADS/elasticsearch-$ES_VERSION.zip"
ES_ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip"

DATABASE_URL="postgres://$PG_ROLE:$PG_PASSWORD@$HOST:$PG_PORT/$PG_DATABASE"
REDIS_URL="redis://$HOST:$REDIS_PORT/0"
ELASTICSEARCH_URL="http://$HOST:$ES_PORT"

# ---------------------------------------------------------------- helpers

say() { printf '%s\n' "$*"; }
warn() { printf '%s\n' "$*" >&2; }
die() { warn "error: $*"; exit 1; }

# die_with_log SERVICE LOGFILE MESSAGE...
die_with_log() {
    local log="$2"
    warn "$1: error: ${*:3}"
    if [[ -s "$log" ]]; then
        warn "---- last 40 lines of $log ----"
        tail -n 40 "$log" >&2 || true
        warn "---- end of $log ----"
    else
        warn "(no log at $log)"
    fi
    exit 1
}

# as_service_user CMD...: run as $SERVICE_USER from a directory it can read.
# fd 9 is our lock: daemons must not inherit it, or they would hold it forever.
as_service_user() {
    (cd "$STATE" && exec runuser -u "$SERVICE_USER" -- "$@" 9>&-)
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# pid_alive PID [CMDLINE-SUBSTRING]: the pid exists (and, to ignore a stale
# pid file whose number was reused, its command line matches).
# A zombie counts as dead: PID 1 in containers may reap orphans only late,
# and a zombie postmaster would otherwise block a restart.
pid_alive() {
    local stat
    [[ -n "${1:-}" ]] && stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"
    [[ "${stat%% *}" != [ZX] ]] || return 1
    [[ -z "${2:-}" ]] || tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

read_pid() { if [[ -s "$1" ]]; then head -n1 "$1" | tr -dc '0-9'; fi; }

# wait_pid_gone PID SECONDS -> 0 when gone
wait_pid_gone() {
    local pid="$1" deadline=$((SECONDS + $2))
    while pid_alive "$pid"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

# ensure_port_free SERVICE PORT ENVVAR STALE_PIDFILE: fail unless nothing
# listens on PORT. When our own pid file is left over, the previous instance
# may still be exiting (a killed JVM takes seconds to release its sockets),
# so allow it some time first.
ensure_port_free() {
    local deadline=$((SECONDS + 15))
    port_open "$2" || return 0
    if [[ -e "$4" ]]; then
        while port_open "$2" && ((SECONDS < deadline)); do sleep 0.3; done
        port_open "$2" || return 0
    fi
    die "$1: port $HOST:$2 is already in use by another process (set $3 to use another)"
}

check_port_vars() {
    local name value
    for name in PG_PORT REDIS_PORT ES_PORT ES_TRANSPORT_PORT TIMEOUT; do
        value="${!name}"
        [[ "$value" =~ ^[0-9]+$ ]] || die "$name must be a number, got '$value'"
    done
}

require_root() {
    [[ "$(id -u)" == 0 ]] || die "'$1' must run as root (it installs packages and runs services as user $SERVICE_USER)"
}

APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null || die "apt-get not found; install these packages by hand: $*"
    say "installing: $* (apt-get)"
    if ((APT_UPDATED == 0)); then
        apt-get update -qq
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_gitignore() {
    local gi="$REPO/.gitignore"
    if [[ ! -f "$gi" ]] || ! grep -qxE '/?\.services/?' "$gi"; then
        # Keep a missing trailing newline from gluing two patterns together.
        if [[ -s "$gi" && -n "$(tail -c1 "$gi")" ]]; then printf '\n' >>"$gi"; fi
        printf '/.services/\n' >>"$gi"
    fi
}

ensure_user() {
    if ! id -u "$SERVICE_USER" >/dev/null 2>&1; then
        say "creating system user $SERVICE_USER"
        useradd --system --no-create-home --shell /usr/sbin/nologin "$SERVICE_USER"
    fi
}

# The service user must be able to reach $STATE: every ancestor needs o+x
# (or to be otherwise traversable by the user).
check_traversable() {
    local d="$REPO" dirs=()
    while :; do
        dirs=("$d" "${dirs[@]}")
        [[ "$d" == / ]] && break
        d="$(dirname -- "$d")"
    done
    local bad
    # shellcheck disable=SC2016  # the inner script expands its own "$d"
    if ! bad="$(cd / && runuser -u "$SERVICE_USER" -- bash -c \
        'for d; do [[ -x "$d" ]] || { printf "%s" "$d"; exit 1; }; done' _ "${dirs[@]}")"; then
        die "user $SERVICE_USER cannot traverse '$bad' (needed to reach $STATE); fix with: chmod o+x '$bad'"
    fi
}

# One-time / every-time preparation for start and stop.
prepare() {
    require_root "$1"
    check_port_vars
    ensure_user
    check_traversable
    mkdir -p "$STATE" "$DOWNLOADS"
    chmod 755 "$STATE"
    ensure_gitignore
    # Serialize concurrent invocations (two test runs starting at once).
    exec 9>"$STATE/.lock"
    flock -w $((TIMEOUT * 4)) 9 || die "another services.sh holds $STATE/.lock"
}

# ---------------------------------------------------------------- packages

pg_bin_dir() {
    local want="" dir best=""
    # An existing cluster must be run by its own major version.
    if [[ -s "$PG_DATA/PG_VERSION" ]]; then
        want="$(<"$PG_DATA/PG_VERSION")"
        if [[ -x "/usr/lib/postgresql/$want/bin/initdb" ]]; then
            printf '%s\n' "/usr/lib/postgresql/$want/bin"
            return
        fi
    fi
    for dir in /usr/lib/postgresql/*/bin; do
        if [[ -x "$dir/initdb" ]]; then best+="$dir"$'\n'; fi
    done
    best="$(printf '%s' "$best" | sort -V | tail -n1)"
    [[ -n "$best" ]] || return 1
    if [[ -n "$want" ]]; then
        die "postgres: $PG_DATA was created by PostgreSQL $want, but only $best is installed; remove $PG_DIR to re-create it"
    fi
    printf '%s\n' "$best"
}

ensure_debian_packages() {
    local need=()
    if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
        need+=(postgresql postgresql-contrib)
    fi
    if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
        need+=(redis-server)
    fi
    if ((${#need[@]})); then
        # The brief: install the full set together on a fresh machine.
        apt_install postgresql postgresql-contrib redis-server
        # Debian's packages start their own system instances; they listen on
        # the default ports, not ours, so they are left alone.
    fi
}

# ---------------------------------------------------------------- postgres

pg_socket_dir() {
    # Unix socket paths are limited to ~107 bytes; deep CI checkouts can
    # exceed that, so fall back to a per-checkout directory under /tmp.
    local dir="$PG_DIR/run"
    if ((${#dir} + 20 > 100)); then
        dir="/tmp/prm-services-pg-$(printf '%s' "$REPO" | md5sum | cut -c1-10)"
    fi
    printf '%s\n' "$dir"
}

pg_running() {
    # Without root (status only) the data dir is unreadable: trust the probe.
    if [[ "$(id -u)" != 0 ]]; then pg_healthy; return; fi
    pid_alive "$(read_pid "$PG_DATA/postmaster.pid")" postgres
}

pg_healthy() {
    local bin
    bin="$(pg_bin_dir 2>/dev/null)" || return 1
    "$bin/pg_isready" -q -h "$HOST" -p "$PG_PORT" -U postgres -d postgres -t 3
}

pg_write_config() {
    local sock="$1" conf="$PG_DATA/prm_services.conf"
    cat >"$conf" <<EOF
# Written by scripts/services.sh on every start; edits are overwritten.
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '${sock//\'/\'\'}'
max_connections = 200
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
log_timezone = 'UTC'
timezone = 'UTC'
EOF
    chown "$SERVICE_USER:" "$conf"
    if ! grep -qxF "include 'prm_services.conf'" "$PG_DATA/postgresql.conf"; then
        printf "\ninclude 'prm_services.conf'\n" >>"$PG_DATA/postgresql.conf"
    fi
}

pg_ensure_role_and_db() {
    local bin="$1"
    "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PG_PORT" -U postgres -d postgres >/dev/null <<EOF
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE') THEN
    CREATE ROLE "$PG_ROLE" LOGIN SUPERUSER PASSWORD '$PG_PASSWORD';
  ELSE
    ALTER ROLE "$PG_ROLE" LOGIN SUPERUSER PASSWORD '$PG_PASSWORD';
  END IF;
END
\$\$;
SELECT format('CREATE DATABASE %I OWNER %I', '$PG_DATABASE', '$PG_ROLE')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DATABASE')
\gexec
EOF
}

pg_start() {
    local bin sock
    ensure_debian_packages
    bin="$(pg_bin_dir)" || die "postgres: no /usr/lib/postgresql/*/bin/initdb after installing postgresql"
    local deadline=$((SECONDS + TIMEOUT))
    if pg_running; then
        local running_port
        running_port="$(sed -n 4p "$PG_DATA/postmaster.pid" 2>/dev/null || true)"
        if [[ -n "$running_port" && "$running_port" != "$PG_PORT" ]]; then
            die "postgres: this checkout's server runs on port $running_port, not $PG_PORT: scripts/services.sh stop, then start"
        fi
        # Up, or still starting / recovering: give it the usual time.
        until pg_healthy; do
            if ! pg_running || ((SECONDS >= deadline)); then
                die_with_log postgres "$PG_LOG" "a server runs on $PG_DATA (pid $(read_pid "$PG_DATA/postmaster.pid")) but pg_isready fails on $HOST:$PG_PORT"
            fi
            sleep 0.3
        done
        pg_ensure_role_and_db "$bin"
        say "postgres: already up on $HOST:$PG_PORT"
        return
    fi
    ensure_port_free postgres "$PG_PORT" PRM_PG_PORT "$PG_DATA/postmaster.pid"
    say "postgres: starting…"
    mkdir -p "$PG_DIR"
    sock="$(pg_socket_dir)"
    # Lock files left by a crash (kill -9, OOM, reboot) name a dead pid, or a
    # zombie that postgres itself would take for a live postmaster.
    rm -f "$PG_DATA/postmaster.pid"
    if ! pid_alive "$(read_pid "$sock/.s.PGSQL.$PG_PORT.lock")"; then
        rm -f "$sock/.s.PGSQL.$PG_PORT.lock" "$sock/.s.PGSQL.$PG_PORT"
    fi
    mkdir -p "$sock"
    chown "$SERVICE_USER:" "$PG_DIR" "$sock"
    chmod 700 "$sock"
    if [[ ! -s "$PG_DATA/PG_VERSION" ]]; then
        say "postgres: initdb ($bin)"
        rm -rf "$PG_DATA"
        install -d -o "$SERVICE_USER" -g "$(id -gn "$SERVICE_USER")" -m 700 "$PG_DATA"
        if ! as_service_user "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
            >"$PG_DIR/initdb.log" 2>&1; then
            rm -rf "$PG_DATA"
            die_with_log postgres "$PG_DIR/initdb.log" "initdb failed"
        fi
    fi
    chown -R "$SERVICE_USER:" "$PG_DIR"
    pg_write_config "$sock"
    # One log per run, so a failure shows this run's lines; keep the last one.
    if [[ -e "$PG_LOG" ]]; then mv -f "$PG_LOG" "$PG_LOG.prev"; fi
    install -o "$SERVICE_USER" -m 644 /dev/null "$PG_LOG"
    if ! as_service_user "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$TIMEOUT" start >/dev/null 2>&1; then
        die_with_log postgres "$PG_LOG" "pg_ctl start failed or timed out after ${TIMEOUT}s"
    fi
    deadline=$((SECONDS + TIMEOUT))
    until pg_healthy; do
        ((SECONDS < deadline)) || die_with_log postgres "$PG_LOG" "pg_isready failed for ${TIMEOUT}s"
        sleep 0.2
    done
    pg_ensure_role_and_db "$bin" || die_with_log postgres "$PG_LOG" "could not create role/database $PG_ROLE"
    say "postgres: up on $HOST:$PG_PORT"
}

pg_stop() {
    local bin
    if ! pg_running; then
        say "postgres: not running"
        return
    fi
    bin="$(pg_bin_dir)"
    say "postgres: stopping…"
    if ! as_service_user "$bin/pg_ctl" -D "$PG_DATA" -m fast -w -t "$TIMEOUT" stop >/dev/null 2>&1; then
        die_with_log postgres "$PG_LOG" "pg_ctl stop failed"
    fi
    say "postgres: stopped"
}

pg_status() {
    if pg_running && pg_healthy; then
        say "postgres: up on $HOST:$PG_PORT ($DATABASE_URL)"
        return 0
    fi
    say "postgres: down"
    return 1
}

# ---------------------------------------------------------------- redis

redis_ping() {
    [[ "$(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]
}

redis_running() { pid_alive "$(read_pid "$REDIS_PID")" redis-server; }

redis_start() {
    ensure_debian_packages
    if redis_running; then
        if redis_ping; then
            say "redis: already up on $HOST:$REDIS_PORT"
            return
        fi
        die_with_log redis "$REDIS_LOG" "redis-server (pid $(read_pid "$REDIS_PID")) runs but does not answer PING on $HOST:$REDIS_PORT (started on another port? scripts/services.sh stop, then start)"
    fi
    ensure_port_free redis "$REDIS_PORT" PRM_REDIS_PORT "$REDIS_PID"
    say "redis: starting…"
    mkdir -p "$REDIS_DIR"
    rm -f "$REDIS_PID"
    if [[ -e "$REDIS_LOG" ]]; then mv -f "$REDIS_LOG" "$REDIS_LOG.prev"; fi
    chown -R "$SERVICE_USER:" "$REDIS_DIR"
    if ! as_service_user redis-server --daemonize yes --bind "$HOST" --port "$REDIS_PORT" \
        --dir "$REDIS_DIR" --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" \
        --save "" --appendonly no >/dev/null 2>&1; then
        die_with_log redis "$REDIS_LOG" "redis-server failed to start"
    fi
    local deadline=$((SECONDS + TIMEOUT))
    until redis_ping; do
        ((SECONDS < deadline)) || die_with_log redis "$REDIS_LOG" "no PONG from $HOST:$REDIS_PORT after ${TIMEOUT}s"
        sleep 0.1
    done
    say "redis: up on $HOST:$REDIS_PORT"
}

redis_stop() {
    local pid
    pid="$(read_pid "$REDIS_PID")"
    if ! pid_alive "$pid" redis-server; then
        rm -f "$REDIS_PID"
        say "redis: not running"
        return
    fi
    say "redis: stopping…"
    redis-cli -h "$HOST" -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
    if ! wait_pid_gone "$pid" 30; then
        kill -9 "$pid" 2>/dev/null || true
        wait_pid_gone "$pid" 10 || die "redis: pid $pid will not exit"
    fi
    rm -f "$REDIS_PID"
    say "redis: stopped"
}

redis_status() {
    if redis_running && redis_ping; then
        say "redis: up on $HOST:$REDIS_PORT ($REDIS_URL)"
        return 0
    fi
    say "redis: down"
    return 1
}

# ---------------------------------------------------------------- elasticsearch

es_java_home() {
    local j
    if [[ -n "${ES_JAVA_HOME:-}" ]]; then
        printf '%s\n' "$ES_JAVA_HOME"
        return
    fi
    for j in /usr/lib/jvm/java-17-openjdk-*; do
        if [[ -x "$j/bin/java" ]]; then
            printf '%s\n' "$j"
            return
        fi
    done
    if command -v java >/dev/null; then
        j="$(readlink -f "$(command -v java)")"
        printf '%s\n' "${j%/bin/java}"
        return
    fi
    return 1
}

es_health() {
    curl -s -m 5 "$ELASTICSEARCH_URL/_cluster/health" 2>/dev/null || true
}

es_healthy() { es_health | grep -Eq '"status":"(green|yellow)"'; }

es_running() { pid_alive "$(read_pid "$ES_PID")" org.elasticsearch; }

es_ensure_distribution() {
    [[ -x "$ES_HOME/bin/elasticsearch" ]] && return
    if [[ ! -s "$ES_ZIP" ]]; then
        command -v mvn >/dev/null || apt_install maven
        say "elasticsearch: downloading $ES_ARTIFACT…"
        if ! mvn -q -B dependency:copy -Dartifact="$ES_ARTIFACT" -DoutputDirectory="$DOWNLOADS" \
            -Dmdep.overWriteReleases=true >"$DOWNLOADS/mvn.log" 2>&1; then
            rm -f "$ES_ZIP"
            die_with_log elasticsearch "$DOWNLOADS/mvn.log" "mvn dependency:copy failed"
        fi
        [[ -s "$ES_ZIP" ]] || die_with_log elasticsearch "$DOWNLOADS/mvn.log" "mvn did not produce $ES_ZIP"
    fi
    command -v unzip >/dev/null || apt_install unzip
    say "elasticsearch: unpacking $(basename -- "$ES_ZIP")…"
    mkdir -p "$ES_DIR"
    local tmp
    tmp="$(mktemp -d "$ES_DIR/.unpack.XXXXXX")"
    if ! unzip -q "$ES_ZIP" -d "$tmp"; then
        rm -rf "$tmp"
        rm -f "$ES_ZIP"
        die "elasticsearch: $ES_ZIP is corrupt (deleted); run start again to re-download"
    fi
    [[ -x "$tmp/elasticsearch-$ES_VERSION/bin/elasticsearch" ]] ||
        { rm -rf "$tmp"; die "elasticsearch: unexpected zip layout in $ES_ZIP"; }
    rm -rf "$ES_HOME"
    mv "$tmp/elasticsearch-$ES_VERSION" "$ES_HOME"
    rm -rf "$tmp"
    chown -R "$SERVICE_USER:" "$ES_HOME"
}

# Hunspell dictionaries (Debian packages) for the portal's language stemming:
# this Elasticsearch distribution has no analysis-common module, but the core
# hunspell token filter reads dictionaries from config/hunspell/<locale>/.
HUNSPELL_DICTIONARIES=(en_US:hunspell-en-us fr_FR:hunspell-fr de_DE:hunspell-de-de es_ES:hunspell-es)
es_install_dictionaries() {
    local entry locale package missing=()
    for entry in "${HUNSPELL_DICTIONARIES[@]}"; do
        locale="${entry%%:*}" package="${entry#*:}"
        [[ -f "/usr/share/hunspell/$locale.dic" ]] || missing+=("$package")
    done
    ((${#missing[@]} == 0)) || apt_install "${missing[@]}"
    for entry in "${HUNSPELL_DICTIONARIES[@]}"; do
        locale="${entry%%:*}"
        mkdir -p "$ES_HOME/config/hunspell/$locale"
        cp -L "/usr/share/hunspell/$locale.aff" "/usr/share/hunspell/$locale.dic" "$ES_HOME/config/hunspell/$locale/"
    done
    chown -R "$SERVICE_USER:" "$ES_HOME/config/hunspell"
}

es_write_config() {
    es_install_dictionaries
    cat >"$ES_HOME/config/elasticsearch.yml" <<EOF
# Written by scripts/services.sh on every start; edits are overwritten.
cluster.name: $ES_CLUSTER
node.name: prm-node
discovery.type: single-node
network.host: $HOST
http.port: $ES_PORT
transport.port: $ES_TRANSPORT_PORT
xpack.security.enabled: false
path.data: $ES_DIR/data
path.logs: $ES_DIR/logs
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
EOF
    chown "$SERVICE_USER:" "$ES_HOME/config/elasticsearch.yml"
}

# Launch without waiting, so postgres and redis can start meanwhile.
ES_LAUNCHER=""
es_launch() {
    local java_home
    if es_running; then
        return
    fi
    ensure_port_free elasticsearch "$ES_PORT" PRM_ES_PORT "$ES_PID"
    ensure_port_free elasticsearch "$ES_TRANSPORT_PORT" PRM_ES_TRANSPORT_PORT "$ES_PID"
    es_ensure_distribution
    java_home="$(es_java_home)" || { apt_install openjdk-17-jre-headless; java_home="$(es_java_home)"; }
    [[ -x "$java_home/bin/java" ]] || die "elasticsearch: no java at $java_home/bin/java (set ES_JAVA_HOME)"
    say "elasticsearch: starting…"
    mkdir -p "$ES_DIR/data" "$ES_DIR/logs" "$ES_DIR/tmp"
    rm -f "$ES_PID"
    # One main log per run, so a failure shows this run's lines.
    if [[ -e "$ES_LOG" ]]; then mv -f "$ES_LOG" "$ES_LOG.prev"; fi
    chown "$SERVICE_USER:" "$ES_DIR" "$ES_DIR/data" "$ES_DIR/logs" "$ES_DIR/tmp"
    es_write_config
    : >"$ES_STARTUP_LOG"
    chown "$SERVICE_USER:" "$ES_STARTUP_LOG"
    # `bin/elasticsearch -d` only returns once the node has started (~10 s),
    # so it runs in the background while postgres and redis start; es_wait
    # collects its exit status. setsid: the daemon must not share a process
    # group/session with the caller (CI runners kill those when a step ends).
    (cd "$ES_HOME" && exec setsid -w runuser -u "$SERVICE_USER" -- env \
        ES_JAVA_HOME="$java_home" ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP" \
        ES_PATH_CONF="$ES_HOME/config" ES_TMPDIR="$ES_DIR/tmp" \
        bin/elasticsearch -d -p "$ES_PID" >>"$ES_STARTUP_LOG" 2>&1 </dev/null 9>&-) &
    ES_LAUNCHER=$!
}

es_fail() {
    if [[ -s "$ES_STARTUP_LOG" ]]; then
        warn "---- $ES_STARTUP_LOG ----"
        tail -n 20 "$ES_STARTUP_LOG" >&2 || true
    fi
    die_with_log elasticsearch "$ES_LOG" "$*"
}

es_wait() {
    local deadline=$((SECONDS + TIMEOUT)) pid
    if [[ -z "$ES_LAUNCHER" ]]; then
        es_running || es_fail "not running and not launched"
        if es_healthy; then
            say "elasticsearch: already up on $HOST:$ES_PORT"
            return
        fi
    fi
    until es_healthy; do
        if [[ -n "$ES_LAUNCHER" ]] && ! kill -0 "$ES_LAUNCHER" 2>/dev/null; then
            # The launcher returned: non-zero means the node failed to start.
            if ! wait "$ES_LAUNCHER"; then
                ES_LAUNCHER=""
                es_fail "bin/elasticsearch -d failed"
            fi
            ES_LAUNCHER=""
        fi
        if [[ -z "$ES_LAUNCHER" ]] && ! es_running; then
            es_fail "the node is not running (pid file: $(read_pid "$ES_PID"))"
        fi
        if ((SECONDS >= deadline)); then
            pid="$(read_pid "$ES_PID")"
            es_fail "cluster health not green/yellow after ${TIMEOUT}s (pid ${pid:-?}; started on another port? scripts/services.sh stop, then start): $(es_health)"
        fi
        sleep 0.3
    done
    if [[ -n "$ES_LAUNCHER" ]]; then wait "$ES_LAUNCHER" || true; fi
    say "elasticsearch: up on $HOST:$ES_PORT"
}

es_stop() {
    local pid
    pid="$(read_pid "$ES_PID")"
    if ! pid_alive "$pid" org.elasticsearch; then
        rm -f "$ES_PID"
        say "elasticsearch: not running"
        return
    fi
    say "elasticsearch: stopping…"
    kill "$pid" 2>/dev/null || true
    if ! wait_pid_gone "$pid" 60; then
        warn "elasticsearch: pid $pid ignored SIGTERM for 60s, killing"
        kill -9 "$pid" 2>/dev/null || true
        wait_pid_gone "$pid" 10 || die "elasticsearch: pid $pid will not exit"
    fi
    rm -f "$ES_PID"
    say "elasticsearch: stopped"
}

es_status() {
    if es_running && es_healthy; then
        say "elasticsearch: up on $HOST:$ES_PORT ($ELASTICSEARCH_URL)"
        return 0
    fi
    say "elasticsearch: down"
    return 1
}

# ---------------------------------------------------------------- commands

usage() {
    sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# select_names NAME... -> NAMES: canonical names in start order, deduplicated
NAMES=()
select_names() {
    local n want=()
    NAMES=()
    (($#)) || set -- "${ALL_SERVICES[@]}"
    for n in "$@"; do
        case "$n" in
            postgres | postgresql | pg) want+=(postgres) ;;
            redis) want+=(redis) ;;
            elasticsearch | es) want+=(elasticsearch) ;;
            all) want+=("${ALL_SERVICES[@]}") ;;
            *) die "unknown service '$n' (expected: ${ALL_SERVICES[*]})" ;;
        esac
    done
    for n in "${ALL_SERVICES[@]}"; do
        if [[ " ${want[*]} " == *" $n "* ]]; then NAMES+=("$n"); fi
    done
}

cmd_start() {
    local n
    select_names "$@"
    prepare start
    # Elasticsearch takes longest: launch it first, wait for it last.
    if [[ " ${NAMES[*]} " == *" elasticsearch "* ]]; then es_launch; fi
    for n in "${NAMES[@]}"; do
        case "$n" in
            postgres) pg_start ;;
            redis) redis_start ;;
            elasticsearch) es_wait ;;
        esac
    done
}

cmd_stop() {
    local n
    select_names "$@"
    prepare stop
    for n in "${NAMES[@]}"; do
        case "$n" in
            postgres) pg_stop ;;
            redis) redis_stop ;;
            elasticsearch) es_stop ;;
        esac
    done
}

cmd_status() {
    local n rc=0
    select_names "$@"
    for n in "${NAMES[@]}"; do
        case "$n" in
            postgres) pg_status || rc=1 ;;
            redis) redis_status || rc=1 ;;
            elasticsearch) es_status || rc=1 ;;
        esac
    done
    return "$rc"
}

cmd_env() {
    printf 'export DATABASE_URL=%q\n' "$DATABASE_URL"
    printf 'export ELASTICSEARCH_URL=%q\n' "$ELASTICSEARCH_URL"
    printf 'export REDIS_URL=%q\n' "$REDIS_URL"
}

main() {
    local cmd="${1:-}"
    (($#)) && shift
    case "$cmd" in
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        status) cmd_status "$@" ;;
        env) cmd_env ;;
        restart) cmd_stop "$@" && cmd_start "$@" ;;
        -h | --help | help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
