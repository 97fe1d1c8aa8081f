import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../log.js";

export interface ReadinessCheck {
  /** The store answers and takes a write. */
  store: () => Promise<void>;
  /** When the poller last finished a cycle (epoch ms), 0 if never. */
  lastCycleAt: () => number;
  /** A cycle older than this means the poller is stuck. */
  maxCycleAgeMs: number;
  /** Work due and nothing accepted by Telegram for a while. */
  deliveryStuck: () => boolean;
  shuttingDown: () => boolean;
  /**
   * Whether this instance does the leader's work (polling, sending): the poller and delivery
   * checks apply to the leader only; a standby is ready when the store is.
   */
  leads?: () => boolean;
  /** How this instance takes updates: "webhook", "long-polling", "standby" or "none". */
  updates?: () => string;
  details?: () => Record<string, unknown>;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * GET /livez: 200 while the process runs. GET /readyz (and /healthz, its old name): 200 only
 * when the store answers and can write, the poller's last cycle is recent, delivery is not
 * stuck and the process is not shutting down; 503 with the reasons otherwise.
 */
export async function startHealthServer(
  port: number,
  deps: ReadinessCheck & {
    log: Logger;
    /** Other paths served on the same port (the webhook), looked up at each request. */
    route?: (path: string) => RouteHandler | undefined;
    /** GET /metrics: the Prometheus text exposition. */
    metrics?: () => Promise<{ contentType: string; body: string }>;
  },
): Promise<{ port: number; close(): Promise<void> }> {
  const log = deps.log.child({ component: "health" });
  const server = http.createServer(async (req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path === "/livez") {
      return void res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    }
    if (path === "/metrics" && deps.metrics) {
      try {
        const m = await deps.metrics();
        return void res.writeHead(200, { "content-type": m.contentType }).end(m.body);
      } catch (error) {
        log.warn({ err: error }, "could not collect the metrics");
        return void res.writeHead(500).end();
      }
    }
    if (path !== "/readyz" && path !== "/healthz") {
      const handler = deps.route?.(path ?? "");
      if (handler) return void (await handler(req, res));
      return void res.writeHead(404).end();
    }
    const problems: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        deps.store(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error("no answer within 2 s")), 2000);
        }),
      ]);
    } catch (error) {
      problems.push(`store: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    const last = deps.lastCycleAt();
    const age = last ? Date.now() - last : null;
    const leads = deps.leads?.() ?? true;
    if (leads) {
      if (age === null) problems.push("poller: no cycle finished yet");
      else if (age > deps.maxCycleAgeMs) problems.push(`poller: last cycle ${Math.round(age / 1000)} s ago`);
      if (deps.deliveryStuck())
        problems.push("delivery: work is due and Telegram accepted nothing for a while");
    }
    if (deps.shuttingDown()) problems.push("shutting down");
    const ok = problems.length === 0;
    const body = {
      ok,
      problems,
      role: leads ? "leader" : "standby",
      updates: deps.updates?.() ?? "none",
      lastCycleAgeMs: age,
      ...(deps.details?.() ?? {}),
    };
    res.writeHead(ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, resolve);
  });
  const actual = (server.address() as AddressInfo).port;
  log.info({ port: actual }, "health endpoints listening on /livez and /readyz");
  return {
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
