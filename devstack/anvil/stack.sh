# shellcheck shell=bash
# devstack/anvil/stack.sh - two anvil chains for devstack/bin/stack, which sources it after
# devstack/common.sh. Defines anvil_{install,start,ready,procs,stop,info,env,marker}.

# chain id -> port
ANVIL_CHAINS=("11155111:8545" "80002:8546")

# anvil 1.7.1 from npm (devstack/package-lock.json). package.json names the
# platform package @foundry-rs/anvil-linux-amd64 directly, not the
# @foundry-rs/anvil wrapper: the wrapper lists one optional package per
# platform, only linux-amd64 is fetchable here, and `npm ci` then rejects
# the lock file as out of sync. We run the native binary itself (no node
# wrapper), so the PID we hold is anvil and our signals reach it.

anvil_bin() {
  local os arch
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) os=unknown ;; esac
  case "$(uname -m)" in x86_64 | amd64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=unknown ;; esac
  echo "$DEVSTACK/node_modules/@foundry-rs/anvil-$os-$arch/bin/anvil"
}

anvil_install() {
  # npm records the installed tree in node_modules/.package-lock.json;
  # reinstall when the committed lock is newer or the binary is missing.
  if [[ -x "$(anvil_bin)" && "$DEVSTACK/node_modules/.package-lock.json" -nt "$DEVSTACK/package-lock.json" ]]; then
    return 0
  fi
  have npm || die "anvil: npm is required"
  log "anvil: npm ci --prefix devstack"
  npm ci --prefix "$DEVSTACK" --no-audit --no-fund --loglevel=error >&2
  [[ -x "$(anvil_bin)" ]] || die "anvil: $(anvil_bin) missing after npm ci (devstack/package.json only pins the linux-amd64 build)"
}

anvil_procs() {
  local c; for c in "${ANVIL_CHAINS[@]}"; do printf 'anvil-%s ' "${c%%:*}"; done
}

anvil_start() {
  local c id port
  for c in "${ANVIL_CHAINS[@]}"; do
    id="${c%%:*}"; port="${c#*:}"
    proc_pid "anvil-$id" >/dev/null && continue
    require_free_port "anvil-$id" "$port"
    mkdir -p "$VAR/anvil/$id"
    # --state loads the chain from state.json if present and dumps it on
    # exit (and every 30s), so deployed contracts survive a restart.
    spawn "anvil-$id" "$(anvil_bin)" --host 127.0.0.1 --port "$port" \
      --chain-id "$id" --state "$VAR/anvil/$id/state.json" --state-interval 30
  done
}

eth_chain_id() {
  curl -fsS -m 2 -H 'Content-Type: application/json' \
    -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' \
    "http://127.0.0.1:$1" | grep -o '"result":"0x[0-9a-fA-F]*"' | cut -d'"' -f4
}

anvil_ready() {
  local c got
  for c in "${ANVIL_CHAINS[@]}"; do
    got="$(eth_chain_id "${c#*:}")" || return 1
    [[ "$((got))" == "${c%%:*}" ]] || return 1
  done
}

anvil_stop() {
  local p; for p in $(anvil_procs); do stop_proc "$p" TERM; done
}

anvil_info() {
  local c out=""
  for c in "${ANVIL_CHAINS[@]}"; do out+="chain ${c%%:*} http://127.0.0.1:${c#*:} "; done
  echo "${out% }"
}

anvil_marker() { echo "$VAR/anvil/${1#anvil-}/"; }
anvil_env() {
  local c; for c in "${ANVIL_CHAINS[@]}"; do echo "export CHAIN_RPC_${c%%:*}=http://127.0.0.1:${c#*:}"; done
}
