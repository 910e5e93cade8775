#!/usr/bin/env bash
# Lints charts/portico and checks what it renders: YAML parses, every field of
# a built-in kind exists in the Kubernetes API models, RBAC stays least
# privilege, `mesh=true` passes --mesh to the controller and --include-crds
# renders the GatewayParameters CRD. Runs without a cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=e2e/lib.sh
source e2e/lib.sh

need node
helm="$(find_helm)"
chart=charts/portico

log "helm $("$helm" version --short)"
"$helm" lint --strict "$chart"

# render_and_check DESCRIPTION [helm flags...] [-- check-chart.mjs flags...]
render_and_check() {
  local description="$1"
  shift
  local helm_args=() check_args=()
  while (($# > 0)) && [[ "$1" != "--" ]]; do
    helm_args+=("$1")
    shift
  done
  if (($# > 0)); then
    shift
    check_args=("$@")
  fi
  log "template: $description"
  "$helm" template portico "$chart" --namespace portico-system ${helm_args[@]+"${helm_args[@]}"} | node e2e/check-chart.mjs ${check_args[@]+"${check_args[@]}"}
}

render_and_check "defaults"
render_and_check "xDS mTLS, one replica without leader election, no GatewayClass" \
  --set xds.tls.enabled=true --set leaderElection.enabled=false --set replicas=1 --set gatewayClass.create=false
log "template: no leader election with two replicas is refused"
if refused="$("$helm" template portico "$chart" --set leaderElection.enabled=false --set replicas=2 2>&1 >/dev/null)"; then
  die "rendered two replicas without leader election"
fi
# Refused for that reason, not for any error helm could give.
grep -q "leaderElection.enabled=false needs replicas=1" <<<"$refused" || die "two replicas without leader election: helm failed otherwise: $refused"
render_and_check "single replica, ClusterIP Envoy services" \
  --set replicas=1 --set envoy.serviceType=ClusterIP --set image.tag=dev
render_and_check "mesh control plane" --set mesh=true -- --mesh
render_and_check "Envoy on Delta ADS with VHDS" --set envoy.vhds=true -- --vhds
render_and_check "with CRDs (GatewayParameters)" --include-crds -- --crds
