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
COPY tsconfig.json tsconfig.build.json tsconfig.prod.json ./
COPY src ./src
# Only the bot itself is compiled here; scripts/ and test/ are for development.
RUN npx tsc -p tsconfig.prod.json && npm prune --omit=dev

# --- run: production dependencies only, non-root, state in a volume ------------------------
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    STORE_URL=sqlite:///data/bantin.sqlite \
    HTTP_PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Runtime assets read from src/: the bundled sample feed and the bot's Fluent locales.
COPY --from=build /app/src/sample ./src/sample
COPY --from=build /app/src/telegram/locales ./src/telegram/locales
COPY --from=build /app/src/text/prompts ./src/text/prompts
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# /readyz: 200 only while the store answers and takes a write, the poller's last cycle is
# recent, delivery is not stuck and the process is not stopping (see src/http/health.ts).
HEALTHCHECK --interval=60s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
