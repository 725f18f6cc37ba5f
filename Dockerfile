# syntax=docker/dockerfile:1

# --- build: compile TypeScript, keep only production dependencies ---
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# --- tools: pinned terraform and tofu, signature- and checksum-verified ---
FROM debian:bookworm-slim AS tools
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl gnupg unzip \
 && rm -rf /var/lib/apt/lists/*
ARG TERRAFORM_VERSION=1.9.8
ARG TOFU_VERSION=1.8.8
ARG TARGETARCH=amd64
COPY docker/install-cli.sh /usr/local/bin/install-cli.sh
RUN mkdir /out \
 && install-cli.sh terraform "$TERRAFORM_VERSION" "$TARGETARCH" /out \
 && install-cli.sh tofu "$TOFU_VERSION" "$TARGETARCH" /out

# --- runtime ---
FROM node:22-bookworm-slim
# tini as PID 1: forwards SIGTERM to node and reaps what terraform's providers leave behind
# bubblewrap: terraform runs in its own user, PID and mount namespaces (src/adapters/terraform/sandbox.ts); not setuid
# in Debian, so the container must allow user namespaces (docker-compose.yml, the Helm chart's "isolation")
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates tini bubblewrap \
 && rm -rf /var/lib/apt/lists/*
COPY --from=tools /out/terraform /out/tofu /usr/local/bin/
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/lib ./lib
COPY --chown=node:node package.json app.yml ./
COPY --chown=node:node templates ./templates
COPY --chown=node:node schema ./schema
# the one writable place driftback needs (checkouts, plan files, the provider cache): with a read-only root
# filesystem, mount a volume here (the Helm chart mounts an emptyDir; docker-compose.yml a tmpfs)
RUN mkdir -p /scratch && chown 1000:1000 /scratch
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOG_FORMAT=json \
    TMPDIR=/scratch \
    DRIFTBACK_PLUGIN_CACHE_DIR=/scratch/plugin-cache
# the image's "node" user by its numeric id, so Kubernetes' runAsNonRoot can verify it (the chart's runAsUser)
USER 1000:1000
EXPOSE 3000
# liveness only (Kubernetes uses its own probes): the process answers; node has no curl here
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# what `npm start` runs
CMD ["node", "lib/adapters/http/main.js"]
