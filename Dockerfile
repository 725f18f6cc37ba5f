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
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=tools /out/terraform /out/tofu /usr/local/bin/
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/lib ./lib
COPY --chown=node:node package.json app.yml ./
COPY --chown=node:node templates ./templates
COPY --chown=node:node schema ./schema
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOG_FORMAT=json
USER node
EXPOSE 3000
CMD ["node", "lib/adapters/http/main.js"]
