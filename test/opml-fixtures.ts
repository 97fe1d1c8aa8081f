import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type FeedServer, rss, staticFeed } from "./fakes/feed-server.js";

export const OPML_FIXTURES = join(process.cwd(), "test", "fixtures", "opml");
export const opmlFixture = (name: string): Buffer => readFileSync(join(OPML_FIXTURES, name));

/**
 * Serves the feeds newsroom.opml names (gone.rss stays a 404, page.html is a web page) and
 * returns the file with its {{BASE}} set to this feed server. `withHatinh`: also /rss, the
 * operator's feed the file names too (the bot harness serves its own).
 */
export function serveNewsroom(feeds: FeedServer, opts: { withHatinh?: boolean } = {}): string {
  if (opts.withHatinh)
    feeds.route(
      "/rss",
      staticFeed(
        rss([{ title: "Tin Hà Tĩnh", link: "https://baohatinh.example/a", guid: "a" }], "Báo Hà Tĩnh"),
      ),
    );
  feeds.route(
    "/thoi-su.rss",
    staticFeed(rss([{ title: "Tin thời sự", link: "https://t.example/1", guid: "1" }], "Thời sự")),
  );
  feeds.route(
    "/kinh-te",
    staticFeed(rss([{ title: "Giá vàng", link: "https://t.example/2", guid: "2" }], "Kinh tế")),
  );
  feeds.route(
    "/page.html",
    staticFeed("<!doctype html><html><body><p>Trang chủ</p></body></html>", { type: "text/html" }),
  );
  return opmlFixture("newsroom.opml")
    .toString("utf8")
    .replaceAll("{{BASE}}", feeds.url("").replace(/\/$/, ""));
}
