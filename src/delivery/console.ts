import type { FeedItem } from "../domain/types.js";
import { type Post, type RenderOptions, renderPost } from "../telegram/render.js";

/** One line of `--json` output: the post exactly as it would be sent. */
export function postJson(item: FeedItem, post: Post): string {
  return JSON.stringify({
    id: item.id,
    title: item.title,
    link: item.link ?? null,
    text: post.text,
    parse_mode: post.parseMode,
    photo: post.photo ?? null,
  });
}

/** A human-readable frame around the exact HTML that would be sent. */
export function postFrame(feed: string, post: Post): string {
  const head = post.photo ? `── ${feed} · photo ${post.photo}` : `── ${feed} · message`;
  return `${head}\n${post.text}\n`;
}

/** Without a bot token, new items are printed instead of sent (stdout holds only posts). */
export function createConsoleSink(deps: {
  render: RenderOptions;
  json: boolean;
  out?: NodeJS.WritableStream;
}) {
  const out = deps.out ?? process.stdout;
  return async (items: FeedItem[]): Promise<void> => {
    for (const item of items) {
      const post = renderPost(item, deps.render);
      out.write(deps.json ? `${postJson(item, post)}\n` : `${postFrame(item.feed, post)}\n`);
    }
  };
}
