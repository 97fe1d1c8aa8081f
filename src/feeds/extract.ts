import { removeFurniture } from "../text/furniture.js";
import { boundHtml, type HtmlImage, htmlToText, inlineText } from "../text/html.js";
import { canonicalImage } from "./normalize.js";

/** A page's article, as far as it could be read. */
export interface ExtractedPage {
  /** The article's text without furniture (the sapo first), or "" when extraction failed. */
  text: string;
  /** og:image / twitter:image, else the largest image of the article. */
  image?: string | undefined;
  /** og:description or the meta description (the sapo on most Vietnamese sites). */
  description?: string | undefined;
}

/** Pages are bigger than feed items; the bound keeps the worst case linear and small. */
const MAX_PAGE_CHARS = 800_000;

/** The largest image by declared area (an image without a size counts as small). */
function largest(images: HtmlImage[]): string | undefined {
  let best: HtmlImage | undefined;
  let bestArea = 0;
  for (const img of images) {
    const area = (img.width ?? 0) * (img.height ?? img.width ?? 0);
    if (area > bestArea) {
      best = img;
      bestArea = area;
    }
  }
  return best && bestArea >= 300 * 200 ? best.src : undefined;
}

function meta(document: Document, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const el =
      document.querySelector(`meta[property="${key}"]`) ?? document.querySelector(`meta[name="${key}"]`);
    const v = el?.getAttribute("content")?.trim();
    if (v) return v;
  }
  return undefined;
}

/** Folded start of a paragraph, to see whether the sapo is already in the text. */
const head = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "")
    .slice(0, 60);

/**
 * The article of an HTML page: Readability (over linkedom's DOM) finds the main text, then
 * bantin's own rules take out what Readability keeps (captions, credits, bylines, inline
 * "Xem thêm" links: see text/furniture.ts). The sapo, which many Vietnamese sites put outside
 * the article's container, is put back first from the page's description. Loaded on first
 * use, so a process that never fetches a page never loads either library.
 */
export async function extractArticle(html: string, pageUrl: string): Promise<ExtractedPage> {
  const [{ parseHTML }, { Readability }] = await Promise.all([
    import("linkedom"),
    import("@mozilla/readability"),
  ]);
  const { document } = parseHTML(boundHtml(html, MAX_PAGE_CHARS));
  const description = meta(document, "og:description", "description", "twitter:description");
  const ogImage = meta(document, "og:image", "og:image:url", "twitter:image", "twitter:image:src");
  let article: { content?: string | null } | null = null;
  try {
    article = new Readability(document as unknown as Document, {
      charThreshold: 250,
      keepClasses: true,
    }).parse();
  } catch {
    article = null;
  }
  const body = article?.content ? htmlToText(article.content) : undefined;
  let text = body ? removeFurniture(body.text) : "";
  const sapo = description ? removeFurniture(inlineText(description)) : "";
  if (text && sapo.length >= 40 && !head(text).startsWith(head(sapo).slice(0, 40))) {
    // Already inside the text further down (some templates repeat it): leave it there.
    if (!text.includes(sapo.slice(0, 60))) text = `${sapo}\n\n${text}`;
  }
  const image =
    canonicalImage(ogImage, pageUrl) ?? canonicalImage(body ? largest(body.images) : undefined, pageUrl);
  return { text, image, description: sapo || undefined };
}
