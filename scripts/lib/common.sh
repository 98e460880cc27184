# Shared by scripts/test and scripts/demo: install what is missing, build, run a private
# PostgreSQL. Sourced, not executed. Every function prints what it does to stderr.

FG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FG_BUILD=${FORUMGATE_BUILD_DIR:-$FG_ROOT/build}

# Debian 12 packages the build, the tests and the demo need.
FG_PACKAGES=(
  g++ cmake ninja-build pkg-config git
  libpqxx-dev libpq-dev libre2-dev libboost-dev libboost-system-dev libssl-dev libidn2-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev chromium clang-tidy clang-format clang libclang-rt-14-dev
  postgresql postgresql-client curl ca-certificates
  dpkg-dev binutils file xz-utils lintian
  nginx haproxy wrk
)

fg_log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }

# Waits for the Nth (4th argument, default 1) "listening on ADDR:PORT" line in log $1 of the
# server with PID $2 and sets the variable named $3 to its port. Returns 1 if the server exits
# first, or after $5 seconds (default 60). Call it in the shell that started the server, never in
# a $(…) subshell, so that the server's PID stays known there.
fg_wait_listening() {
  local _fg_log=$1 _fg_pid=$2 _fg_var=$3 _fg_nth=${4:-1} _fg_seconds=${5:-60} _fg_port _fg_try
  for _fg_try in $(seq $((_fg_seconds * 5))); do
    _fg_port=$(grep -o 'listening on [0-9.]*:[0-9]*' "$_fg_log" 2>/dev/null | sed -n "${_fg_nth}p" | sed 's/.*://' || true)
    [ -n "$_fg_port" ] && { printf -v "$_fg_var" '%s' "$_fg_port"; return 0; }
    kill -0 "$_fg_pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

# Installs the packages given (default: those of FG_PACKAGES) that are not installed yet
# (apt-get, as root or via sudo).
fg_install_deps() {
  local missing=() pkg
  [ $# -gt 0 ] || set -- "${FG_PACKAGES[@]}"
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  fg_log "installing missing packages: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  # The tests start their own PostgreSQL; do not let the package create and start a system cluster.
  if ! dpkg-query -W -f='${Status}' postgresql-common 2>/dev/null | grep -q 'install ok installed'; then
    "${sudo[@]}" mkdir -p /etc/postgresql-common
    [ -f /etc/postgresql-common/createcluster.conf ] ||
      echo 'create_main_cluster = false' | "${sudo[@]}" tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  # Nor a system nginx on port 80 (the nginx tests and benchmarks start their own): a
  # policy-rc.d that forbids starting services, removed again if made here.
  local policy_made=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${sudo[@]}" chmod 755 /usr/sbin/policy-rc.d
    policy_made=1
  fi
  local status=0
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
    status=$?
  [ -z "$policy_made" ] || "${sudo[@]}" rm -f /usr/sbin/policy-rc.d
  return "$status"
}

# Configures (once) and builds into $FG_BUILD the targets named (all without); reruns are
# incremental.
fg_build() {
  local generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  # A compiler cache, where the machine has one, makes rebuilds after a checkout cheap.
  command -v ccache >/dev/null && generator+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  if [ ! -f "$FG_BUILD/CMakeCache.txt" ]; then
    cmake -S "$FG_ROOT" -B "$FG_BUILD" "${generator[@]}" -DCMAKE_BUILD_TYPE="${FORUMGATE_BUILD_TYPE:-RelWithDebInfo}" >&2
  fi
  local targets=()
  [ $# -gt 0 ] && targets=(--target "$@")
  cmake --build "$FG_BUILD" --parallel "$(nproc)" "${targets[@]}" >&2
}

fg_pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -x "$dir/initdb" ] || { fg_log "PostgreSQL server binaries not found under /usr/lib/postgresql"; return 1; }
  echo "$dir"
}

# The user the private PostgreSQL runs as: postgres when this runs as root (initdb refuses to
# run as root), else this user.
fg_pg_user() {
  if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

# Runs a command as fg_pg_user.
fg_pg_run() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Makes a new temporary folder `forumgate-$1.XXXXXX` for a private PostgreSQL, owned by
# fg_pg_user, and prints its path.
fg_pg_new_folder() {
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/forumgate-$1.XXXXXX")
  chmod 755 "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  echo "$dir"
}

# Starts the PostgreSQL whose data is in $1/data, listening on a unix socket in $1, and on TCP
# at address $3 too when given (port $4, default 5432), with more `-c` settings in $2; shows its
# log if it does not come up.
fg_pg_ctl_start() {
  local bindir
  bindir=$(fg_pg_bindir) || return 1
  fg_pg_run "$bindir/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 \
    -o "-c listen_addresses='${3:-}' -c port=${4:-5432} -c unix_socket_directories='$1' -c max_connections=200 $2" start >/dev/null ||
    { cat "$1/server.log" >&2; return 1; }
}

# Starts a private PostgreSQL in a new temporary folder, listening on a unix socket in that
# folder only (no TCP, no system service), or also on TCP at the loopback address $1 (port $2,
# default 5432) when given, accepting there any user of this machine, replication included,
# from 127.0.0.0/8 (trust). Sets FG_PG_DIR, FG_PG_HOST and FG_PG_PORT (where to reach it: its
# TCP address when it has one, else its folder) and exports FORUMGATE_PG_URL (a libpq
# keyword/value connection string to its 'postgres' database).
fg_pg_start() {
  local bindir user
  bindir=$(fg_pg_bindir) || return 1
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
  fi
  FG_PG_DIR=$(fg_pg_new_folder pg)
  FG_PG_HOST=${1:-$FG_PG_DIR}
  FG_PG_PORT=${2:-5432}
  user=$(fg_pg_user)
  fg_pg_run "$bindir/initdb" -D "$FG_PG_DIR/data" -U "$user" --auth=trust -E UTF8 --locale=C.UTF-8 >"$FG_PG_DIR/initdb.log" 2>&1 ||
    { cat "$FG_PG_DIR/initdb.log" >&2; return 1; }
  [ -z "${1:-}" ] || printf 'host all all 127.0.0.0/8 trust\nhost replication all 127.0.0.0/8 trust\n' |
    fg_pg_run tee -a "$FG_PG_DIR/data/pg_hba.conf" >/dev/null
  # Durability is not needed for a throw-away test server; speed is.
  fg_pg_ctl_start "$FG_PG_DIR" "-c fsync=off -c synchronous_commit=off -c full_page_writes=off" "${1:-}" "$FG_PG_PORT" || return 1
  export FORUMGATE_PG_URL="host=$FG_PG_HOST port=$FG_PG_PORT user=$user dbname=postgres"
  fg_log "private PostgreSQL running in $FG_PG_DIR${1:+, on $1:$FG_PG_PORT}"
}

# Starts a streaming-replication hot standby of the private PostgreSQL of fg_pg_start (a base
# backup with pg_basebackup -R, streaming from FG_PG_HOST, the primary's TCP address if it has
# one), in a new temporary folder, listening on a unix socket in that folder only, or also on
# TCP at the loopback address $1 (port $2, default 5432) when given. Sets FG_PG_STANDBY_DIR and
# exports FORUMGATE_PG_STANDBY_URL.
fg_pg_standby_start() {
  local bindir user host
  bindir=$(fg_pg_bindir) || return 1
  [ -n "${FG_PG_DIR:-}" ] || { fg_log "fg_pg_standby_start: no primary (fg_pg_start first)"; return 1; }
  FG_PG_STANDBY_DIR=$(fg_pg_new_folder pg-standby)
  user=$(fg_pg_user)
  fg_pg_run "$bindir/pg_basebackup" -h "${FG_PG_HOST:-$FG_PG_DIR}" -p "${FG_PG_PORT:-5432}" -U "$user" \
    -D "$FG_PG_STANDBY_DIR/data" -R -X stream >"$FG_PG_STANDBY_DIR/basebackup.log" 2>&1 ||
    { cat "$FG_PG_STANDBY_DIR/basebackup.log" >&2; return 1; }
  # A standby needs max_connections at least the primary's (fg_pg_ctl_start gives both 200).
  fg_pg_ctl_start "$FG_PG_STANDBY_DIR" "-c hot_standby=on" "${1:-}" "${2:-5432}" || return 1
  host=${1:-$FG_PG_STANDBY_DIR}
  export FORUMGATE_PG_STANDBY_URL="host=$host port=${2:-5432} user=$user dbname=postgres"
  fg_log "private PostgreSQL hot standby running in $FG_PG_STANDBY_DIR${1:+, on $1:${2:-5432}}"
}

# Stops the PostgreSQL whose folder is $1 (fast shutdown) and removes the folder.
fg_pg_stop_folder() {
  [ -n "$1" ] && [ -d "$1/data" ] || return 0
  local bindir
  bindir=$(fg_pg_bindir) || return 0
  fg_pg_run "$bindir/pg_ctl" -D "$1/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$1"
}

fg_pg_standby_stop() {
  fg_pg_stop_folder "${FG_PG_STANDBY_DIR:-}"
  FG_PG_STANDBY_DIR=
}

fg_pg_stop() {
  fg_pg_stop_folder "${FG_PG_DIR:-}"
  FG_PG_DIR= FG_PG_HOST= FG_PG_PORT=
}
