#!/usr/bin/env bash
# The container image proven by running it (issue 14): builds deploy/Dockerfile with docker (when
# a daemon answers) or podman, then runs the image and checks
#   1. against a real redis-server and PostgreSQL on the host (LIVECHAT_REDIS, LIVECHAT_POSTGRES):
#      /readyz, a WebSocket chat between visitors and agents through the container (lc_load), the
#      closed conversations in that PostgreSQL, a non-root user, a read-only root filesystem,
#      HEALTHCHECK healthy, SIGTERM drain with exit 0;
#   2. the embedded default (no LIVECHAT_REDIS/LIVECHAT_POSTGRES): the same chat, data in the
#      /var/lib/livechat volume, and again after a restart on that volume;
#   3. `livechat token` in the image, and its refusal of a placeholder secret;
#   4. the image size (at most LIVECHAT_IMAGE_MAX_MB, default 400).
# When no registry is reachable the Debian base is bootstrapped with `debootstrap --variant=minbase
# bookworm` and imported as debian:12 and debian:12-slim, and the web stage gets a Node base made
# of that and this host's Node (>= 20.19). Slow (≈ 11 min cold on 2 cores): opt-in, run by
# scripts/test.sh when LIVECHAT_IMAGE_TEST=1, or alone:
#   deploy/image_test.sh [build-dir]          (default build/release: its lc_load drives the chat)
# Environment: LIVECHAT_IMAGE_ENGINE=podman|docker, LIVECHAT_IMAGE_INSTALL=1 (apt-get install
# podman/buildah/debootstrap when missing; root), NPM_REGISTRY, LIVECHAT_IMAGE_NPM_CA (a PEM file
# passed as the npm_ca build secret; default $NODE_EXTRA_CA_CERTS when set), LIVECHAT_IMAGE_KEEP=1
# (keep the image). Exit 0 when every check passed, 1 on a failed check, 77 when it cannot run.
set -euo pipefail
{  # read whole before it runs: an edit of this file during a (long) run cannot derail that run

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
lc_load=$build/load-tests/lc_load
image=localhost/livechat:image-test
work=${LIVECHAT_IMAGE_WORK:-/var/tmp/livechat-image}
secret=image-test-secret-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
started=$(date +%s)
failures=0
containers=()
pids=()

log() { printf '[image_test %4ss] %s\n' "$(($(date +%s) - started))" "$*"; }
pass() { log "PASS $*"; }
check_fail() { log "FAIL $*"; failures=$((failures + 1)); }
skip() { log "SKIP: $*"; exit 77; }

cleanup() {
  for c in "${containers[@]}"; do $engine rm -f "$c" >/dev/null 2>&1 || true; done
  for v in lc-image-test-data lc-image-test-data1; do $engine volume rm -f "$v" >/dev/null 2>&1 || true; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ "${LIVECHAT_IMAGE_KEEP:-0}" != 1 ] && [ -n "${engine:-}" ]; then
    $engine rmi -f "$image" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# --- the engine ----------------------------------------------------------------------------
engine=${LIVECHAT_IMAGE_ENGINE:-}
if [ -z "$engine" ]; then
  if command -v docker >/dev/null && timeout 10 docker info >/dev/null 2>&1; then
    engine=docker
  elif command -v podman >/dev/null; then
    engine=podman
  elif [ "${LIVECHAT_IMAGE_INSTALL:-0}" = 1 ] && [ "$(id -u)" = 0 ]; then
    log "installing podman, buildah, debootstrap (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y podman buildah debootstrap uidmap runc >/dev/null
    engine=podman
  else
    skip "no docker daemon and no podman (apt-get install podman buildah debootstrap, or LIVECHAT_IMAGE_INSTALL=1)"
  fi
fi
[ -x "$lc_load" ] || skip "$lc_load missing (cmake --build --preset release --target lc_load)"
command -v redis-server >/dev/null || skip "redis-server missing (apt-get install redis-server)"
command -v curl >/dev/null || skip "curl missing"
log "engine: $engine ($($engine --version | head -n1))"

# --- base images -----------------------------------------------------------------------------
have_image() { $engine image inspect "$1" >/dev/null 2>&1; }
pull() { timeout 60 $engine pull -q "$1" >/dev/null 2>&1; }
# A bookworm minbase in $work/rootfs, without apt's lists and caches (as the registry images).
bootstrap_rootfs() {
  [ -x "$work/rootfs/usr/bin/apt-get" ] && return 0
  command -v debootstrap >/dev/null || {
    [ "${LIVECHAT_IMAGE_INSTALL:-0}" = 1 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap >/dev/null
  } || skip "no registry and no debootstrap"
  log "no registry: bootstrapping bookworm with debootstrap --variant=minbase"
  mkdir -p "$work"
  rm -rf "$work/rootfs"
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log"; skip "debootstrap failed"; }
}
strip_apt_state() {
  rm -rf "$1/var/lib/apt/lists/"* "$1/var/cache/apt/"*.bin "$1/var/cache/apt/archives/"*.deb
}
node_image=${LIVECHAT_IMAGE_NODE:-node:22-bookworm-slim}
if ! have_image docker.io/library/debian:12 && ! pull docker.io/library/debian:12; then
  bootstrap_rootfs
  strip_apt_state "$work/rootfs"
  tar -C "$work/rootfs" -c . | $engine import - docker.io/library/debian:12 >/dev/null 2>&1
  log "imported docker.io/library/debian:12 from $work/rootfs"
fi
if ! have_image docker.io/library/debian:12-slim && ! pull docker.io/library/debian:12-slim; then
  # What the registry's -slim variant is: no docs, man pages or translations, and dpkg told to
  # skip them in every later install (debuerreotype's slimify rules), so the size check means
  # what it would with the real base.
  bootstrap_rootfs
  rm -rf "$work/slim" && cp -a "$work/rootfs" "$work/slim"
  strip_apt_state "$work/slim"
  find "$work/slim/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$work/slim/usr/share/man/"* "$work/slim/usr/share/info/"* "$work/slim/usr/share/locale/"* \
    "$work/slim/usr/share/groff/"* "$work/slim/usr/share/lintian/"*
  cat >"$work/slim/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
  tar -C "$work/slim" -c . | $engine import - docker.io/library/debian:12-slim >/dev/null 2>&1
  rm -rf "$work/slim"
  log "imported docker.io/library/debian:12-slim (slimmed $work/rootfs)"
fi
if have_image localhost/livechat-node-base:"$(node --version 2>/dev/null)"; then
  node_image=localhost/livechat-node-base:$(node --version)
fi
if ! have_image "$node_image" && ! timeout 60 $engine pull -q "docker.io/library/$node_image" >/dev/null 2>&1; then
  # The same bookworm userland plus this host's Node: vite 7 needs Node >= 20.19.
  node_bin=$(command -v node || true)
  [ -n "$node_bin" ] || skip "no Node image and no node on this host"
  node -e 'const [a, b] = process.versions.node.split(".").map(Number);
           process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' \
    || skip "this host's node $(node --version) is older than 20.19"
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  bootstrap_rootfs
  rm -rf "$work/node-rootfs"
  cp -a "$work/rootfs" "$work/node-rootfs"
  strip_apt_state "$work/node-rootfs"
  mkdir -p "$work/node-rootfs/usr/lib/node_modules"
  cp "$(readlink -f "$node_bin")" "$work/node-rootfs/usr/bin/node"
  cp -a "$npm_dir" "$work/node-rootfs/usr/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$work/node-rootfs/usr/bin/npm"
  node_image=localhost/livechat-node-base:$(node --version)
  tar -C "$work/node-rootfs" -c . | $engine import - "$node_image" >/dev/null
  rm -rf "$work/node-rootfs"
  log "web stage base: $node_image (bookworm + this host's node)"
fi

# Sandboxes (a VM without systemd, cgroup v1 with a v2 hierarchy mounted: "hybrid") may refuse
# podman's defaults: crun rejects hybrid cgroups and raising RLIMIT_NPROC/NOFILE to podman's
# values is not permitted. Then runc and limits at most this host's are used (a containers.conf
# for this script only).
if [ "$engine" = podman ] && ! $engine run --rm --network host docker.io/library/debian:12 true >/dev/null 2>&1; then
  if ! command -v runc >/dev/null && [ "${LIVECHAT_IMAGE_INSTALL:-0}" = 1 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y runc >/dev/null
  fi
  nofile=$(ulimit -Hn)
  [ "$nofile" = unlimited ] && nofile=65536
  cat >"$work/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=4096:4096"]
[engine]
runtime = "$(command -v runc >/dev/null && echo runc || echo crun)"
EOF
  export CONTAINERS_CONF=$work/containers.conf
  $engine run --rm --network host docker.io/library/debian:12 true >/dev/null 2>&1 \
    || skip "podman cannot run a container here (apt-get install runc?): $(
      $engine run --rm docker.io/library/debian:12 true 2>&1 | tail -n 1)"
  log "podman: using $work/containers.conf (runc, nofile $nofile, nproc 4096)"
fi

# --- build -----------------------------------------------------------------------------------
build_args=(-f "$root/deploy/Dockerfile" -t "$image" --build-arg "NODE_IMAGE=$node_image")
[ -n "${NPM_REGISTRY:-}" ] && build_args+=(--build-arg "NPM_REGISTRY=$NPM_REGISTRY")
ca=${LIVECHAT_IMAGE_NPM_CA:-${NODE_EXTRA_CA_CERTS:-}}
[ -n "$ca" ] && [ -f "$ca" ] && build_args+=(--secret "id=npm_ca,src=$ca")
ro=(--read-only)
if [ "$engine" = podman ]; then
  # No /tmp, /var/tmp, /run tmpfs either: as read-only as docker's --read-only.
  ro+=(--read-only-tmpfs=false)
  # docker format keeps the HEALTHCHECK; host network: no bridge/NAT needed for apt and npm.
  build_args+=(--format docker --network host --ignorefile "$root/deploy/Dockerfile.dockerignore")
else
  export DOCKER_BUILDKIT=1
fi
log "building $image"
build_start=$(date +%s)
if ! $engine build "${build_args[@]}" "$root" >"$work/build.log" 2>&1; then
  tail -n 40 "$work/build.log"
  log "FAIL build (log: $work/build.log)"
  exit 1
fi
build_seconds=$(($(date +%s) - build_start))
pass "build in ${build_seconds} s"

size_bytes=$($engine image inspect --format '{{.Size}}' "$image")
size_mb=$((size_bytes / 1000000))
if [ "$size_mb" -le "${LIVECHAT_IMAGE_MAX_MB:-400}" ]; then
  pass "image size ${size_mb} MB"
else
  check_fail "image size ${size_mb} MB > ${LIVECHAT_IMAGE_MAX_MB:-400} MB"
fi
if $engine image inspect --format '{{json .Config.Healthcheck}}' "$image" | grep -q healthcheck; then
  pass "image carries the HEALTHCHECK"
else
  check_fail "image has no HEALTHCHECK ($( $engine image inspect --format '{{json .Config.Healthcheck}}' "$image"))"
fi

# --- helpers for a running container ---------------------------------------------------------
# (podman run's stderr goes to $work/engine.log: without systemd it logs that it cannot add
# health-check timers, which `podman healthcheck run` below stands in for.)
wait_ready() {  # port, container
  for _ in $(seq 1 120); do
    curl -sf -o /dev/null "http://127.0.0.1:$1/readyz" && return 0
    [ "$($engine inspect --format '{{.State.Running}}' "$2" 2>/dev/null)" = true ] || break
    sleep 0.5
  done
  $engine logs "$2" 2>&1 | tail -n 30
  return 1
}

chat() {  # port, label: 2 visitors and 2 agents, every message delivered and acknowledged; the
  # visitors close (and rate) their conversations at the end, so the node archives them
  local out=$work/chat-${2// /-}.json
  if ! "$lc_load" --targets "127.0.0.1:$1" --sources 127.0.0.1 --secret "$secret" --visitors 2 \
    --agents 2 --capacity 1 --steps 5 --step-seconds 2 --drain-seconds 1 --setup-timeout 30 \
    --close-at-end --out "$out" >"$work/chat-${2// /-}.log" 2>&1; then
    check_fail "$2: lc_load failed: $(tail -n 3 "$work/chat-${2// /-}.log")"
    return
  fi
  if python3 - "$out" <<'EOF'; then
import json, sys
d = json.load(open(sys.argv[1]))
s = d["steps"][0]
ok = (not d["errors"] and d["assigned_visitors"] == 2 and s["sent"] > 0
      and s["received"] == s["sent"] and s["acked"] == s["sent"])
print(f"  joined {d['joined']} assigned {d['assigned_visitors']} sent {s['sent']} "
      f"received {s['received']} acked {s['acked']} errors {d['errors']}")
sys.exit(0 if ok else 1)
EOF
    pass "$2: WebSocket chat, 2 visitors assigned to 2 agents, all messages delivered"
  else
    check_fail "$2: chat through the container: $(head -c 600 "$out")"
  fi
}

common_checks() {  # container, label
  local uid
  uid=$($engine exec "$1" id -u)
  if [ "$uid" = 10001 ]; then pass "$2: runs as uid 10001"; else check_fail "$2: runs as uid $uid"; fi
  # /tmp is world-writable: only a read-only root filesystem stops uid 10001 there.
  if $engine exec "$1" sh -c 'touch /tmp/x' 2>/dev/null; then
    check_fail "$2: the root filesystem is writable (/tmp/x)"
  elif [ "$($engine inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$1")" != true ]; then
    check_fail "$2: not run with a read-only root filesystem"
  else
    pass "$2: read-only root filesystem (the node writes only its volume)"
  fi
  local status=""
  if [ "$engine" = podman ]; then
    # Podman runs health checks from systemd timers, absent here: run the image's check now
    # (it sets the same status the timer would).
    if $engine healthcheck run "$1" >/dev/null 2>&1; then
      status=healthy
    else
      status="unhealthy: $($engine healthcheck run "$1" 2>&1 | tail -n 1)"
    fi
  else
    for _ in $(seq 1 60); do
      status=$($engine inspect --format '{{.State.Health.Status}}' "$1" 2>/dev/null || true)
      [ "$status" = healthy ] && break
      sleep 1
    done
  fi
  if [ "$status" = healthy ]; then pass "$2: HEALTHCHECK healthy"; else check_fail "$2: HEALTHCHECK $status"; fi
}

stop_check() {  # container, label: SIGTERM, drained, exit 0
  local t0 t1 code
  t0=$(date +%s.%N)
  $engine stop -t 30 "$1" >/dev/null
  t1=$(date +%s.%N)
  code=$($engine inspect --format '{{.State.ExitCode}}' "$1")
  if [ "$code" = 0 ] && $engine logs "$1" 2>&1 | grep -q "draining"; then
    pass "$2: SIGTERM drained and exited 0 in $(python3 -c "print(f'{$t1 - $t0:.1f}')") s"
  else
    check_fail "$2: stop: exit code $code; log: $($engine logs "$1" 2>&1 | tail -n 5)"
  fi
}

# --- 1. against a real redis-server and a real PostgreSQL ------------------------------------
# Host networking: the container reaches the host's servers on loopback and needs no port
# mapping (which some sandboxes without iptables cannot do).
rport=$(free_port)
mkdir -p "$work/redis"
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$work/redis" \
  --logfile "$work/redis/redis.log" &
pids+=($!)
for _ in $(seq 1 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
# The system of record as production has it (LIVECHAT_POSTGRES): Debian's PostgreSQL 15 on the
# host, as the postgres user when we are root (initdb refuses root).
pg_bin=/usr/lib/postgresql/15/bin
pg_url=""
if [ -x "$pg_bin/postgres" ]; then
  pgport=$(free_port)
  pgdir=$work/pg
  rm -rf "$pgdir" && mkdir -p "$pgdir"
  as_pg=()
  if [ "$(id -u)" = 0 ]; then chown postgres: "$pgdir"; as_pg=(runuser -u postgres --); fi
  "${as_pg[@]}" "$pg_bin/initdb" -D "$pgdir/data" -U livechat -A trust --no-instructions >"$work/pg-initdb.log" 2>&1
  "${as_pg[@]}" "$pg_bin/postgres" -D "$pgdir/data" -p "$pgport" -k "$pgdir" -c listen_addresses=127.0.0.1 \
    >"$work/pg.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pgport" && break; sleep 0.1; done
  pg_url="postgresql://livechat@127.0.0.1:$pgport/postgres"
else
  log "no $pg_bin/postgres on this host: case 1 uses the embedded PostgreSQL"
fi
port=$(free_port)
c1=lc-image-test-redis-$$
containers+=("$c1")
$engine volume rm -f lc-image-test-data1 >/dev/null 2>&1 || true
$engine run -d --name "$c1" --network host "${ro[@]}" -v lc-image-test-data1:/var/lib/livechat \
  -e LIVECHAT_LISTEN="127.0.0.1:$port" -e LIVECHAT_REDIS="redis://127.0.0.1:$rport" \
  ${pg_url:+-e LIVECHAT_POSTGRES="$pg_url"} \
  -e LIVECHAT_SECRET="$secret" -e LIVECHAT_NODE_ID=image-test -e LIVECHAT_DEPARTMENTS=d0,support \
  "$image" >/dev/null 2>>"$work/engine.log"
if wait_ready "$port" "$c1"; then
  pass "external redis: /readyz 200"
  for path in /healthz / /metrics; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")
    if [ "$code" = 200 ]; then pass "external redis: GET $path 200"; else check_fail "external redis: GET $path $code"; fi
  done
  if redis-cli -p "$rport" dbsize | grep -qv '^0$'; then pass "external redis: the node writes to the host's redis-server"; else check_fail "external redis: nothing in the host's Redis"; fi
  chat "$port" "external redis"
  if [ -n "$pg_url" ]; then
    n=0
    for _ in $(seq 1 40); do
      n=$(psql -tAq "$pg_url" -c 'SELECT count(*) FROM conversations' 2>/dev/null || echo 0)
      [ "${n:-0}" -ge 2 ] && break
      sleep 0.5
    done
    if [ "${n:-0}" -ge 2 ]; then pass "external postgres: the closed conversations are archived in the host's PostgreSQL ($n)"; else check_fail "external postgres: $n conversations archived"; fi
  fi
  common_checks "$c1" "external redis"
  stop_check "$c1" "external redis"
else
  check_fail "external redis: never ready"
fi

# --- 2. the embedded default: `docker run IMAGE`, data in the volume --------------------------
port=$(free_port)
c2=lc-image-test-embedded-$$
containers+=("$c2")
$engine volume rm -f lc-image-test-data >/dev/null 2>&1 || true
$engine volume create lc-image-test-data >/dev/null
run_embedded() {
  $engine run -d --name "$c2" --network host "${ro[@]}" -v lc-image-test-data:/var/lib/livechat \
    -e LIVECHAT_LISTEN="127.0.0.1:$port" -e LIVECHAT_SECRET="$secret" -e LIVECHAT_DEPARTMENTS=d0,support \
    "$image" >/dev/null 2>>"$work/engine.log"
}
run_embedded
if wait_ready "$port" "$c2"; then
  pass "embedded default: /readyz 200 (redis-server and PostgreSQL inside, as uid 10001)"
  chat "$port" "embedded"
  common_checks "$c2" "embedded"
  files=$($engine exec "$c2" ls /var/lib/livechat | tr '\n' ' ')
  if [[ $files == *redis* && $files == *postgres* ]]; then pass "embedded: data in the volume ($files)"; else check_fail "embedded: volume holds '$files'"; fi
  stop_check "$c2" "embedded"
  $engine rm -f "$c2" >/dev/null
  run_embedded
  if wait_ready "$port" "$c2"; then
    pass "embedded: restarts on its volume"
    stop_check "$c2" "embedded restart"
  else
    check_fail "embedded: no restart on the volume"
  fi
else
  check_fail "embedded default: never ready"
fi

# --- 3. subcommands --------------------------------------------------------------------------
if $engine run --rm --read-only -e LIVECHAT_SECRET="$secret" "$image" token --agent alice --admin | grep -q '\.'; then
  pass "livechat token in the image"
else
  check_fail "livechat token in the image"
fi
set +e
$engine run --rm -e LIVECHAT_SECRET=REPLACE-ME-with-openssl-rand-hex-32 "$image" token --agent a --admin >/dev/null 2>&1
rc=$?
set -e
if [ "$rc" = 2 ]; then pass "placeholder secret refused (exit 2)"; else check_fail "placeholder secret: exit $rc"; fi

total=$(($(date +%s) - started))
if [ "$failures" = 0 ]; then
  log "OK: every check passed in ${total} s (build ${build_seconds} s, image ${size_mb} MB, $engine)"
  exit 0
fi
log "FAILED: $failures check(s) in ${total} s"
exit 1
}
