import { decodeHTML } from "entities";
import { Parser } from "htmlparser2";
import { DROPPED_CHARS, FORBIDDEN_CHARS } from "./chars.js";

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
  "td",
  "th",
  "table",
  "section",
  "article",
  "header",
  "footer",
  "figure",
  "pre",
  "hr",
  "dd",
  "dt",
]);

/**
 * Elements whose content is never article text: code, embeds, and page furniture that has its
 * own element (captions, menus, forms, buttons).
 */
const SKIP = new Set([
  "script",
  "style",
  "noscript",
  "iframe",
  "object",
  "svg",
  "template",
  "head",
  "title",
  "figcaption",
  "nav",
  "aside",
  "form",
  "button",
  "select",
  "textarea",
]);

/**
 * Class or id words of page furniture on Vietnamese news sites and elsewhere: related-news
 * boxes (`box-tinlienquan`, `RelatedNewsBox`), share and comment bars, bylines and author
 * boxes (`author_mail`, `author-info`), tags, breadcrumbs, captions, ads. Matched on whole
 * words of the attribute (split at spaces, `-` and `_`), so `detail-content` is not `content-share`.
 */
const FURNITURE_WORDS =
  /(?:^|[\s_-])(?:related\w*|relate|relatednews\w*|lienquan|tinlienquan|tinkhac|samecategory|share\w*|social\w*|comments?|binhluan|byline|author\w*|tags?|keywords?|breadcrumbs?|caption\w*|ads|advert\w*|quangcao|banner\w*|sponsor\w*|newsletter|toolbar|print)(?=$|[\s_-])/i;

/** Elements that hold one paragraph or headline: when all their text is a link, they are left out. */
const LINKABLE = new Set(["p", "h2", "h3", "h4", "h5", "h6"]);

/** Input larger than this is cut before parsing: no article needs more, and the cost is bounded. */
export const MAX_HTML_CHARS = 300_000;
/** Deeper nesting than this is flattened before parsing (htmlparser2 is quadratic in depth). */
export const MAX_DEPTH = 128;

export interface HtmlImage {
  src: string;
  width?: number | undefined;
  height?: number | undefined;
}

export interface HtmlText {
  /** Plain text, NFC, paragraphs separated by a blank line, whitespace folded inside paragraphs. */
  text: string;
  /** The first <img> source, if any (resolved later against the item link). */
  firstImage?: string | undefined;
  /** The images of the body outside furniture, in order (at most 20), with their declared size. */
  images: HtmlImage[];
}

function isFurniture(attrs: Record<string, string>): boolean {
  const cls = attrs.class;
  const id = attrs.id;
  const type = attrs.type ?? attrs["data-role"] ?? attrs.role;
  return (
    (cls !== undefined && FURNITURE_WORDS.test(cls)) ||
    (id !== undefined && FURNITURE_WORDS.test(id)) ||
    (type !== undefined && /related|navigation|complementary|banner/i.test(type))
  );
}

function size(v: string | undefined): number | undefined {
  const n = v ? Number.parseInt(v, 10) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * HTML (or plain text with entities) → readable text, without the furniture that has its own
 * element or class (see SKIP and FURNITURE_WORDS; what is only text, such as a byline
 * paragraph, is for furniture.ts). Entities are decoded by htmlparser2, so `&nbsp;`,
 * `&agrave;` and numeric references all become characters. The input is bounded first
 * (MAX_HTML_CHARS, MAX_DEPTH), so any input converts in time linear in its size.
 */
export function htmlToText(html: string): HtmlText {
  const out: string[] = [];
  const images: HtmlImage[] = [];
  let depth = 0;
  // Paragraphs being read: where their output starts and whether any text was outside a link.
  // A paragraph that is only a link is a related headline ("Tin xem thêm"), not prose.
  const paras: Array<{
    depth: number;
    start: number;
    linked: boolean;
    italic: boolean;
    prose: boolean;
    afterImage: boolean;
  }> = [];
  let linkDepth = 0;
  let italicDepth = 0;
  // True from an image until the next prose: an italic line right after it is its caption.
  let afterImage = false;
  // The depth at which a skipped element opened; everything inside it is left out.
  let skipAt = 0;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        depth++;
        if (skipAt) return;
        if (SKIP.has(name) || isFurniture(attrs)) {
          skipAt = depth;
          return;
        }
        if (name === "a") linkDepth++;
        else if (name === "em" || name === "i") italicDepth++;
        else if (LINKABLE.has(name)) {
          paras.push({
            depth,
            start: out.length,
            linked: false,
            italic: false,
            prose: false,
            afterImage,
          });
        }
        if (name === "img") {
          const src = attrs.src ?? attrs["data-src"] ?? attrs["data-original"];
          afterImage = true;
          if (src && !src.startsWith("data:") && images.length < 20) {
            images.push({ src: src.trim(), width: size(attrs.width), height: size(attrs.height) });
          }
        } else if (BLOCK.has(name)) out.push("\n");
      },
      ontext(text) {
        if (skipAt) return;
        out.push(text);
        if (afterImage && !paras.length && /\S/.test(text)) afterImage = false;
        const para = paras[paras.length - 1];
        if (para && /\S/.test(text)) {
          if (linkDepth > 0) para.linked = true;
          else if (italicDepth > 0) para.italic = true;
          else para.prose = true;
        }
      },
      onclosetag(name) {
        if (skipAt === depth) {
          skipAt = 0;
          // The photo had its caption: what follows it is text again.
          if (name === "figcaption") afterImage = false;
        } else if (!skipAt) {
          if (name === "a") linkDepth = Math.max(0, linkDepth - 1);
          else if (name === "em" || name === "i") italicDepth = Math.max(0, italicDepth - 1);
          const para = paras[paras.length - 1];
          if (para?.depth === depth) {
            paras.pop();
            // Only a link: a related headline. Only italics, centred or under a photo: its caption.
            const caption = para.italic && !para.linked && para.afterImage;
            const own =
              !para.prose && (caption || (para.linked && !para.italic))
                ? out.slice(para.start).join("").trim()
                : "";
            // A headline or caption is short and no sentence of prose ("Danh sách … ." is one).
            if (own && own.length <= 200 && (caption || !/[.!?]["”’)]*$/.test(own))) out.length = para.start;
            else if (para.prose || para.linked || para.italic) {
              afterImage = false;
              const outer = paras[paras.length - 1];
              if (outer) outer.prose = true;
            }
          }
          if (BLOCK.has(name)) out.push("\n");
        }
        depth--;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, recognizeSelfClosing: true },
  );
  parser.write(boundHtml(html));
  parser.end();
  return { text: tidyText(out.join("")), firstImage: images[0]?.src, images };
}

const TAG = /<(\/?)([a-zA-Z][\w:-]*)[^<>]*?(\/?)>/g;
const VOID = new Set([
  "area",
  "base",
  "br",
  "col",
  "embed",
  "hr",
  "img",
  "input",
  "link",
  "meta",
  "source",
  "track",
  "wbr",
]);

/**
 * Cuts `html` to `maxChars` (MAX_HTML_CHARS; before a tag) and drops the tags nested deeper than
 * MAX_DEPTH, keeping their text. Small documents are returned as they are: their depth cannot
 * cost much, and the scan would be the largest part of their conversion.
 */
export function boundHtml(html: string, maxChars = MAX_HTML_CHARS): string {
  let s = html;
  if (s.length > maxChars) {
    const cut = s.lastIndexOf("<", maxChars);
    s = s.slice(0, cut > maxChars / 2 ? cut : maxChars);
  }
  if (s.length < 8_000) return s;
  let depth = 0;
  let deep = false;
  const flat = s.replace(TAG, (tag, close: string, name: string, self: string) => {
    if (self || VOID.has(name.toLowerCase())) return depth >= MAX_DEPTH ? "" : tag;
    if (close) {
      depth = Math.max(0, depth - 1);
      return depth >= MAX_DEPTH ? "" : tag;
    }
    depth++;
    if (depth > MAX_DEPTH) {
      deep = true;
      return "";
    }
    return tag;
  });
  return deep ? flat : s;
}

/** NFC, no control characters, spaces folded, at most one blank line between paragraphs. */
export function tidyText(text: string): string {
  return (
    text
      .toWellFormed()
      .normalize("NFC")
      .replace(DROPPED_CHARS, "")
      // Runs of white space and lone tabs or odd spaces, not every single space (most of them).
      .replace(/[^\S\r\n]{2,}|[^\S\r\n ]/g, " ")
      .replace(/ *[\r\n][\r\n ]*/g, "\n\n")
      .trim()
  );
}

/** Text inside a single line (categories, authors, a feed's title): entities decoded, whitespace folded. */
export function inlineText(htmlOrText: string): string {
  // Most carry at most an entity: decode those directly, parse only real markup.
  const text = htmlOrText.includes("<")
    ? htmlToText(htmlOrText).text
    : htmlOrText.includes("&")
      ? decodeHTML(htmlOrText)
      : htmlOrText;
  return foldLine(text);
}

/** One line of text: NFC, no control characters, white space folded to single spaces. */
export function foldLine(text: string): string {
  return text
    .toWellFormed()
    .normalize("NFC")
    .replace(FORBIDDEN_CHARS, "")
    .replace(/[\s\u00A0\u200B\uFEFF]+/g, " ")
    .trim();
}
