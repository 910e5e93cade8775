#!/usr/bin/env bash
# Runs the upstream Gateway API conformance suite (Go) against the Portico
# installed by kind-up.sh and writes the ConformanceReport YAML.
#
# Environment:
#   REPORT            output path (default e2e/out/conformance-report.yaml)
#   FEATURES          "gatewayclass" (default: no feature flag, so the suite reads the
#                     features Portico advertises in GatewayClass status.supportedFeatures),
#                     "all" (--all-features), or a comma-separated list for --supported-features
#   EXEMPT_FEATURES   comma-separated --exempt-features (optional)
#   PROFILES          --conformance-profiles (default GATEWAY-HTTP,GATEWAY-TLS,GATEWAY-GRPC,GATEWAY-TCP,GATEWAY-UDP)
#   PORTICO_VERSION   version recorded in the report (default: git describe)
#   RUN_TEST          run a single conformance test by name (optional, for debugging)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=e2e/lib.sh
source e2e/lib.sh

need git go kubectl

REPORT="${REPORT:-e2e/out/conformance-report.yaml}"
FEATURES="${FEATURES:-gatewayclass}"
EXEMPT_FEATURES="${EXEMPT_FEATURES:-}"
PROFILES="${PROFILES:-GATEWAY-HTTP,GATEWAY-TLS,GATEWAY-GRPC,GATEWAY-TCP,GATEWAY-UDP}"
PORTICO_VERSION="${PORTICO_VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
RUN_TEST="${RUN_TEST:-}"

mkdir -p "$(dirname "$REPORT")"
report_path="$(cd "$(dirname "$REPORT")" && pwd)/$(basename "$REPORT")"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log "fetching gateway-api $GATEWAY_API_VERSION"
git clone --quiet --depth 1 --branch "$GATEWAY_API_VERSION" https://github.com/kubernetes-sigs/gateway-api.git "$work/gateway-api"

args=(
  --gateway-class=portico
  --conformance-profiles="$PROFILES"
  --organization=portico
  --project=portico
  --url=https://github.com/portico/portico
  --version="$PORTICO_VERSION"
  --contact=https://github.com/portico/portico/issues
  --report-output="$report_path"
)
case "$FEATURES" in
  gatewayclass) ;;
  all) args+=(--all-features) ;;
  *) args+=(--supported-features="$FEATURES") ;;
esac
if [[ -n "$EXEMPT_FEATURES" ]]; then
  args+=(--exempt-features="$EXEMPT_FEATURES")
fi
if [[ -n "$RUN_TEST" ]]; then
  args+=(--run-test="$RUN_TEST")
fi

log "running conformance: go test ./conformance -run TestConformance -args ${args[*]}"
status=0
(
  cd "$work/gateway-api"
  go test ./conformance -run TestConformance -count=1 -timeout 90m -v -args "${args[@]}"
) || status=$?

if [[ -f "$report_path" ]]; then
  log "ConformanceReport written to $REPORT"
else
  log "no ConformanceReport was written"
fi
exit "$status"
