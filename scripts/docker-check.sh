#!/usr/bin/env bash
# Builds the Docker image and runs it for real on a machine without a Docker engine: buildah
# builds it (chroot isolation), podman runs it (runc, host network). Registry images cannot be
# pulled here, so node:20-bookworm-slim is replaced by a stand-in base: a debootstrap'd Debian
# bookworm plus this machine's Node.js, npm and Node headers, built once and reused.
#
# Checks, in order: the Dockerfile and compose file pass their linters; the image holds only
# what it should and runs as a non-root user; the container answers /healthz and its own
# HEALTHCHECK; it trains the lecture's XOR through the API; SIGTERM (podman stop) with a job in
# flight ends it cleanly with exit code 0; a new container on the same volume still has the
# job and its model, and the interrupted job resumes. Prints the timings and the image size.
#
# Needs root (apt-get, debootstrap, rootful podman) and the project's node_modules (tsx runs the
# API half, scripts/docker-check-api.mts). Environment:
#   CHAINRULE_STORAGE_DRIVER  containers/storage driver: overlay unless set; vfs (slower, more
#                             disk) where the kernel has no overlayfs
#   DEBIAN_MIRROR             where debootstrap fetches bookworm (http://deb.debian.org/debian)
set -euo pipefail
cd "$(dirname "$0")/.."

STORAGE_DRIVER="${CHAINRULE_STORAGE_DRIVER:-overlay}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# Raise BASE_RECIPE when build_base changes, so that reruns stop reusing the old base.
BASE_RECIPE=2
IMAGE=localhost/chainrule:check
RUN_ID="$$"
VOLUME="chainrule-check-data-$RUN_ID"
FIRST="chainrule-check-first-$RUN_ID"
SECOND="chainrule-check-second-$RUN_ID"
WORK_DIR="$(mktemp -d /tmp/chainrule-docker-check.XXXXXX)"
BASE_BUILDER=""

started=$SECONDS
phase_started=$SECONDS
timings=()

step() {
  echo "== docker-check [$((SECONDS - started)) s] $*"
}

# Records how long the phase that just ended took, for the summary.
phase_done() {
  timings+=("$(printf '%-34s %4d s' "$1" $((SECONDS - phase_started)))")
  phase_started=$SECONDS
}

# Another driver gets its own storage: one storage root cannot hold two drivers' layers.
STORAGE=(--storage-driver "$STORAGE_DRIVER")
[ "$STORAGE_DRIVER" = overlay ] || STORAGE+=(
  --root "/var/lib/containers/storage-$STORAGE_DRIVER"
  --runroot "/run/containers/storage-$STORAGE_DRIVER"
)

in_buildah() { buildah "${STORAGE[@]}" "$@"; }

# Without systemd here: cgroupfs, and events to a file instead of the journal.
in_podman() {
  podman "${STORAGE[@]}" --runtime runc --cgroup-manager cgroupfs --events-backend file "$@"
}

# podman's defaults (nofile 1048576) are above this sandbox's hard limits, which runc refuses:
# containers get the current nofile limits and an nproc of at most 32768, because runc here
# cannot set a higher one even below the current limit (found by trial; buildah's own default).
limit() { [ "$1" = unlimited ] && echo -1 || echo "$1"; }
nproc="$(limit "$(ulimit -Su)")"
{ [ "$nproc" = -1 ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
NOFILE=(--ulimit "nofile=$(limit "$(ulimit -Sn)"):$(limit "$(ulimit -Hn)")")
ULIMITS=("${NOFILE[@]}" --ulimit "nproc=$nproc:$nproc")

cleanup() {
  local status=$?
  set +e
  for container in "$FIRST" "$SECOND"; do
    if [ "$status" -ne 0 ] && in_podman container exists "$container" 2>/dev/null; then
      echo "-- last log lines of $container"
      in_podman logs --tail 30 "$container" 2>&1
    fi
    in_podman rm --force --time 0 "$container" >/dev/null 2>&1
  done
  in_podman volume rm --force "$VOLUME" >/dev/null 2>&1
  [ -n "$BASE_BUILDER" ] && in_buildah rm "$BASE_BUILDER" >/dev/null 2>&1
  rm -rf "$WORK_DIR"
  [ "$status" -ne 0 ] && echo "== docker-check FAILED after $((SECONDS - started)) s"
  exit "$status"
}
trap cleanup EXIT

fail() {
  echo "docker-check: $*" >&2
  exit 1
}

ensure_tools() {
  local missing=()
  for tool in buildah podman debootstrap runc; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  [ ${#missing[@]} -eq 0 ] && return
  step "installing ${missing[*]} from Debian"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    buildah podman debootstrap runc
}

# dockerfile-utils (the validator behind VS Code's Dockerfile support) and dclint, from npm.
# Any finding fails the check, warnings included.
lint() {
  local findings
  findings="$(npx --yes dockerfile-utils@0.16.3 lint --json Dockerfile 2>/dev/null)" \
    || fail "dockerfile-utils could not lint the Dockerfile: $findings"
  [ "$findings" = "[]" ] || fail "Dockerfile lint findings: $findings"
  findings="$(npx --yes dclint@3.1.0 --max-warnings 0 docker-compose.yml 2>/dev/null)" \
    || fail "docker-compose.yml lint findings: $findings"
  echo "no findings (dockerfile-utils 0.16.3, dclint 3.1.0)"
}

# The stand-in for node:20-bookworm-slim: same Debian release, Node.js where this machine has it,
# npm configured like this machine's (nodedir: node-gyp takes the headers from the image
# instead of downloading them, which it cannot here).
build_base() {
  local node_bin prefix npm_dir headers mount
  node_bin="$(readlink -f "$(command -v node)")"
  prefix="$(dirname "$(dirname "$node_bin")")"
  npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
  headers="$(npm config get nodedir 2>/dev/null || true)/include/node"
  [ -f "$headers/node_version.h" ] || headers="$prefix/include/node"
  [ -f "$headers/node_version.h" ] || fail "no Node.js headers found (looked in $headers)"

  BASE_BUILDER="$(in_buildah from scratch)"
  mount="$(in_buildah mount "$BASE_BUILDER")"
  debootstrap --variant=minbase bookworm "$mount" "$DEBIAN_MIRROR" > "$WORK_DIR/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK_DIR/debootstrap.log"; fail "debootstrap failed"; }
  cat > "$mount/etc/apt/sources.list" <<EOF
deb $DEBIAN_MIRROR bookworm main
deb $DEBIAN_MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
  # Slim like Debian's own -slim images: no manuals, docs or translations, now or from later
  # apt-get installs (license files stay).
  cat > "$mount/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
  find "$mount/usr/share/doc" -mindepth 2 -not -name copyright -not -type d -delete
  rm -rf "$mount/usr/share/man/"* "$mount/usr/share/info/"* "$mount/usr/share/locale/"* \
    "$mount/var/cache/apt/archives/"*.deb "$mount/var/lib/apt/lists/"*

  install -D -m 0755 "$node_bin" "$mount$prefix/bin/node"
  mkdir -p "$mount$prefix/lib/node_modules" "$mount$prefix/include" "$mount$prefix/etc"
  cp -a "$npm_dir" "$mount$prefix/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$mount$prefix/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$mount$prefix/bin/npx"
  cp -a "$headers" "$mount$prefix/include/node"
  printf 'nodedir=%s\nupdate-notifier=false\nfund=false\n' "$prefix" > "$mount$prefix/etc/npmrc"
  in_buildah umount "$BASE_BUILDER" >/dev/null

  in_buildah config --env "NODE_VERSION=$(node --version | tr -d v)" --cmd node \
    --label "org.opencontainers.image.description=stand-in for node:20-bookworm-slim" \
    "$BASE_BUILDER"
  in_buildah commit --quiet --rm "$BASE_BUILDER" "$BASE_IMAGE" >/dev/null
  BASE_BUILDER=""
}

build_image() {
  local ca_file secret=()
  # npm reaches its registry through this machine's CA; the build gets it as a secret, so the
  # bundle is there for `npm ci` only and ends up in no layer.
  ca_file="$(npm config get cafile 2>/dev/null || true)"
  [ -f "$ca_file" ] || ca_file=/etc/ssl/certs/ca-certificates.crt
  [ -f "$ca_file" ] && secret=(--secret "id=npm_ca,src=$ca_file")

  in_buildah build --isolation chroot --layers --force-rm --format docker --pull=never \
    "${NOFILE[@]}" "${secret[@]}" --build-arg "BASE=$BASE_IMAGE" --tag "$IMAGE" . \
    > "$WORK_DIR/build.log" 2>&1 \
    || { tail -40 "$WORK_DIR/build.log"; fail "the image build failed (log above)"; }
}

# podman logs errors about systemd timers for the image's HEALTHCHECK, which it schedules through
# systemd, absent here: its stderr goes to a file, shown only when a command fails. The check
# runs the HEALTHCHECK itself with `podman healthcheck run`.
run_container() {
  in_podman run --detach --name "$1" --network host --log-driver k8s-file "${ULIMITS[@]}" \
    --volume "$VOLUME:/data" --env "PORT=$PORT" --env LOG_LEVEL=info "$IMAGE" \
    >/dev/null 2>>"$WORK_DIR/podman.log" \
    || { cat "$WORK_DIR/podman.log"; fail "podman could not start $1"; }
}

api() { node --import tsx scripts/docker-check-api.mts "$@"; }

# SIGTERM, up to 30 s before SIGKILL; a graceful stop exits 0 well within that.
stop_container() {
  local begun=$SECONDS code
  in_podman stop --time 30 "$1" >/dev/null 2>>"$WORK_DIR/podman.log" \
    || { cat "$WORK_DIR/podman.log"; fail "podman could not stop $1"; }
  code="$(in_podman inspect --format '{{.State.ExitCode}}' "$1")"
  [ "$code" = 0 ] || fail "$1 exited with code $code after SIGTERM (137 means it was killed)"
  in_podman logs "$1" 2>&1 | grep -q '"msg":"chainrule stopped"' \
    || fail "$1 exited without logging 'chainrule stopped'"
  echo "$1 stopped by SIGTERM in $((SECONDS - begun)) s, exit code 0"
}

ensure_tools
command -v podman >/dev/null && [ "$(id -u)" = 0 ] || fail "needs root and podman"
phase_done "tools"

step "linting Dockerfile and docker-compose.yml"
lint
phase_done "lint"

BASE_IMAGE="localhost/chainrule-node-base:$(node --version | tr -d v)-r$BASE_RECIPE"
if in_buildah inspect --type image "$BASE_IMAGE" >/dev/null 2>&1; then
  step "reusing base $BASE_IMAGE"
else
  step "building base $BASE_IMAGE (debootstrap bookworm + this machine's Node.js)"
  build_base
fi
phase_done "base image"

step "building $IMAGE (buildah, $STORAGE_DRIVER storage)"
build_image
phase_done "image build"

step "checking the image's configuration and contents"
expect_config() {
  local actual
  actual="$(in_podman image inspect --format "$1" "$IMAGE")"
  [[ "$actual" == *"$2"* ]] || fail "image config $1 is $actual, expected it to contain $2"
}
expect_config '{{.Config.User}}' chainrule
expect_config '{{json .Config.Env}}' '"HOST=0.0.0.0"'
expect_config '{{json .Config.Env}}' '"DATA_DIR=/data"'
expect_config '{{json .Config.Volumes}}' '"/data"'
expect_config '{{json .Config.ExposedPorts}}' '"8080/tcp"'
expect_config '{{json .HealthCheck}}' '/healthz'
expect_config '{{json .Config.Entrypoint}}' '["/usr/bin/tini","--"]'
# The .dockerignore allow-list at work: no tests, data, host node_modules, dist or .git.
contents="$(in_podman run --rm --network host --no-healthcheck "${ULIMITS[@]}" --entrypoint ls \
  "$IMAGE" -A /app | tr '\n' ' ')"
[ "$contents" = "dist migrations node_modules package.json " ] \
  || fail "unexpected files in /app: $contents"

PORT="$(node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => {
  console.log(s.address().port); s.close(); });")"
URL="http://127.0.0.1:$PORT"
in_podman volume create "$VOLUME" >/dev/null

step "starting $FIRST on volume $VOLUME, port $PORT"
run_container "$FIRST"
api wait-healthy "$URL"
in_podman healthcheck run "$FIRST" >/dev/null || fail "the image's HEALTHCHECK reports unhealthy"
[ "$(in_podman exec "$FIRST" id -u)" = 10001 ] || fail "the service does not run as uid 10001"
phase_done "first start"

step "training XOR through the API"
api train "$URL" "$WORK_DIR/state.json"
phase_done "XOR training"

step "stopping $FIRST with SIGTERM while a job runs"
stop_container "$FIRST"
phase_done "graceful stop"

step "starting $SECOND on the same volume"
run_container "$SECOND"
api wait-healthy "$URL"
api verify "$URL" "$WORK_DIR/state.json"
in_podman logs "$SECOND" 2>/dev/null | api check-resume "$WORK_DIR/state.json"
stop_container "$SECOND"
phase_done "restart and verify"

# Every build leaves untagged images behind, the layer cache among them: those made over a
# week ago go, which bounds their disk use at the price of an uncached build once a week.
in_podman image prune --force --filter until=168h >/dev/null

size="$(in_podman image inspect --format '{{.Size}}' "$IMAGE")"
echo "== docker-check timings"
printf '   %s\n' "${timings[@]}"
printf '   %-34s %4d s\n' "total" $((SECONDS - started))
echo "== docker-check image $IMAGE: $((size / 1000000)) MB ($size bytes), storage $STORAGE_DRIVER"
echo "== docker-check passed"
