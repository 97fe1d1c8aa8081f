import { decodeHTMLStrict, escapeUTF8 } from "entities";
import { Parser } from "htmlparser2";
import { decodeFeed } from "./decode.js";

/**
 * OPML (feed lists) read and written with htmlparser2 and entities, which bantin already uses:
 * a tolerant tokenizer is what real files need (attribute names in any case, a bare `&` in a
 * URL, HTML entities in titles), and what it cannot recover from is refused with the line.
 */

/** bantin's own attributes, so an export imported again keeps each feed's name and options. */
export const BANTIN_NS = "https://github.com/bantin-bot/bantin#opml";

/** One outline that stands for a feed (or should: one with no feed address is kept, to be told). */
export interface OpmlEntry {
  /** The feed's address as written (entities decoded, trimmed); undefined when the outline has none. */
  xmlUrl?: string | undefined;
  /** The site's address, when given. */
  htmlUrl?: string | undefined;
  /** `title`, else `text`, white space collapsed; undefined when both are missing or empty. */
  title?: string | undefined;
  /** From a bantin export: `bantin:name`, `bantin:label`, `bantin:article`, `bantin:every`. */
  name?: string | undefined;
  label?: string | undefined;
  article?: string | undefined;
  every?: string | undefined;
  /** Line in the file, for messages. */
  line: number;
}

export interface OpmlDocument {
  title?: string | undefined;
  entries: OpmlEntry[];
}

export type OpmlProblem = "not-opml" | "malformed" | "too-many";

export class OpmlError extends Error {
  override name = "OpmlError";
  constructor(
    readonly problem: OpmlProblem,
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

const clean = (s: string | undefined): string | undefined => {
  const t = s
    // biome-ignore lint/suspicious/noControlCharactersInRegex: taking control characters out is the point
    ?.replace(/[\u0000-\u001f\u007f]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return t ? t : undefined;
};
// Titles may carry HTML entities XML does not know (&eacute;); URLs are left alone, where
// "&copy=1" is a query, not ©.
const text = (s: string | undefined) =>
  clean(s === undefined ? undefined : decodeHTMLStrict(s))?.normalize("NFC");

/**
 * Every feed outline of an OPML document (bytes: the encoding is read as for a feed, BOM and
 * XML declaration), at any depth: an outline with children and no feed address is a category,
 * an outline with an `xmlUrl` (any case) is a feed, and a childless one without it is kept
 * with no address (an outline with only a `htmlUrl`, say). Throws OpmlError.
 */
export function parseOpml(input: Buffer | string, opts: { maxEntries?: number } = {}): OpmlDocument {
  const source = typeof input === "string" ? input.replace(/^\uFEFF/, "") : decodeFeed(input).text;
  const max = opts.maxEntries ?? Number.POSITIVE_INFINITY;
  // In document order; a category's slot is emptied when its end shows it had children.
  const entries: Array<OpmlEntry | undefined> = [];
  const stack: Array<{ tag: string; line: number; selfClosing: boolean; slot?: number; children: number }> =
    [];
  let sawOpml = false;
  let sawBody = false;
  let inTitle = false;
  let title = "";
  let failure: OpmlError | undefined;
  // Tags come in order: lines are counted once, from the last tag on.
  let counted = 0;
  let lines = 1;
  const lineAt = (index: number) => {
    for (let i = source.indexOf("\n", counted); i !== -1 && i < index; i = source.indexOf("\n", i + 1))
      lines++;
    counted = Math.max(counted, index);
    return lines;
  };
  const parser = new Parser(
    {
      onopentag(tag, attrs) {
        const raw = source.slice(parser.startIndex, parser.endIndex + 1);
        const line = lineAt(parser.startIndex);
        const parent = stack.at(-1);
        if (parent) parent.children++;
        if (tag === "opml" && !parent) sawOpml = true;
        if (tag === "body" && parent?.tag === "opml") sawBody = true;
        if (tag === "title" && parent?.tag === "head") inTitle = true;
        let slot: number | undefined;
        if (tag === "outline" && sawBody) {
          const type = (attrs.type ?? "").toLowerCase();
          const feedUrl = attrs.xmlurl ?? (type === "rss" || type === "atom" ? attrs.url : undefined);
          slot =
            entries.push({
              xmlUrl: clean(feedUrl),
              htmlUrl: clean(attrs.htmlurl),
              title: text(attrs.title) ?? text(attrs.text),
              name: clean(attrs["bantin:name"]),
              label: text(attrs["bantin:label"]),
              article: clean(attrs["bantin:article"]),
              every: clean(attrs["bantin:every"]),
              line,
            }) - 1;
        }
        stack.push({ tag, line, selfClosing: raw.endsWith("/>"), slot, children: 0 });
      },
      ontext(t) {
        if (inTitle) title += t;
      },
      onclosetag(tag, implied) {
        const open = stack.pop();
        if (tag === "title") inTitle = false;
        // Closed by the end of the file or by another element's end tag: cut short or broken,
        // and whatever followed may be lost. Refused rather than imported in part.
        if (implied && open && !open.selfClosing)
          failure ??= new OpmlError(
            "malformed",
            `<${tag}> opened on line ${open.line} is never closed (is the file complete?)`,
            open.line,
          );
        if (open?.slot !== undefined && open.children > 0 && !entries[open.slot]?.xmlUrl)
          entries[open.slot] = undefined;
      },
    },
    {
      xmlMode: true,
      decodeEntities: true,
      lowerCaseTags: true,
      lowerCaseAttributeNames: true,
      recognizeSelfClosing: true,
    },
  );
  parser.write(source);
  parser.end();
  if (!sawOpml || !sawBody) throw new OpmlError("not-opml", "not an OPML document (no <opml> with a <body>)");
  if (failure) throw failure;
  const feeds = entries.filter((e): e is OpmlEntry => e !== undefined);
  if (feeds.length > max)
    throw new OpmlError("too-many", `${feeds.length} feeds in one file, at most ${max}`);
  return { title: text(title), entries: feeds };
}

/** One feed as exported. */
export interface OpmlOutline {
  title: string;
  xmlUrl?: string | undefined;
  htmlUrl?: string | undefined;
  name?: string | undefined;
  label?: string | undefined;
  article?: string | undefined;
  /** `every=` as written in FEEDS (`15m`). */
  every?: string | undefined;
}

/** XML 1.0 has no place for most control characters, even escaped. */
const attr = (s: string) =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: taking control characters out is the point
  escapeUTF8(s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, ""));

/** An OPML 2.0 document: one flat list of `type="rss"` outlines, bantin's attributes in their namespace. */
export function serializeOpml(title: string, outlines: OpmlOutline[], now = new Date()): string {
  const lines = outlines.map((o) => {
    const pairs: Array<[string, string | undefined]> = [
      ["type", o.xmlUrl ? "rss" : undefined],
      ["text", o.title],
      ["title", o.title],
      ["xmlUrl", o.xmlUrl],
      ["htmlUrl", o.htmlUrl],
      ["bantin:name", o.name],
      ["bantin:label", o.label],
      ["bantin:article", o.article],
      ["bantin:every", o.every],
    ];
    const attrs = pairs
      .filter((p): p is [string, string] => p[1] !== undefined && p[1] !== "")
      .map(([k, v]) => `${k}="${attr(v)}"`)
      .join(" ");
    return `    <outline ${attrs}/>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<opml version="2.0" xmlns:bantin="${BANTIN_NS}">`,
    "  <head>",
    `    <title>${attr(title)}</title>`,
    `    <dateCreated>${now.toUTCString()}</dateCreated>`,
    "    <docs>https://opml.org/spec2.opml</docs>",
    "  </head>",
    "  <body>",
    ...lines,
    "  </body>",
    "</opml>",
    "",
  ].join("\n");
}
