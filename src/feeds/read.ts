import { decodeFeed } from "./decode.js";
import type { Fetcher, FetchTarget, Validators } from "./fetch.js";
import type { FeedItem } from "./item.js";
import { normalizeItem } from "./normalize.js";
import { parseFeed } from "./parse.js";

export type ReadResult =
  | { status: "not-modified" }
  | {
      status: "ok";
      title?: string | undefined;
      items: FeedItem[];
      validators: Validators;
      charset: string;
      fixes: string[];
    };

/** fetch → decode → repair + parse → normalise, for one feed. Throws FetchError or FeedParseError. */
export async function readFeed(
  fetcher: Fetcher,
  name: string,
  target: FetchTarget,
  validators: Validators,
  offsetMin: number,
): Promise<ReadResult> {
  const res = await fetcher.fetch(target, validators);
  if (res.status === "not-modified") return { status: "not-modified" };
  const { text, charset } = decodeFeed(res.body, res.contentType);
  const parsed = await parseFeed(text);
  const seen = new Set<string>();
  const items: FeedItem[] = [];
  for (const raw of parsed.items) {
    const item = normalizeItem(raw, name, parsed, offsetMin);
    // The same entry twice in one document is one item.
    if (item && !seen.has(item.id)) {
      seen.add(item.id);
      items.push(item);
    }
  }
  return {
    status: "ok",
    title: parsed.title,
    items,
    validators: { etag: res.etag, lastModified: res.lastModified },
    charset,
    fixes: parsed.fixes,
  };
}
