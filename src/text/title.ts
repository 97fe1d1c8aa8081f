import { decodeHTML } from "entities";
import { foldLine } from "./html.js";

/** Element names of HTML: in a title only these are markup; `<giảm>`, `<Cảnh báo>` are text. */
const HTML_TAGS = new Set(
  (
    "a abbr b bdi bdo big blink br cite code del dfn div em font h1 h2 h3 h4 h5 h6 hr i img ins kbd mark nobr " +
    "p q s samp small span strike strong sub sup time tt u var wbr center label"
  ).split(" "),
);
const TITLE_TAG = /<\/?([a-zA-Z][a-zA-Z0-9]*)(?:\s[^<>]*)?\/?>/g;

/**
 * A feed title as the reader should see it. XML escapes are already undone by the parser, so
 * what the feed escaped (`&lt;giảm&gt;`) arrives here as `<giảm>` and stays text; only real
 * HTML tags are markup, and are removed; HTML entities are then decoded (`&amp;quot;`).
 * Atom's `type="text"` is plain text: nothing is removed or decoded.
 */
export function titleText(raw: string, type?: string): string {
  if (type === "text") return foldLine(raw);
  let s = raw;
  if (s.includes("<")) {
    s = s.replace(TITLE_TAG, (tag, name: string) => {
      const lower = name.toLowerCase();
      if (!HTML_TAGS.has(lower)) return tag;
      // Inline markup joins its neighbours ("<b>Nóng</b>: giá"); a line break separates them.
      return /^(?:br|div|p|h\d|hr|center)$/.test(lower) ? " " : "";
    });
  }
  if (s.includes("&")) s = decodeHTML(s);
  return foldLine(s);
}
