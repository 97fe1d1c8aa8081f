import { describe, expect, it } from "vitest";
import { startHealthServer } from "../src/http/health.js";
import { testLog } from "./helpers.js";

describe("/livez and /readyz", () => {
  it("answer 200 when every check holds and 503 with the reasons otherwise", async () => {
    const state = { last: 0, storeOk: true, stuck: false, stopping: false };
    const server = await startHealthServer(0, {
      store: async () => {
        if (!state.storeOk) throw new Error("the SQLite file /x was deleted");
      },
      lastCycleAt: () => state.last,
      maxCycleAgeMs: 60_000,
      deliveryStuck: () => state.stuck,
      shuttingDown: () => state.stopping,
      log: testLog,
    });
    const get = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
      return { status: res.status, body: (await res.json().catch(() => ({}))) as { problems?: string[] } };
    };
    try {
      expect((await get("/livez")).status).toBe(200);
      expect(await get("/readyz")).toMatchObject({
        status: 503,
        body: { problems: ["poller: no cycle finished yet"] },
      });
      state.last = Date.now();
      expect((await get("/readyz")).status).toBe(200);
      expect((await get("/healthz")).status).toBe(200);
      state.storeOk = false;
      expect((await get("/readyz")).body.problems).toEqual(["store: the SQLite file /x was deleted"]);
      state.storeOk = true;
      state.stuck = true;
      expect((await get("/readyz")).status).toBe(503);
      state.stuck = false;
      state.stopping = true;
      expect((await get("/readyz")).body.problems).toEqual(["shutting down"]);
      expect((await get("/livez")).status).toBe(200);
      state.stopping = false;
      state.last = Date.now() - 120_000;
      expect((await get("/readyz")).status).toBe(503);
      expect((await get("/nope")).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
