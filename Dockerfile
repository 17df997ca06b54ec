# One image for the five apps (the command picks the app). Issue-level hardening, per-app images
# and a read-only root filesystem come with the deployment work; this builds and runs as-is.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY apps apps
COPY libs libs
COPY tools/build.ts tools/run-ts.js tools/swc.config.json tools/
RUN node tools/run-ts.js tools/build.ts && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
USER node
ENTRYPOINT ["node", "--enable-source-maps"]
CMD ["dist/apps/gateway/src/main.js"]
