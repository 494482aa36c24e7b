#!/usr/bin/env bash
# Builds the image, pushes it to Artifact Registry, and deploys it to GKE with k8s/overlays/gke:
#   1. namespace, config, services, policies, autoscalers, ingress (everything but workloads);
#   2. the migration Job (the previous run is deleted first), waited for: a failure stops the deploy
#      before any pod runs the new code;
#   3. the Deployments, each waited for (`kubectl rollout status`): maxUnavailable 0, readiness on /ready.
#
# Needs: docker (logged in: gcloud auth configure-docker <region>-docker.pkg.dev), kubectl pointed at the
# cluster (gcloud container clusters get-credentials …), and the Secrets pharmacy-secrets and
# pharmacy-jwt-keys already in the namespace (k8s/base/secrets.template.yaml).
#
#   IMAGE=europe-west1-docker.pkg.dev/my-project/pharmacy/pharmacy-supergraph scripts/deploy-gke.sh
#
# IMAGE (required) is the image without its tag; TAG defaults to the current commit. SKIP_BUILD=true
# deploys an image already pushed; PUBSUB_SETUP=true also runs `npm run pubsub:setup` (needs
# PUBSUB_PROJECT_ID and Application Default Credentials); ROLLOUT_TIMEOUT (default 10m).
set -euo pipefail
cd "$(dirname "$0")/.."

: "${IMAGE:?set IMAGE to <region>-docker.pkg.dev/<project>/<repository>/pharmacy-supergraph}"
TAG="${TAG:-$(git rev-parse --short=12 HEAD)}"
NAMESPACE="${NAMESPACE:-pharmacy}"
ROLLOUT_TIMEOUT="${ROLLOUT_TIMEOUT:-10m}"
DEPLOYMENTS=(users products orders inventory router)

log() { printf '\n==> %s\n' "$*"; }

if [[ "${SKIP_BUILD:-false}" != true ]]; then
  log "building ${IMAGE}:${TAG}"
  docker build --pull -t "${IMAGE}:${TAG}" .
  log "pushing ${IMAGE}:${TAG}"
  docker push "${IMAGE}:${TAG}"
fi

if [[ "${PUBSUB_SETUP:-false}" == true ]]; then
  log "creating the Pub/Sub topics and subscriptions"
  EVENT_BUS=pubsub npm run --silent pubsub:setup
fi

# Render the gke overlay with this image and tag, through a throw-away overlay on top of it (kubectl's
# kustomize cannot edit an overlay, and the committed one must stay as it is).
overlay="$(mktemp -d k8s/overlays/.deploy-XXXXXX)"
rendered="$(mktemp)"
trap 'rm -rf "$overlay" "$rendered"' EXIT
committed_image="$(awk '/newName:/ { print $2; exit }' k8s/overlays/gke/kustomization.yaml)"
cat >"${overlay}/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../gke
images:
  - name: ${committed_image}
    newName: ${IMAGE}
    newTag: "${TAG}"
YAML
kubectl kustomize "$overlay" >"$rendered"

for secret in pharmacy-secrets pharmacy-jwt-keys; do
  if ! kubectl -n "$NAMESPACE" get secret "$secret" >/dev/null 2>&1; then
    echo "the Secret ${NAMESPACE}/${secret} is missing: create it first (k8s/base/secrets.template.yaml)" >&2
    exit 1
  fi
done

log "applying configuration, services, policies, autoscalers and the ingress"
kubectl apply -f "$rendered" -l 'app.kubernetes.io/component notin (server,migration)'

log "running the migrations"
kubectl -n "$NAMESPACE" delete job pharmacy-migrate --ignore-not-found --wait=true
kubectl apply -f "$rendered" -l 'app.kubernetes.io/component=migration'
deadline=$((SECONDS + 600))
while true; do
  succeeded="$(kubectl -n "$NAMESPACE" get job pharmacy-migrate -o jsonpath='{.status.succeeded}')"
  failed="$(kubectl -n "$NAMESPACE" get job pharmacy-migrate \
    -o jsonpath='{.status.conditions[?(@.type=="Failed")].status}')"
  if [[ "$succeeded" == 1 ]]; then break; fi
  if [[ "$failed" == True || $SECONDS -gt $deadline ]]; then
    echo "the migration Job failed; its logs:" >&2
    kubectl -n "$NAMESPACE" logs job/pharmacy-migrate --all-containers --tail=200 >&2 || true
    exit 1
  fi
  sleep 3
done
kubectl -n "$NAMESPACE" logs job/pharmacy-migrate --tail=50

log "rolling out ${IMAGE}:${TAG}"
kubectl apply -f "$rendered" -l 'app.kubernetes.io/component=server'
for deployment in "${DEPLOYMENTS[@]}"; do
  kubectl -n "$NAMESPACE" rollout status "deployment/${deployment}" --timeout="$ROLLOUT_TIMEOUT"
done
log "deployed ${IMAGE}:${TAG}"
