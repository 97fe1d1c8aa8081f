import { Composer } from "grammy";
import {
  FeedNameTaken,
  type FeedOptions,
  FeedUnreadable,
  parseFeedList,
  parseFeedOptions,
} from "../../domain/feeds.js";
import type { Logger } from "../../log.js";
import { fold } from "../../text/fold.js";
import type { BotContext, BotDeps } from "../context.js";
import { echo, echoHtml } from "../html.js";

/** Two feed URLs that name one document: scheme and host in any case, no fragment, one trailing slash. */
export function sameUrl(a: string, b: string): boolean {
  const norm = (u: string) => {
    try {
      const x = new URL(u);
      x.hash = "";
      return x.href.replace(/\/$/, "");
    } catch {
      return u.trim();
    }
  };
  return norm(a) === norm(b);
}

/** Bot admins (ADMIN_IDS) only: /addfeed <url> [name], /removefeed <feed>, /stats. */
export function adminFeature(deps: BotDeps, log: Logger): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const admins = composer.filter((ctx) => ctx.hasCommand(["addfeed", "removefeed", "resumefeed", "stats"]));
  admins.use(async (ctx, next) => {
    if (ctx.from && deps.adminIds.has(ctx.from.id)) return next();
    await ctx.reply(ctx.t("admin-only"));
  });

  admins.command("addfeed", async (ctx) => {
    // /addfeed <url> [name] [article=auto|teaser|full|never] [label="…"]
    const words = ctx.match.trim().split(/\s+/).filter(Boolean);
    const url = words[0];
    const rawName = words[1] && !words[1].includes("=") ? words[1] : undefined;
    const rest = ctx.match
      .trim()
      .slice((url?.length ?? 0) + 1)
      .trim()
      .slice(rawName ? rawName.length : 0);
    if (!url || !/^https?:\/\//i.test(url)) return void (await ctx.reply(ctx.t("addfeed-usage")));
    let options: FeedOptions;
    try {
      options = parseFeedOptions(rest, url);
    } catch {
      return void (await ctx.reply(ctx.t("addfeed-bad-option", { options: echo(rest.trim()) })));
    }
    if (rawName && !/^[\p{L}\p{N}_-]{1,40}$/u.test(rawName))
      return void (await ctx.reply(ctx.t("addfeed-bad-name", { name: echo(rawName) })));
    let derived: string | undefined;
    try {
      derived = parseFeedList(url)[0]?.name;
    } catch {
      derived = undefined;
    }
    const name = (rawName ?? derived ?? "feed").toLowerCase();
    // One name per feed as people type it, one feed per URL: "hatinh" and "Hà-Tĩnh" would be
    // the same to /latest and /subscribe. The same name again updates that feed.
    const known = await deps.feeds.all();
    const taken = known.find((f) => f.name !== name && fold(f.name) === fold(name));
    if (taken)
      return void (await ctx.reply(
        ctx.t("addfeed-name-taken", { name: echo(name), existing: echo(taken.name) }),
      ));
    const twin = known.find((f) => f.name !== name && sameUrl(f.url, url));
    if (twin) return void (await ctx.reply(ctx.t("addfeed-url-taken", { existing: echo(twin.name) })));
    await ctx.reply(ctx.t("addfeed-checking", { url: echoHtml(url) }), {
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
    });
    try {
      const items = await deps.tryFeed(name, url);
      await deps.feeds.add({ name, url, kind: "http", ...options }, ctx.from?.id);
      log.info({ feed: name, url, by: ctx.from?.id }, "feed added");
      await ctx.reply(ctx.t("addfeed-ok", { name: echoHtml(name), items }), { parse_mode: "HTML" });
    } catch (error) {
      // Another admin added a fold-equal name meanwhile: the database's key refused this one.
      if (error instanceof FeedNameTaken)
        return void (await ctx.reply(
          ctx.t("addfeed-name-taken", { name: echo(name), existing: echo(error.feed) }),
        ));
      const message = error instanceof Error ? error.message : String(error);
      log.info({ feed: name, url, by: ctx.from?.id, err: message }, "feed refused");
      // In words for the person: "the host name does not exist", not "getaddrinfo ENOTFOUND".
      const reason = error instanceof FeedUnreadable ? error.reason : "other";
      const status = error instanceof FeedUnreadable ? (error.httpStatus ?? 0) : 0;
      await ctx.reply(ctx.t("addfeed-failed", { error: ctx.t(`feed-error-${reason}`, { status }) }), {
        parse_mode: "HTML",
        link_preview_options: { is_disabled: true },
      });
    }
  });

  // /resumefeed <feed>: a feed paused for failing too long is read again from the next cycle.
  admins.command("resumefeed", async (ctx) => {
    const typed = ctx.match.trim();
    if (!typed) return void (await ctx.reply(ctx.t("resumefeed-usage")));
    const name = (await deps.feeds.find(typed))?.name;
    if (!name) return void (await ctx.reply(ctx.t("sub-unknown-feed", { feed: echo(typed) })));
    if (!(await deps.resumeFeed(name)))
      return void (await ctx.reply(ctx.t("resumefeed-not-paused", { name: echoHtml(name) }), {
        parse_mode: "HTML",
      }));
    log.info({ feed: name, by: ctx.from?.id }, "feed resumed");
    await ctx.reply(ctx.t("resumefeed-ok", { name: echoHtml(name) }), { parse_mode: "HTML" });
  });

  admins.command("removefeed", async (ctx) => {
    const typed = ctx.match.trim();
    if (!typed) return void (await ctx.reply(ctx.t("removefeed-usage")));
    // As typed anywhere else: "/removefeed Hà Tĩnh" names the feed hatinh.
    const name = (await deps.feeds.find(typed))?.name;
    if (!name || !(await deps.feeds.remove(name)))
      return void (await ctx.reply(ctx.t("sub-unknown-feed", { feed: echo(typed) })));
    log.info({ feed: name, by: ctx.from?.id }, "feed removed");
    await ctx.reply(ctx.t("removefeed-ok", { name: echoHtml(name) }), { parse_mode: "HTML" });
  });

  admins.command("stats", async (ctx) => {
    const [feeds, counts, d] = await Promise.all([
      deps.feeds.all(),
      deps.subscriptions.counts(),
      deps.deliveryStats(),
    ]);
    const locale = ctx.t("stats-locale");
    const slowest = (d.slowest ?? [])
      .map((s) => `${echoHtml(s.feed)} ${s.seconds.toLocaleString(locale, { maximumFractionDigits: 2 })} s`)
      .join(" · ");
    const health = ctx.t("stats-health", {
      ok: d.feedsOk ?? feeds.length,
      failing: d.feedsFailing ?? 0,
      paused: d.feedsPaused ?? 0,
      items: d.itemsToday ?? 0,
      posts: d.postsToday ?? 0,
      flood: d.flood429LastHour ?? 0,
    });
    await ctx.reply(
      `${ctx.t("stats-text", {
        feeds: feeds.length,
        subs: counts.subscriptions,
        chats: counts.chats,
        sent: d.sent,
        digests: d.digests,
        pending: d.pending,
        dead: d.dead,
        flood: d.flood429,
        retries: d.retries,
        fallbacks: d.fallbacks,
      })}\n${health}${slowest ? `\n${ctx.t("stats-slowest", { feeds: slowest })}` : ""}`,
      { parse_mode: "HTML" },
    );
  });
  return composer;
}
