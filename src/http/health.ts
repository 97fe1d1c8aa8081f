import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../log.js";

export interface HealthDeps {
  /** When the poller last finished a cycle (epoch ms), 0 if never. */
  lastCycleAt: () => number;
  /** A cycle older than this means the poller is stuck. */
  maxAgeMs: number;
  ping: () => Promise<void>;
  details?: () => Record<string, unknown>;
  log: Logger;
}

/** GET /healthz: 200 only while the poller's last cycle is recent and the store answers. */
export async function startHealthServer(
  port: number,
  deps: HealthDeps,
): Promise<{ port: number; close(): Promise<void> }> {
  const log = deps.log.child({ component: "health" });
  const server = http.createServer(async (req, res) => {
    if (req.url !== "/healthz") return void res.writeHead(404).end();
    const age = Date.now() - deps.lastCycleAt();
    let store = "ok";
    try {
      await Promise.race([
        deps.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 2000)),
      ]);
    } catch (error) {
      store = (error as Error).message;
    }
    const fresh = deps.lastCycleAt() > 0 && age <= deps.maxAgeMs;
    const ok = fresh && store === "ok";
    const body = { ok, lastCycleAgeMs: deps.lastCycleAt() ? age : null, store, ...(deps.details?.() ?? {}) };
    res.writeHead(ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, resolve);
  });
  const actual = (server.address() as AddressInfo).port;
  log.info({ port: actual }, "health endpoint listening on /healthz");
  return {
    port: actual,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
