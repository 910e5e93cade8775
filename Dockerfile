# Portico controller image. TypeScript runs through tsx (no build step), and
# tsx is a development dependency of the workspace, so the full `npm ci` is
# installed rather than `--omit=dev`.
FROM node:20-slim

WORKDIR /app
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false

# Workspaces need every package manifest for `npm ci`; sources come along (they are small).
COPY package.json package-lock.json ./
COPY packages ./packages
COPY bench ./bench
# NODE_ENV=production would make npm skip devDependencies, tsx among them.
RUN npm ci --include=dev --no-audit --no-fund && npm cache clean --force

COPY docs/examples ./docs/examples

# node (uid 1000) from the base image; tsx caches compiled sources under /tmp,
# which the chart mounts as an emptyDir so the root filesystem can stay read-only.
USER 1000:1000
EXPOSE 18000 19000
# The control plane's Node flags (CONTROL_PLANE_NODE_FLAGS in @portico/server), as bin/portico.js gives them.
ENTRYPOINT ["node", "--no-allocation-site-pretenuring", "packages/cli/bin/portico.js"]
# The ADS server listens on every interface (Envoy pods connect to it); the admin API stays on
# loopback unless asked (the chart opens it for the kubelet's probes).
CMD ["serve", "--provider", "kubernetes", "--xds-address", "0.0.0.0:18000"]
