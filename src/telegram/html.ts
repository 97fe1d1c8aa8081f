/**
 * Telegram's HTML parse mode: escaping, the visible length Telegram counts ("after entities
 * parsing", in UTF-16 units) and a strict validator used by tests and as a last guard before
 * sending.
 */

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function escapeAttr(text: string): string {
  return escapeHtml(text).replace(/"/g, "&quot;");
}

const ALLOWED = new Set([
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
const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

export interface HtmlCheck {
  ok: boolean;
  error?: string;
  /** The text as Telegram shows it. */
  text: string;
}

/** Parses like Telegram: only supported tags, properly nested, only supported entities. */
export function checkTelegramHtml(html: string): HtmlCheck {
  const stack: string[] = [];
  let text = "";
  const re =
    /<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*>|&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);|[<>&]/g;
  let last = 0;
  for (const m of html.matchAll(re)) {
    text += html.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[0] === "<" || m[0] === ">" || m[0] === "&") {
      if (m[0] === ">") {
        text += ">"; // Telegram tolerates a bare ">"
        continue;
      }
      return { ok: false, error: `unescaped "${m[0]}" at ${m.index}`, text };
    }
    if (m[4] !== undefined) {
      const ref = m[4];
      if (ref.startsWith("#")) {
        const cp =
          ref[1] === "x" || ref[1] === "X" ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
        if (!(cp > 0 && cp <= 0x10ffff))
          return { ok: false, error: `bad character reference &${ref};`, text };
        text += String.fromCodePoint(cp);
      } else if (ref in NAMED) {
        text += NAMED[ref];
      } else {
        return { ok: false, error: `unsupported entity &${ref};`, text };
      }
      continue;
    }
    const closing = m[1] === "/";
    const tag = (m[2] as string).toLowerCase();
    if (!ALLOWED.has(tag)) return { ok: false, error: `unsupported tag <${tag}>`, text };
    if (closing) {
      if (stack.pop() !== tag) return { ok: false, error: `misnested </${tag}>`, text };
    } else {
      if (tag === "a" && !/\bhref\s*=/.test(m[3] ?? ""))
        return { ok: false, error: "<a> without href", text };
      if ((tag === "a" || tag === "code" || tag === "pre") && stack.some((t) => t === "a" || t === "code")) {
        return { ok: false, error: `<${tag}> inside a link or code`, text };
      }
      stack.push(tag);
    }
  }
  text += html.slice(last);
  if (stack.length) return { ok: false, error: `unclosed <${stack[stack.length - 1]}>`, text };
  return { ok: true, text };
}

/** Length as Telegram counts it: UTF-16 units of the text after entity parsing. */
export function visibleLength(html: string): number {
  return checkTelegramHtml(html).text.length;
}

/**
 * Groups lines of self-contained HTML (every tag closed on its line) into messages that each
 * stay within Telegram's limit, so a long list (/feeds with many sources) is never rejected.
 */
export function chunkLines(lines: string[], limit = 4096): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const line of lines) {
    const cost = visibleLength(line) + 1;
    if (current.length && size + cost > limit) {
      chunks.push(current.join("\n"));
      current = [];
      size = 0;
    }
    current.push(line);
    size += cost;
  }
  if (current.length) chunks.push(current.join("\n"));
  return chunks;
}

/** How much of an argument a reply repeats back. */
export const ECHO_MAX = 64;

/**
 * At most `max` code points of `text`, the last one "…" when it was cut. Counted by code
 * points, so a surrogate pair (an emoji) is never split; a cut also steps back over combining
 * marks and joiners so an accent or an emoji sequence is not left dangling.
 */
export function shorten(text: string, max = ECHO_MAX): string {
  const points = Array.from(text);
  if (points.length <= max) return text;
  let cut = Math.max(1, max - 1);
  // Never more than a few steps back: a run of combining marks must not empty the echo.
  const joins = (i: number) =>
    /^(?:\p{M}|\u200d|\ufe0e|\ufe0f)$/u.test(points[i] ?? "") || points[i - 1] === "\u200d";
  for (let i = 0; i < 8 && cut > 1 && joins(cut); i++) cut--;
  return `${points.slice(0, cut).join("")}…`;
}

/** What the user typed, for a plain-text reply (no parse_mode): shortened, never escaped. */
export function echo(text: string, max = ECHO_MAX): string {
  return shorten(text, max);
}

/** What the user typed, for an HTML reply: shortened, then escaped exactly once. */
export function echoHtml(text: string, max = ECHO_MAX): string {
  return escapeHtml(shorten(text, max));
}
