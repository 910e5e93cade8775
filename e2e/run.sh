#!/usr/bin/env bash
# The whole e2e flow: cluster + Portico (kind-up.sh), then the upstream
# conformance suite (conformance.sh). KEEP_CLUSTER=1 leaves the cluster, and cloud-provider-kind, up.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=e2e/lib.sh
source e2e/lib.sh

CLUSTER_NAME="${CLUSTER_NAME:-portico-e2e}"
export CLUSTER_NAME

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  if [[ "${KEEP_CLUSTER:-0}" == "1" ]]; then
    # cloud-provider-kind removes its load balancers when it stops: it keeps running with the
    # cluster, or the Gateways' addresses would lead nowhere.
    log "keeping kind cluster $CLUSTER_NAME and cloud-provider-kind (pid file e2e/out/cloud-provider-kind.pid)"
    return
  fi
  if [[ -f e2e/out/cloud-provider-kind.pid ]]; then
    kill "$(cat e2e/out/cloud-provider-kind.pid)" 2>/dev/null || true
    rm -f e2e/out/cloud-provider-kind.pid
  fi
  log "deleting kind cluster $CLUSTER_NAME"
  kind delete cluster --name "$CLUSTER_NAME" || true
}
trap cleanup EXIT

bash e2e/kind-up.sh
status=0
bash e2e/conformance.sh || status=$?
if [[ "$status" -ne 0 ]]; then
  log "conformance failed; controller logs follow"
  kubectl -n "${NAMESPACE:-portico-system}" logs deployment/portico --tail=200 || true
fi
exit "$status"
