import { decodeHTML } from "entities";
import { Parser } from "htmlparser2";
import { FORBIDDEN_CHARS } from "./chars.js";

const BLOCK = new Set([
  "p",
  "div",
  "br",
  "li",
  "ul",
  "ol",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "blockquote",
  "tr",
  "table",
  "section",
  "article",
  "header",
  "footer",
  "figure",
  "figcaption",
  "pre",
  "hr",
  "dd",
  "dt",
]);
const SKIP = new Set(["script", "style", "noscript", "iframe", "object", "svg", "template", "head", "title"]);

export interface HtmlText {
  /** Plain text, NFC, paragraphs separated by a blank line, whitespace folded inside paragraphs. */
  text: string;
  /** The first <img> source, if any (resolved later against the item link). */
  firstImage?: string | undefined;
}

/**
 * HTML (or plain text with entities) → readable text. Entities are decoded by htmlparser2,
 * so `&nbsp;`, `&agrave;` and numeric references all become characters.
 */
export function htmlToText(html: string): HtmlText {
  const out: string[] = [];
  let skipDepth = 0;
  let firstImage: string | undefined;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (SKIP.has(name)) skipDepth++;
        else if (name === "img" && !firstImage) {
          const src = attrs.src ?? attrs["data-src"] ?? attrs["data-original"];
          if (src && !src.startsWith("data:")) firstImage = src.trim();
        } else if (BLOCK.has(name)) out.push("\n");
      },
      ontext(text) {
        if (skipDepth === 0) out.push(text);
      },
      onclosetag(name) {
        if (SKIP.has(name)) skipDepth = Math.max(0, skipDepth - 1);
        else if (BLOCK.has(name)) out.push("\n");
      },
    },
    { decodeEntities: true, lowerCaseTags: true, recognizeSelfClosing: true },
  );
  parser.write(html);
  parser.end();
  return { text: tidyText(out.join("")), firstImage };
}

/** NFC, no control characters, spaces folded, at most one blank line between paragraphs. */
export function tidyText(text: string): string {
  return text
    .toWellFormed()
    .normalize("NFC")
    .replace(FORBIDDEN_CHARS, "")
    .replace(/[\u200B\uFEFF]/g, "")
    .replace(/\r\n?/g, "\n")
    .replace(/[^\S\n]+/g, " ")
    .replace(/ *\n[\n ]*/g, "\n\n")
    .trim();
}

/** Text inside a single line (titles): entities decoded, whitespace folded. */
export function inlineText(htmlOrText: string): string {
  // Most titles carry at most an entity: decode those directly, parse only real markup.
  const text = htmlOrText.includes("<")
    ? htmlToText(htmlOrText).text
    : htmlOrText.includes("&")
      ? decodeHTML(htmlOrText)
      : htmlOrText;
  return text
    .toWellFormed()
    .normalize("NFC")
    .replace(/[\s\u00A0]+/g, " ")
    .trim();
}
