import { describe, expect, it } from "vitest";
import { startHealthServer } from "../src/http/health.js";
import { testLog } from "./helpers.js";

describe("/healthz", () => {
  it("is 200 only while the last cycle is recent and the store answers", async () => {
    let last = 0;
    let storeOk = true;
    const server = await startHealthServer(0, {
      lastCycleAt: () => last,
      maxAgeMs: 1000,
      ping: async () => {
        if (!storeOk) throw new Error("store down");
      },
      log: testLog,
    });
    const get = async () => {
      const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect((await get()).status).toBe(503); // never polled yet
    last = Date.now();
    expect(await get()).toMatchObject({ status: 200, body: { ok: true, store: "ok" } });
    storeOk = false;
    expect(await get()).toMatchObject({ status: 503, body: { ok: false, store: "store down" } });
    storeOk = true;
    last = Date.now() - 5000;
    expect((await get()).status).toBe(503); // the poller is stuck
    expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
    await server.close();
  });
});
