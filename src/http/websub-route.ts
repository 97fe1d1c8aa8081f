import type { IncomingMessage, ServerResponse } from "node:http";
import type { WebSub } from "../feeds/websub.js";
import type { Logger } from "../log.js";

const PREFIX = "/websub/";
/** A hub sends its update at once; a body still coming after this is dropped. */
const BODY_TIMEOUT_MS = 30_000;

/** Reads a request body of at most `max` bytes; undefined when it is larger. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        resolve(undefined);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

/**
 * The WebSub callbacks on HTTP_PORT: `GET /websub/<id>` (verification of intent) and
 * `POST /websub/<id>` (a delivery). A delivery is answered before it is read, so a slow feed
 * never makes the hub time out; what it brings is handed to the poller afterwards.
 */
export function websubRoute(
  websub: WebSub,
  opts: { log: Logger; maxBytes: number; counted?: (result: "ok" | "ignored" | "unknown") => void },
) {
  const log = opts.log.child({ component: "websub" });
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://callback");
    const id = url.pathname.slice(PREFIX.length);
    try {
      if (req.method === "GET") {
        const answer = await websub.verify(id, url.searchParams);
        return void res.writeHead(answer.status, { "content-type": "text/plain" }).end(answer.body ?? "");
      }
      if (req.method !== "POST") return void res.writeHead(405, { allow: "GET, POST" }).end();
      // Nothing is read for a callback we do not have (no memory for strangers' bodies).
      if (!(await websub.known(id))) {
        opts.counted?.("unknown");
        return void res.writeHead(410).end();
      }
      req.setTimeout(BODY_TIMEOUT_MS, () => req.destroy());
      const body = await readBody(req, opts.maxBytes);
      if (!body) return void res.writeHead(413).end();
      const signature = req.headers["x-hub-signature"];
      const answer = await websub.deliver(
        id,
        Array.isArray(signature) ? signature[0] : signature,
        body,
        req.headers["content-type"],
      );
      res.writeHead(answer.status).end();
      opts.counted?.(answer.accepted ? "ok" : answer.status === 410 ? "unknown" : "ignored");
      if (answer.read)
        await answer.read().catch((err: unknown) => log.error({ err }, "could not read a pushed update"));
    } catch (err) {
      log.error({ err }, "websub callback failed");
      if (!res.headersSent) res.writeHead(500).end();
    }
  };
  return { matches: (path: string) => path.startsWith(PREFIX) && path.length > PREFIX.length, handler };
}
