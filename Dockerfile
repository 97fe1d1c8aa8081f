# syntax=docker/dockerfile:1

# --- build: compile TypeScript and the native SQLite binding --------------------------------
FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 falls back to compiling from source when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

# --- run: production dependencies only, non-root, state in a volume ------------------------
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    STORE_URL=sqlite:///data/bantin.sqlite
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Runtime assets read from src/: the bundled sample feed (and, with the bot, its locales).
COPY --from=build /app/src/sample ./src/sample
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
CMD ["node", "dist/src/main.js"]
