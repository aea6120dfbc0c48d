# shellcheck shell=bash
# devstack/kubo/stack.sh - kubo (IPFS), fully offline for devstack/bin/stack, which sources it after
# devstack/common.sh. Defines kubo_{install,start,ready,procs,stop,info,env,marker}.

KUBO_VERSION=v0.36.0          # keep in step with devstack/kubo/go.mod
# kubo v0.36 does not compile with Go >= 1.25 (cockroachdb/swiss); the Go
# command downloads this toolchain from the module proxy on demand.
KUBO_GOTOOLCHAIN=go1.24.6
KUBO_API_PORT=5001
KUBO_GATEWAY_PORT=8089
KUBO_SWARM_PORT=4401

# Built from devstack/kubo/go.mod (see tools.go for why not `go install`).

kubo_bin() { echo "$CACHE/bin/ipfs-$KUBO_VERSION"; }

kubo_install() {
  local bin; bin="$(kubo_bin)"
  [[ -x "$bin" ]] && return 0
  have go || die "kubo: go is required to build kubo $KUBO_VERSION"
  mkdir -p "$(dirname "$bin")"
  local blog="$bin.build.log"
  log "kubo: building kubo $KUBO_VERSION with $KUBO_GOTOOLCHAIN (a few minutes; output in $blog)"
  # -mod=readonly: build exactly what go.mod/go.sum pin, never "fix" them.
  if ! (cd "$DEVSTACK/kubo" &&
    GOTOOLCHAIN="$KUBO_GOTOOLCHAIN" GOFLAGS=-mod=readonly \
      go build -trimpath -o "$bin.tmp" github.com/ipfs/kubo/cmd/ipfs) >"$blog" 2>&1; then
    tail -n 30 "$blog" >&2
    die "kubo: go build failed (full output: $blog)"
  fi
  mv "$bin.tmp" "$bin"
  log "kubo: built $bin"
}

ipfs_cmd() { "$(kubo_bin)" --repo-dir "$VAR/ipfs" "$@"; }

# Fully offline node: fixed loopback ports, no bootstrap peers, no mDNS, no
# routing (so no DHT/delegated routing calls), no relays/NAT/AutoTLS.
kubo_configure() {
  if [[ ! -e "$VAR/ipfs/config" ]]; then
    log "kubo: ipfs init (profile test) in $VAR/ipfs"
    mkdir -p "$VAR/ipfs"
    ipfs_cmd init --profile=test >>"$(logfile kubo)" 2>&1 \
      || fail_with_logs "kubo: ipfs init failed" kubo
  fi
  local kv
  for kv in \
    "Addresses.API=\"/ip4/127.0.0.1/tcp/$KUBO_API_PORT\"" \
    "Addresses.Gateway=\"/ip4/127.0.0.1/tcp/$KUBO_GATEWAY_PORT\"" \
    "Addresses.Swarm=[\"/ip4/127.0.0.1/tcp/$KUBO_SWARM_PORT\"]" \
    'Addresses.Announce=[]' \
    'Bootstrap=[]' \
    'Peering.Peers=[]' \
    'Discovery.MDNS.Enabled=false' \
    'Routing.Type="none"' \
    'AutoTLS.Enabled=false' \
    'AutoNAT.ServiceMode="disabled"' \
    'Swarm.DisableNatPortMap=true' \
    'Swarm.RelayClient.Enabled=false' \
    'Swarm.RelayService.Enabled=false' \
    'Swarm.Transports.Network.Websocket=false' \
    'HTTPRetrieval.Enabled=false' \
    'Gateway.NoFetch=true'; do
    ipfs_cmd config --json "${kv%%=*}" "${kv#*=}" >/dev/null
  done
}

kubo_start() {
  require_free_port kubo "$KUBO_API_PORT"
  require_free_port kubo "$KUBO_GATEWAY_PORT"
  require_free_port kubo "$KUBO_SWARM_PORT"
  kubo_configure
  # --repo-dir (rather than IPFS_PATH) puts the repo on the command line,
  # which is what proc_pid checks before trusting the PID file.
  spawn kubo "$(kubo_bin)" --repo-dir "$VAR/ipfs" daemon --migrate=false
}

kubo_ready() {
  curl -fsS -m 2 -X POST "http://127.0.0.1:$KUBO_API_PORT/api/v0/id" >/dev/null
}

kubo_procs() { echo kubo; }
kubo_stop()  { stop_proc kubo TERM; }
kubo_info()  { echo "api http://127.0.0.1:$KUBO_API_PORT gateway http://127.0.0.1:$KUBO_GATEWAY_PORT"; }

kubo_marker() { echo "--repo-dir $VAR/ipfs"; }
kubo_env() { echo "export IPFS_API=http://127.0.0.1:$KUBO_API_PORT"; }
