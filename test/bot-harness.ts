import { join } from "node:path";
import { type App, createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { openStore, type Store } from "../src/store/store.js";
import { type FeedServer, type RssItemSpec, rss, startFeedServer } from "./fakes/feed-server.js";
import { FakeTelegram, type FakeTelegramOptions, TOKEN } from "./fakes/telegram-server.js";
import { tempDir, testLog } from "./helpers.js";

export const ADMIN = 10;
export const MEMBER = 11;
export const BOT_ADMIN = 99;

export const story = (n: number, extra: Partial<RssItemSpec> = {}): RssItemSpec => ({
  title: `Tin số ${n}: Hà Tĩnh triển khai dự án mới`,
  link: `https://tin.example/${n}.html`,
  guid: `g${n}`,
  date: new Date(Date.UTC(2026, 10, 1, 0, n)).toUTCString(),
  description: `<p>Chiều ngày 27/11, tỉnh Hà Tĩnh khởi công dự án số ${n}. Tổng vốn 512 tỷ đồng.</p>`,
  ...extra,
});

/** The harness feed's document for these items. */
export const rssOf = (items: RssItemSpec[]) => rss(items, "Báo Hà Tĩnh");

export interface Harness {
  tg: FakeTelegram;
  feeds: FeedServer;
  app: App;
  store: Store;
  items: RssItemSpec[];
  /** Replaces the feed's items (newest first). */
  setItems(items: RssItemSpec[]): void;
  close(): Promise<void>;
}

export async function startHarness(
  opts: {
    /** Extra environment; a function gets the feed server (to name more feeds on it). */
    env?: Record<string, string> | ((feeds: FeedServer) => Record<string, string>);
    telegram?: FakeTelegramOptions;
    /** The bulletins' clock. */
    now?: () => number;
  } = {},
): Promise<Harness> {
  const dir = tempDir();
  const tg = await new FakeTelegram(opts.telegram).start();
  const feeds = await startFeedServer();
  const harness = { items: [story(1)] } as Harness;
  feeds.route(
    "/rss",
    (_req, res) =>
      void res
        .writeHead(200, { "content-type": "application/rss+xml" })
        .end(rss(harness.items, "Báo Hà Tĩnh")),
  );
  const config = loadConfig(
    {
      FEEDS: `hatinh=${feeds.url("/rss")}`,
      ARTICLE_PAGES: "never",
      STORE_URL: `sqlite://${join(dir.path, "bot.sqlite")}`,
      BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: tg.apiRoot,
      ADMIN_IDS: String(BOT_ADMIN),
      POLL_CRON: "0 0 1 1 *",
      // Every feed at every cycle the test runs (adaptive polling has its own tests).
      POLL_MIN: "0",
      POLL_MAX: "0",
      LOG_LEVEL: "silent",
      ...(typeof opts.env === "function" ? opts.env(feeds) : opts.env),
    },
    "/nonexistent.xml",
  );
  const store = await openStore(config.STORE_URL, { log: testLog });
  const app = createApp({ config, log: testLog, store, ...(opts.now ? { now: opts.now } : {}) });
  await app.start();
  Object.assign(harness, {
    tg,
    feeds,
    app,
    store,
    setItems(items: RssItemSpec[]) {
      harness.items = items;
    },
    async close() {
      await app.stop();
      await store.close();
      await tg.close();
      await feeds.close();
      dir.cleanup();
    },
  });
  return harness;
}
