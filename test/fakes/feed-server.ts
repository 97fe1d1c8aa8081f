import http from "node:http";
import type { AddressInfo } from "node:net";

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

/** A real HTTP server on 127.0.0.1 with per-path handlers and a request log. */
export interface FeedServer {
  url: (path: string) => string;
  port: number;
  route(path: string, handler: Handler): void;
  requests: Array<{ path: string; headers: http.IncomingHttpHeaders }>;
  close(): Promise<void>;
}

export async function startFeedServer(): Promise<FeedServer> {
  const routes = new Map<string, Handler>();
  const requests: FeedServer["requests"] = [];
  const server = http.createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    requests.push({ path: req.url ?? "/", headers: req.headers });
    const handler = routes.get(path);
    if (!handler) {
      res.writeHead(404).end("not found");
      return;
    }
    try {
      await handler(req, res);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    route: (path, handler) => routes.set(path, handler),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves a body with optional validators, answering 304 to a matching conditional GET. */
export function staticFeed(
  body: string | Buffer,
  opts: { etag?: string; lastModified?: string; type?: string } = {},
): Handler {
  return (req, res) => {
    if (opts.etag && req.headers["if-none-match"] === opts.etag) return void res.writeHead(304).end();
    if (opts.lastModified && req.headers["if-modified-since"] === opts.lastModified)
      return void res.writeHead(304).end();
    const headers: Record<string, string> = {
      "content-type": opts.type ?? "application/rss+xml; charset=utf-8",
    };
    if (opts.etag) headers.etag = opts.etag;
    if (opts.lastModified) headers["last-modified"] = opts.lastModified;
    res.writeHead(200, headers).end(body);
  };
}

export interface RssItemSpec {
  title: string;
  link?: string;
  guid?: string;
  date?: string;
  description?: string;
  image?: string;
}

/** Builds an RSS 2.0 document. */
export function rss(items: RssItemSpec[], title = "Báo Thử Nghiệm"): string {
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const body = items
    .map(
      (i) => `<item>
<title>${esc(i.title)}</title>
${i.link ? `<link>${esc(i.link)}</link>` : ""}
${i.guid ? `<guid isPermaLink="false">${esc(i.guid)}</guid>` : ""}
${i.date ? `<pubDate>${i.date}</pubDate>` : ""}
${i.image ? `<enclosure url="${esc(i.image)}" type="image/jpeg" length="1"/>` : ""}
<description><![CDATA[${i.description ?? ""}]]></description>
</item>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>${esc(title)}</title><link>https://tin.example/</link>
${body}
</channel></rss>`;
}
