#!/usr/bin/env bash
# Adapted from the shared peer recipe ../shared/peers/pds/ (setup.sh/start.sh/stop.sh/launch.mjs)
# written for this project's crisis-launcher work; copied here so the project never depends on it.
# setup.sh [PREFIX]
#
# Idempotently installs, into PREFIX (default: $PEERS_DIR or /tmp/launcher-peers):
#   PREFIX/node22/  node 22 from the npm package node-linux-<arch>@22
#   PREFIX/pds/     @atproto/pds + @did-plc/server (+ deps), better-sqlite3
#                   compiled with node-gyp against the node 22 headers shipped
#                   in that npm package (nothing is downloaded except from the
#                   npm registry; install scripts are never run, so no
#                   prebuild-install download attempt either).
#
# Env knobs: NODE22_SPEC (default 22), PDS_VERSION (0.5.35),
#            PLC_SERVER_VERSION (0.0.1), JOBS (make -j, default nproc).
set -euo pipefail

PREFIX="${1:-${PEERS_DIR:-/tmp/launcher-peers}}"
NODE22_SPEC="${NODE22_SPEC:-22}"
PDS_VERSION="${PDS_VERSION:-0.5.35}"
PLC_SERVER_VERSION="${PLC_SERVER_VERSION:-0.0.1}"
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

case "$(uname -m)" in
  x86_64|amd64) NODE_ARCH=x64 ;;
  aarch64|arm64) NODE_ARCH=arm64 ;;
  *) echo "setup: unsupported arch $(uname -m)" >&2; exit 1 ;;
esac
NODE_PKG_NAME="node-linux-$NODE_ARCH"

T0=$(date +%s)
log() { echo "[setup +$(( $(date +%s) - T0 ))s] $*"; }
die() { echo "setup: ERROR: $*" >&2; exit 1; }

for tool in npm make g++ python3; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is required (apt-get install -y npm build-essential python3)"
done

mkdir -p "$PREFIX"
PREFIX="$(cd "$PREFIX" && pwd)"
NODE_DIR="$PREFIX/node22"
NODE_HOME="$NODE_DIR/node_modules/$NODE_PKG_NAME"   # has bin/node and include/node
NODE22="$NODE_HOME/bin/node"
PDS_DIR="$PREFIX/pds"

# npm flags: never run install scripts, no audit/fund noise.
NPM_FLAGS=(--ignore-scripts --no-audit --no-fund --loglevel=error)

# ---------------------------------------------------------------- node 22
if [ -x "$NODE22" ] && "$NODE22" -v 2>/dev/null | grep -q '^v22\.'; then
  log "node 22 already present: $("$NODE22" -v)"
else
  log "installing $NODE_PKG_NAME@$NODE22_SPEC from the npm registry into $NODE_DIR"
  mkdir -p "$NODE_DIR"
  [ -f "$NODE_DIR/package.json" ] || echo '{"name":"node22","private":true}' > "$NODE_DIR/package.json"
  (cd "$NODE_DIR" && npm install "${NPM_FLAGS[@]}" "$NODE_PKG_NAME@$NODE22_SPEC")
  [ -x "$NODE22" ] || die "node binary not found at $NODE22 after install"
  log "node 22 installed: $("$NODE22" -v)"
fi
[ -f "$NODE_HOME/include/node/node_version.h" ] || die "node headers missing under $NODE_HOME/include/node"

# From here on, node 22 is the 'node' on PATH (npm's '#!/usr/bin/env node' too).
export PATH="$NODE_HOME/bin:$PATH"
# Override any user-level npmrc 'nodedir' (e.g. one pointing at system node 20 headers).
export npm_config_nodedir="$NODE_HOME"

# ---------------------------------------------------------------- npm packages
have_pkgs() {
  [ -f "$PDS_DIR/node_modules/@atproto/pds/package.json" ] &&
  [ -f "$PDS_DIR/node_modules/@did-plc/server/package.json" ] &&
  "$NODE22" -e '
    const [dir, pv, sv] = process.argv.slice(1);
    const v = (p) => require(dir + "/node_modules/" + p + "/package.json").version;
    process.exit(v("@atproto/pds") === pv && v("@did-plc/server") === sv ? 0 : 1);
  ' "$PDS_DIR" "$PDS_VERSION" "$PLC_SERVER_VERSION"
}
if have_pkgs; then
  log "@atproto/pds@$PDS_VERSION and @did-plc/server@$PLC_SERVER_VERSION already installed in $PDS_DIR"
else
  log "npm install @atproto/pds@$PDS_VERSION @did-plc/server@$PLC_SERVER_VERSION into $PDS_DIR (scripts not run)"
  mkdir -p "$PDS_DIR"
  [ -f "$PDS_DIR/package.json" ] || echo '{"name":"pds-peer","private":true}' > "$PDS_DIR/package.json"
  (cd "$PDS_DIR" && npm install "${NPM_FLAGS[@]}" \
      "@atproto/pds@$PDS_VERSION" "@did-plc/server@$PLC_SERVER_VERSION")
  have_pkgs || die "packages not installed as expected in $PDS_DIR"
  log "npm install done"
fi

# ---------------------------------------------------------------- better-sqlite3
BSQL_DIR="$PDS_DIR/node_modules/better-sqlite3"
[ -f "$BSQL_DIR/binding.gyp" ] || die "better-sqlite3 not found in $PDS_DIR/node_modules"
sqlite_ok() {
  (cd "$PDS_DIR" && "$NODE22" -e '
    const D = require("better-sqlite3");
    const db = new D(":memory:");
    console.log("better-sqlite3 OK, sqlite " + db.prepare("select sqlite_version() v").get().v +
                ", node " + process.version + " (ABI " + process.versions.modules + ")");
  ') 2>/dev/null
}
if sqlite_ok >/dev/null; then
  log "better-sqlite3 native module already built for node 22"
else
  # node-gyp: the copy bundled with npm, else install one from the npm registry.
  NPM_JS="$(readlink -f "$(command -v npm)")"
  NODE_GYP="$(cd "$(dirname "$NPM_JS")/.." && pwd)/node_modules/node-gyp/bin/node-gyp.js"
  if [ ! -f "$NODE_GYP" ]; then
    log "npm's bundled node-gyp not found; installing node-gyp into $PREFIX/tools"
    mkdir -p "$PREFIX/tools"
    [ -f "$PREFIX/tools/package.json" ] || echo '{"name":"tools","private":true}' > "$PREFIX/tools/package.json"
    (cd "$PREFIX/tools" && npm install "${NPM_FLAGS[@]}" node-gyp)
    NODE_GYP="$PREFIX/tools/node_modules/node-gyp/bin/node-gyp.js"
  fi
  log "building better-sqlite3 with node-gyp (-j $JOBS) against $NODE_HOME/include/node"
  (cd "$BSQL_DIR" && "$NODE22" "$NODE_GYP" rebuild --release --jobs="$JOBS" --nodedir="$NODE_HOME") \
      > "$PREFIX/better-sqlite3-build.log" 2>&1 \
    || { tail -30 "$PREFIX/better-sqlite3-build.log" >&2; die "better-sqlite3 build failed (log: $PREFIX/better-sqlite3-build.log)"; }
  log "better-sqlite3 built"
fi
sqlite_ok >/dev/null || die "better-sqlite3 still does not load under node 22"
log "$(sqlite_ok)"

# ---------------------------------------------------------------- final check
(cd "$PDS_DIR" && "$NODE22" --input-type=module -e '
  const pds = await import("@atproto/pds");
  const { createRequire } = await import("node:module");
  const req = createRequire(process.cwd() + "/package.json");
  const plc = req("@did-plc/server");
  if (typeof pds.PDS?.fromEnv !== "function" || typeof plc.PlcServer?.create !== "function" || typeof plc.Database?.mock !== "function")
    throw new Error("unexpected module shape");
  console.log("imports OK: @atproto/pds " + req("@atproto/pds/package.json").version +
              ", @did-plc/server " + req("@did-plc/server/package.json").version);
') || die "import check failed"

log "done in $(( $(date +%s) - T0 ))s. PEERS_DIR=$PREFIX  node: $NODE22"
