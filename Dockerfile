# syntax=docker/dockerfile:1.7
# One image for both apps; the Helm chart picks the app with its command:
#   node apps/reconciler/dist/main.js          (the default below)
#   node apps/admin-api/dist/cli.js serve
# Build from the repository root:
#   docker build -t ghcr.io/xero-access-operator/xero-access-operator:0.1.0 .
# scripts/image-smoke.sh (npm run image:smoke) runs the build stage's script on a clean clone and
# starts both apps from the pruned tree (the CI machine has no container engine).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# opa compiles the Rego checks to WebAssembly during the build: the version tools/go.mod pins
# (scripts/image-smoke.sh fails when they differ).
# Base images are pinned by tag here; a release build pins them by digest too (README: Container image).
FROM openpolicyagent/opa:1.22.2-static AS opa

FROM ${NODE_IMAGE} AS build
# No compiler: better-sqlite3 (the one native module) ships Node-API binaries for glibc and musl,
# x64 and arm64, that load on any Node.js version.
WORKDIR /src
COPY --from=opa /opa /usr/local/bin/opa
# No telemetry from turbo (DO_NOT_TRACK for any other tool that honours it), as everywhere else
# (scripts/with-image-node.sh sets both).
ENV XAO_OPA=/usr/local/bin/opa \
    TURBO_TELEMETRY_DISABLED=1 \
    DO_NOT_TRACK=1
COPY . .
RUN bash scripts/image-build-stage.sh

FROM ${NODE_IMAGE}
# The heap is capped at half the container's memory limit (Node.js reads the cgroup's limit):
# the rest is for WebAssembly memory, buffers and code. Explicit, because V8's own sizing never
# goes below 256 MiB of heap, which under a smaller limit ends in an OOM kill, not a GC.
# The reconciler benchmark runs with the same cap (BENCH_HEAP_MB=256 for the chart's 512Mi).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-old-space-size-percentage=50
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
# The run-time workspaces of scripts/image-build-stage.sh (node_modules links to them).
COPY --from=build /src/packages/cli-exit ./packages/cli-exit
COPY --from=build /src/packages/crd ./packages/crd
COPY --from=build /src/packages/local-cluster ./packages/local-cluster
COPY --from=build /src/packages/model ./packages/model
COPY --from=build /src/packages/policies ./packages/policies
COPY --from=build /src/packages/xero-client ./packages/xero-client
COPY --from=build /src/apps/reconciler ./apps/reconciler
COPY --from=build /src/apps/admin-api ./apps/admin-api
# The chart's podSecurityContext runs as 10001; the root filesystem is read-only and /tmp and
# /data are emptyDir volumes.
USER 10001:10001
CMD ["node", "apps/reconciler/dist/main.js"]
