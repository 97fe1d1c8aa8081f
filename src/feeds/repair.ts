import { decodeHTMLStrict } from "entities";
import { FORBIDDEN_CHARS } from "../text/chars.js";

/** Entities XML knows by itself; any other named entity must be rewritten for a strict parser. */
const XML_ENTITIES = new Set(["lt", "gt", "amp", "quot", "apos"]);

export interface Repaired {
  text: string;
  /** What was mended, for the log. */
  fixes: string[];
}

/**
 * Mends the ways real feeds are not well-formed, where the intent is unambiguous:
 * junk (a BOM, whitespace, a browser's "This XML file does not appear…" banner) before the
 * document, bare `&` (e.g. in `?w=1200&h=0` URLs), HTML named entities such as `&nbsp;`,
 * and control characters XML forbids. CDATA sections are left untouched.
 */
export function repairXml(input: string): Repaired {
  const fixes: string[] = [];
  let text = input;
  const start = text.search(/<(?:\?xml|rss[\s>]|feed[\s>]|rdf:RDF|RDF[\s>]|!DOCTYPE|!--|channel[\s>])/);
  if (start > 0) {
    const prefix = text.slice(0, start);
    if (prefix.trim() === "" || !/<[a-zA-Z]/.test(prefix)) {
      text = text.slice(start);
      if (prefix.replace(/^\uFEFF/, "").trim() !== "") fixes.push("dropped text before the document");
    }
  } else if (start < 0) {
    text = text.trimStart();
  }
  // The XML declaration is only legal at the very start; a later one (after a repaired prefix) is dropped.
  // (Each pass is skipped when a plain search shows it has nothing to do: most feeds are fine.)
  if (text.indexOf("<?xml", 1) !== -1)
    text = text.replace(/(?!^)<\?xml[^>]*\?>/g, () => {
      fixes.push("dropped a misplaced XML declaration");
      return "";
    });

  let bareAmps = 0;
  let htmlEntities = 0;
  let controls = 0;
  const parts = text.includes("&") ? text.split(/(<!\[CDATA\[[\s\S]*?\]\]>)/) : [];
  for (let i = 0; i < parts.length; i += 2) {
    let part = parts[i] as string;
    part = part.replace(/&(#x[0-9a-fA-F]+;|#\d+;|[A-Za-z][A-Za-z0-9]*;)?/g, (m, ref: string | undefined) => {
      if (!ref) {
        bareAmps++;
        return "&amp;";
      }
      if (ref.startsWith("#")) return m;
      const name = ref.slice(0, -1);
      if (XML_ENTITIES.has(name)) return m;
      const decoded = decodeHTMLStrict(m);
      if (decoded === m) {
        bareAmps++;
        return `&amp;${ref}`;
      }
      htmlEntities++;
      return [...decoded].map((c) => `&#${c.codePointAt(0)};`).join("");
    });
    parts[i] = part;
  }
  if (parts.length) text = parts.join("");
  text = text.replace(FORBIDDEN_CHARS, () => {
    controls++;
    return "";
  });
  text = closeTruncated(text, fixes);
  // RSS 0.9x-style `<rss><item>…` with no <channel>: readers accept it, rss-parser needs one.
  if (/<rss[\s>]/.test(text) && !/<channel[\s>]/.test(text) && /<item[\s>]/.test(text)) {
    text = text.replace(/(<rss(?:\s[^>]*)?>)/, "$1<channel>").replace(/<\/rss>\s*$/, "</channel></rss>");
    fixes.push("added the missing <channel>");
  }
  if (bareAmps) fixes.push(`escaped ${bareAmps} bare &`);
  if (htmlEntities) fixes.push(`rewrote ${htmlEntities} HTML entities`);
  if (controls) fixes.push(`removed ${controls} control characters`);
  return { text, fixes };
}

/**
 * A download cut short (or a copy missing its last `>`) leaves the root open. Keep every
 * complete entry and close the document, as a lenient feed reader would.
 */
function closeTruncated(text: string, fixes: string[]): string {
  const root = /<(rss|feed|rdf:RDF)[\s>]/.exec(text)?.[1];
  if (!root || new RegExp(`</${root}\\s*>\\s*$`).test(text)) return text;
  const trimmed = text.trimEnd();
  if (trimmed.endsWith(`</${root}`)) {
    fixes.push(`closed </${root}>`);
    return `${trimmed}>`;
  }
  const lastEntry = Math.max(trimmed.lastIndexOf("</item>") + 7, trimmed.lastIndexOf("</entry>") + 8);
  let body = lastEntry > 8 ? trimmed.slice(0, lastEntry) : trimmed;
  if (lastEntry <= 8 && !/>$/.test(body)) body = body.slice(0, body.lastIndexOf(">") + 1);
  const closers =
    root === "rss" && /<channel[\s>]/.test(body) && !/<\/channel>/.test(body) ? "</channel>" : "";
  fixes.push("closed a truncated document");
  return `${body}${closers}</${root}>`;
}
