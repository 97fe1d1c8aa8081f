import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/log.js";

describe("logger", () => {
  it("never writes the bot token, in messages, errors or fields", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger("info", sink).child({ component: "test" });
    const token = "1234567:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
    log.info(`calling https://api.telegram.org/bot${token}/getMe`);
    log.error({ err: new Error(`failed for bot${token}`) }, "boom");
    log.warn({ BOT_TOKEN: token }, "config");
    const out = lines.join("");
    expect(out).not.toContain(token);
    expect(out).toContain("[redacted]");
    expect(out).toContain('"component":"test"');
  });
});
