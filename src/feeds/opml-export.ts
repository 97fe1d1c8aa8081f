import type { FeedRegistry, FeedStateRepo, ItemsRepo } from "../store/repos.js";
import { type OpmlOutline, serializeOpml } from "./opml.js";

/**
 * The feed list (the operator's FEEDS and those added through the bot) as OPML 2.0. Titles
 * are the feed's label, else the title it gave at its last read, else its name; `htmlUrl` is
 * the site of its newest stored story, when there is one. With `full` (the operator, a bot
 * admin in private) each feed's address and options; without it only what /feeds shows
 * everyone: names, titles and sites, since an address may carry a key. Local files in FEEDS
 * are left out (not an address anyone else could read).
 */
export async function exportOpml(
  deps: { feeds: FeedRegistry; feedStates: FeedStateRepo; items: ItemsRepo },
  opts: { full: boolean; title?: string; now?: Date },
): Promise<{ xml: string; feeds: number; skipped: number }> {
  const all = await deps.feeds.all();
  const list = all.filter((f) => f.kind === "http");
  const states = await deps.feedStates.getMany(list.map((f) => f.name));
  const outlines: OpmlOutline[] = [];
  for (const [i, feed] of list.entries()) {
    const [newest] = await deps.items.recent([feed.name], 1);
    outlines.push({
      title: feed.label ?? states[i]?.title ?? feed.name,
      xmlUrl: opts.full ? feed.url : undefined,
      htmlUrl: site(newest?.link),
      name: feed.name,
      label: feed.label,
      article: opts.full ? feed.article : undefined,
      every: opts.full && feed.everyMs ? `${Math.round(feed.everyMs / 60_000)}m` : undefined,
    });
  }
  return {
    xml: serializeOpml(opts.title ?? "bantin", outlines, opts.now),
    feeds: outlines.length,
    skipped: all.length - list.length,
  };
}

function site(link: string | undefined): string | undefined {
  if (!link) return undefined;
  try {
    const u = new URL(link);
    return u.protocol === "http:" || u.protocol === "https:" ? `${u.origin}/` : undefined;
  } catch {
    return undefined;
  }
}
