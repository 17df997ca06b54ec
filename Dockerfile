# One Dockerfile, one small image per app: `docker build --build-arg APP=<app> -t leadflow-<app> .`
# (APP is gateway, ingestion, contacts, scoring or metrics; docker-compose.yml builds all five).
#
# The runtime image holds Node 24, tini as PID 1 (so SIGTERM reaches the app and its graceful
# shutdown), the production dependencies and the one app's compiled code. It runs as uid 1000 and
# writes nothing to its filesystem, so it runs with a read-only root. Its commands:
#   (none) or serve   run the app
#   migrate           apply the app's pending schema migrations and exit (the Kubernetes Job)
#   check-env         validate the environment and print what a deployment must match

ARG NODE_IMAGE=node:24-bookworm-slim

# Dependencies first: this layer is reused until package-lock.json changes.
FROM ${NODE_IMAGE} AS dependencies
WORKDIR /workspace
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund

# The app, compiled through Nx (`nx run <app>:build`), then the development dependencies dropped,
# and the optional ones (the Node.js binary that the npm scripts run on, which the image has already).
FROM dependencies AS build
ARG APP
RUN test -n "$APP" || { echo 'build with --build-arg APP=<gateway|ingestion|contacts|scoring|metrics>' >&2; exit 1; }
COPY nx.json tsconfig.base.json tsconfig.json ./
COPY tools/build.ts tools/run-ts.js tools/swc.config.json tools/tsconfig.json tools/project.json tools/
COPY libs libs
COPY apps apps
RUN NX_DAEMON=false npx nx run "$APP:build" --skip-nx-cache --outputStyle=static \
  && npm prune --omit=dev --omit=optional --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ARG APP
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
# How Node runs the app, as in the launcher and the bench (libs/dev-services/src/app-node-flags.ts).
RUN if [ "$APP" = gateway ]; then flags='--max-semi-space-size=8 --heap-growing-percent=50 --no-allocation-site-pretenuring'; \
  else flags='--max-semi-space-size=8 --heap-growing-percent=70 --no-allocation-site-pretenuring'; fi \
  && printf '#!/bin/sh\nexec node %s /app/dist/main.js "$@"\n' "$flags" > /usr/local/bin/leadflow-app \
  && chmod 755 /usr/local/bin/leadflow-app
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=root:root /workspace/node_modules node_modules
COPY --from=build --chown=root:root /workspace/dist/${APP} dist
LABEL org.opencontainers.image.title="leadflow-${APP}" \
  org.opencontainers.image.description="LeadFlow ${APP}"
# The `node` user of the base image, by number so that Kubernetes can check runAsNonRoot.
USER 1000:1000
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/leadflow-app"]
CMD ["serve"]
