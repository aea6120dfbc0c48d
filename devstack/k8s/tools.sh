#!/usr/bin/env bash
# devstack/k8s/tools.sh - the Kubernetes tools the deploy tests run, built from the Go module
# proxy into ~/.cache/pushnode/bin (as devstack/bin/stack does for kubo) and reused after that.
#
#   tools.sh install [helm|apiserver]   build whatever is missing (default: both)
#   tools.sh path helm|kube-apiserver|etcd   print the cached binary's path (built or not)
#
# helm:       `go install helm.sh/helm/v4/cmd/helm@HELM_VERSION` (a plain module, no replaces).
# apiserver:  kube-apiserver and etcd from devstack/k8s/apiserver/go.mod, which replaces
#             k8s.io/kubernetes' staging modules with their releases (see tools.go there).
# Builds run nice'd with `go build -p 1`: the machine is shared.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${PUSHNODE_CACHE:-$HOME/.cache/pushnode}"

HELM_VERSION=v4.3.2
KUBERNETES_VERSION=v1.36.3   # keep in step with apiserver/go.mod
ETCD_VERSION=v3.6.8          # keep in step with apiserver/go.mod

log() { printf '[k8s-tools] %s\n' "$*" >&2; }
die() { printf '[k8s-tools] ERROR: %s\n' "$*" >&2; exit 1; }

bin_path() {
  case "$1" in
    helm)           echo "$CACHE/bin/helm-$HELM_VERSION" ;;
    kube-apiserver) echo "$CACHE/bin/kube-apiserver-$KUBERNETES_VERSION" ;;
    etcd)           echo "$CACHE/bin/etcd-$ETCD_VERSION" ;;
    *)              die "unknown tool: $1" ;;
  esac
}

# lock BIN: hold BIN.lock until this script exits, so two runs (make install, a test) never
# build the same binary at once; the second waits, then finds it built.
lock() {
  mkdir -p "$(dirname "$1")"
  exec {LOCK_FD}>"$1.lock"
  flock "$LOCK_FD"
}

# build NAME DIR PACKAGE: `go build` PACKAGE in DIR into a temp file, then move it in place,
# so that an interrupted build never leaves a binary that looks cached.
build() {
  local name="$1" dir="$2" pkg="$3"
  local bin; bin="$(bin_path "$name")"
  [[ -x "$bin" ]] && return 0
  command -v go >/dev/null || die "$name: go is required to build it"
  lock "$bin"
  [[ -x "$bin" ]] && return 0  # built by another run while this one waited
  local blog="$bin.build.log"
  log "$name: building (minutes on a small machine; output in $blog)"
  if ! (cd "$dir" && GOFLAGS=-mod=readonly nice -n 19 \
    go build -p 1 -trimpath -o "$bin.tmp" "$pkg") >"$blog" 2>&1; then
    tail -n 30 "$blog" >&2
    die "$name: go build failed (full output: $blog)"
  fi
  mv "$bin.tmp" "$bin"
  log "$name: built $bin"
}

install_helm() {
  # `go install` has no -o: build the module's main package from a throw-away GOBIN instead.
  local bin; bin="$(bin_path helm)"
  [[ -x "$bin" ]] && return 0
  lock "$bin"
  [[ -x "$bin" ]] && return 0
  local gobin; gobin="$(mktemp -d)"
  log "helm: go install helm.sh/helm/v4/cmd/helm@$HELM_VERSION (output in $bin.build.log)"
  if ! GOBIN="$gobin" nice -n 19 go install -p 1 -trimpath \
    "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" >"$bin.build.log" 2>&1; then
    tail -n 30 "$bin.build.log" >&2
    die "helm: go install failed (full output: $bin.build.log)"
  fi
  mv "$gobin/helm" "$bin"
  rm -rf "$gobin"
  log "helm: built $bin"
}

install_apiserver() {
  build etcd "$HERE/apiserver" go.etcd.io/etcd/server/v3
  build kube-apiserver "$HERE/apiserver" k8s.io/kubernetes/cmd/kube-apiserver
}

main() {
  local cmd="${1:-install}"; shift || true
  case "$cmd" in
    install)
      local what=("$@"); [[ ${#what[@]} -gt 0 ]] || what=(helm apiserver)
      for w in "${what[@]}"; do "install_$w"; done ;;
    path) bin_path "$1" ;;
    *) die "usage: tools.sh install [helm|apiserver] | path helm|kube-apiserver|etcd" ;;
  esac
}

main "$@"
