#!/usr/bin/env bash
# Creates a kind cluster, installs the upstream Gateway API CRDs, builds the
# Portico image, loads it into the cluster and installs charts/portico.
#
# Environment:
#   CLUSTER_NAME         kind cluster name (default portico-e2e)
#   GATEWAY_API_CHANNEL  standard | experimental (default experimental: the suite
#                        also exercises the experimental features Portico supports).
#                        A cluster that already has the standard channel cannot take the
#                        experimental one (the bundle's safe-upgrades admission policy refuses
#                        it, and this script stops there): use a new cluster or standard.
#   IMAGE                controller image to build (default portico:e2e; loaded under a
#                        tag of its image ID, so a rebuilt image rolls the Deployment)
#   ENVOY_IMAGE          data plane image (default envoyproxy/envoy:distroless-v1.37.0)
#   NAMESPACE            release namespace (default portico-system)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=e2e/lib.sh
source e2e/lib.sh

CLUSTER_NAME="${CLUSTER_NAME:-portico-e2e}"
GATEWAY_API_CHANNEL="${GATEWAY_API_CHANNEL:-experimental}"
IMAGE="${IMAGE:-portico:e2e}"
ENVOY_IMAGE="${ENVOY_IMAGE:-envoyproxy/envoy:distroless-v1.37.0}"
NAMESPACE="${NAMESPACE:-portico-system}"

need docker kind kubectl cloud-provider-kind
helm="$(find_helm)"

case "$GATEWAY_API_CHANNEL" in
  standard | experimental) ;;
  *) die "GATEWAY_API_CHANNEL must be standard or experimental, not $GATEWAY_API_CHANNEL" ;;
esac

if kind get clusters | grep -qx "$CLUSTER_NAME"; then
  log "kind cluster $CLUSTER_NAME exists; reusing it"
else
  log "creating kind cluster $CLUSTER_NAME"
  kind create cluster --name "$CLUSTER_NAME" --wait 120s
fi
kubectl config use-context "kind-$CLUSTER_NAME" >/dev/null
# The Gateway API v1.6 bundle has a ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1).
minor="$(kubectl get --raw /version | grep -o '"minor": *"[0-9]*' | grep -o '[0-9]*$' || true)"
[[ -n "$minor" ]] || die "could not read the cluster's Kubernetes version (kubectl get --raw /version)"
((minor >= 30)) || die "Kubernetes 1.$minor: Gateway API $GATEWAY_API_VERSION needs 1.30 or later (kind create cluster --image kindest/node:v1.30 or newer)"
# kubeadm marks control-plane nodes as excluded from external load balancers, and a default
# kind cluster has only that node: cloud-provider-kind would give every LoadBalancer Service
# an address with no backend behind it.
kubectl label nodes --all node.kubernetes.io/exclude-from-external-load-balancers- >/dev/null

crds="$GATEWAY_API_RELEASE_URL/${GATEWAY_API_CHANNEL}-install.yaml"
log "installing Gateway API $GATEWAY_API_VERSION CRDs ($GATEWAY_API_CHANNEL) from $crds"
kubectl apply --server-side --force-conflicts -f "$crds"
kubectl wait --for=condition=Established --timeout=120s crd/gateways.gateway.networking.k8s.io crd/httproutes.gateway.networking.k8s.io

log "building $IMAGE"
docker build -t "$IMAGE" .
# A tag per build: the chart's pod template changes with the code, so a reused cluster rolls
# out the new image instead of keeping pods of the last one.
image_id="$(docker image inspect --format '{{.Id}}' "$IMAGE")"
image_id="${image_id#sha256:}"
# The repository without the tag (a registry port, as in localhost:5000/portico, is not a tag).
repository="$IMAGE"
[[ "${IMAGE##*/}" == *:* ]] && repository="${IMAGE%:*}"
loaded_image="$repository:e2e-${image_id:0:12}"
docker tag "$IMAGE" "$loaded_image"
kind load docker-image --name "$CLUSTER_NAME" "$loaded_image"
# Only to save each node a pull: with Docker's containerd image store, loading a multi-platform
# image fails (kubernetes-sigs/kind#3795), and the node pulls the public image itself then.
docker pull "$ENVOY_IMAGE"
kind load docker-image --name "$CLUSTER_NAME" "$ENVOY_IMAGE" ||
  log "could not load $ENVOY_IMAGE into the cluster; its nodes will pull it"

# kind has no cloud load balancer; cloud-provider-kind gives the provisioned
# LoadBalancer Services addresses reachable from the host, where the
# conformance suite sends its traffic.
mkdir -p e2e/out
if [[ -f e2e/out/cloud-provider-kind.pid ]] && kill -0 "$(cat e2e/out/cloud-provider-kind.pid)" 2>/dev/null; then
  log "cloud-provider-kind already running"
else
  log "starting cloud-provider-kind (log: e2e/out/cloud-provider-kind.log)"
  cloud-provider-kind >e2e/out/cloud-provider-kind.log 2>&1 &
  echo "$!" >e2e/out/cloud-provider-kind.pid
fi

log "installing charts/portico into $NAMESPACE"
"$helm" upgrade --install portico charts/portico \
  --namespace "$NAMESPACE" --create-namespace \
  --set image.repository="${loaded_image%:*}" --set image.tag="${loaded_image##*:}" --set image.pullPolicy=Never \
  --set envoy.image="$ENVOY_IMAGE" \
  --set envoy.serviceType=LoadBalancer \
  --set gatewayClass.name=portico \
  --set envoy.vhds="${ENVOY_VHDS:-false}" \
  --wait --timeout 5m

kubectl -n "$NAMESPACE" rollout status deployment/portico --timeout=180s
kubectl wait --for=condition=Accepted --timeout=120s gatewayclass/portico
log "Portico is running; GatewayClass portico is Accepted"
