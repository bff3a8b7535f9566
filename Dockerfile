# Chainrule as a container: `docker build -t chainrule .`, then see README "Run with Docker".
# BASE is any Debian bookworm image with Node.js 20 and npm on the PATH; scripts/docker-check.sh
# substitutes a locally built one where registry images cannot be pulled.
ARG BASE=node:20-bookworm-slim

# Every dependency, dev ones included. `npm ci` runs the `prepare` script, which compiles the
# WebAssembly kernel into src/engine/kernels/wasm/gemm-wasm.generated.ts, and builds
# better-sqlite3's native addon with node-gyp when no prebuilt binary can be downloaded.
FROM ${BASE} AS deps
# Debian's versions are left to the bookworm release: pinning them would break the build at
# every point release, and these packages never reach the run stage (tini only as one file).
# hadolint ignore=DL3008
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY scripts/build-wasm.mjs scripts/
COPY src/engine/kernels/wasm/assembly src/engine/kernels/wasm/assembly
# A registry reached through a private CA needs its bundle: pass it with
# `--secret id=npm_ca,src=/path/to/ca.crt`. It is mounted for this step only, never in a layer.
RUN --mount=type=secret,id=npm_ca \
  if [ -s /run/secrets/npm_ca ]; then export NPM_CONFIG_CAFILE=/run/secrets/npm_ca; fi \
  && npm ci --no-audit --no-fund

# The compiled service: TypeScript to dist/, the generated kernel included, and the dashboard
# bundled by esbuild into dist/dashboard/ (its libraries are dev dependencies).
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build-dashboard.mjs scripts/
COPY dashboard dashboard
COPY src src
COPY workers workers
RUN npm run build

# Production dependencies only, keeping the addon compiled above instead of building it twice;
# better-sqlite3 loads build/Release/better_sqlite3.node, the rest of its build is scaffolding.
FROM deps AS prod-deps
RUN npm prune --omit=dev --no-audit --no-fund \
  && mv node_modules/better-sqlite3/build/Release/better_sqlite3.node /tmp/ \
  && rm -rf node_modules/better-sqlite3/build node_modules/better-sqlite3/deps \
    node_modules/better-sqlite3/src \
  && mkdir -p node_modules/better-sqlite3/build/Release \
  && mv /tmp/better_sqlite3.node node_modules/better-sqlite3/build/Release/

FROM ${BASE} AS run
ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  PORT=8080 \
  DATA_DIR=/data
# A fixed uid above the range of the base's own users (node:20 has node = 1000), so volume
# ownership means the same on every host. /app stays root's: the service only writes /data.
RUN groupadd --system --gid 10001 chainrule \
  && useradd --system --uid 10001 --gid chainrule --home-dir /nonexistent \
    --shell /usr/sbin/nologin chainrule \
  && mkdir /data \
  && chown chainrule:chainrule /data
COPY --from=deps /usr/bin/tini-static /usr/bin/tini
WORKDIR /app
COPY package.json ./
COPY migrations migrations
COPY --from=prod-deps /app/node_modules node_modules
COPY --from=build /app/dist dist
VOLUME /data
USER chainrule
EXPOSE 8080
# slim images have no curl: Node's own fetch asks the service.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tini as PID 1 forwards SIGTERM to node and reaps strays; node stops gracefully (running jobs
# checkpoint and are requeued) and exits 0. No npm in between: one process fewer to pass it on.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/server.js"]
