import { decodeHTML } from "entities";
import { Parser } from "htmlparser2";

/**
 * The fake server's own reading of parse_mode=HTML, written independently of
 * src/telegram/html.ts (on htmlparser2) so that a bug in the bot's validator cannot hide
 * behind the same bug in the server that tests it.
 */
const TAGS = new Set([
  "b",
  "strong",
  "i",
  "em",
  "u",
  "ins",
  "s",
  "strike",
  "del",
  "span",
  "tg-spoiler",
  "a",
  "tg-emoji",
  "code",
  "pre",
  "blockquote",
  "tg-time",
]);

export function telegramParse(html: string): { ok: true; text: string } | { ok: false; error: string } {
  // Entities: only the four named ones and numeric references; a bare & is an error.
  const badEntity = /&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-f]+);)/i.exec(html);
  if (badEntity) return { ok: false, error: `bad entity at byte offset ${badEntity.index}` };
  if (/<(?![a-z/])/i.test(html)) return { ok: false, error: "unescaped <" };
  let error: string | undefined;
  let text = "";
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (!TAGS.has(name)) error ??= `Unsupported start tag "${name}"`;
        if (name === "a" && !attrs.href) error ??= "link without href";
      },
      onclosetag(name, isImplied) {
        if (isImplied) error ??= `Can't find end tag corresponding to start tag "${name}"`;
      },
      ontext(t) {
        text += t;
      },
    },
    { decodeEntities: false, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  return error ? { ok: false, error } : { ok: true, text: decodeHTML(text) };
}
