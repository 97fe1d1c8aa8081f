import { hash } from "node:crypto";

/**
 * A feed document cut around its entries, so that a read parses only the entries it has not
 * seen before: on a news feed of 20–50 entries, a new read usually brings one or two, and
 * parsing the other 49 again (xml2js builds a tree of every node) is most of a poll cycle's
 * CPU. `before + after` is the document without its entries; each chunk is one entry's raw
 * text, `<item …>…</item>` or `<entry …>…</entry>`.
 */
export interface EntryChunks {
  before: string;
  after: string;
  chunks: string[];
}

/** Beyond this many entries a document is parsed whole and no digests are kept (bounded state). */
export const MAX_DIGESTS = 1000;

/** A short, collision-safe fingerprint of one entry's raw text (96 bits of SHA-256). */
export function entryDigest(chunk: string): string {
  return hash("sha256", chunk, "base64url").slice(0, 16);
}

const WS = /^\s*$/;

/**
 * Finds the entries of an RSS (0.9x, 1.0, 2.0) or Atom document without parsing it: a scan
 * over its tags that skips CDATA sections, comments, processing instructions and quoted
 * attribute values. Anything it is not sure of (nested entries, text between two entries, a
 * prefixed or unterminated entry, an unknown root) gives undefined, and the caller parses the
 * whole document, as it would without this.
 */
export function splitEntries(xml: string): EntryChunks | undefined {
  const root = rootName(xml);
  const tag =
    root === "feed" ? "entry" : root === "rss" || root === "rdf:RDF" || root === "RDF" ? "item" : undefined;
  if (!tag) return undefined;
  const spans: Array<[number, number]> = [];
  let open = -1;
  let i = xml.indexOf("<");
  while (i !== -1 && i < xml.length) {
    if (xml.startsWith("<![CDATA[", i)) {
      const end = xml.indexOf("]]>", i + 9);
      if (end === -1) return undefined;
      i = xml.indexOf("<", end + 3);
      continue;
    }
    if (xml.startsWith("<!--", i)) {
      const end = xml.indexOf("-->", i + 4);
      if (end === -1) return undefined;
      i = xml.indexOf("<", end + 3);
      continue;
    }
    if (xml.startsWith("<?", i) || xml.startsWith("<!", i)) {
      const end = xml.indexOf(">", i + 2);
      if (end === -1) return undefined;
      i = xml.indexOf("<", end + 1);
      continue;
    }
    const close = xml[i + 1] === "/";
    const nameStart = close ? i + 2 : i + 1;
    const end = tagEnd(xml, nameStart);
    if (end === -1) return undefined;
    const name = tagName(xml, nameStart, end);
    if (name === tag) {
      const selfClosing = !close && xml[end - 1] === "/";
      if (close) {
        if (open === -1) return undefined;
        spans.push([open, end + 1]);
        open = -1;
      } else if (open !== -1) {
        return undefined; // an entry inside an entry: not a shape to guess about
      } else if (selfClosing) {
        spans.push([i, end + 1]);
      } else {
        open = i;
      }
    } else if (name.endsWith(`:${tag}`) && open === -1) {
      return undefined; // <atom:entry>, <rss:item>: namespaced entries are parsed whole
    }
    i = xml.indexOf("<", end + 1);
  }
  if (open !== -1 || spans.length === 0) return undefined;
  for (let k = 1; k < spans.length; k++) {
    // Only whitespace may separate two entries: dropping some must not drop anything else.
    if (!WS.test(xml.slice((spans[k - 1] as [number, number])[1], (spans[k] as [number, number])[0])))
      return undefined;
  }
  const first = spans[0] as [number, number];
  const last = spans[spans.length - 1] as [number, number];
  return {
    before: xml.slice(0, first[0]),
    after: xml.slice(last[1]),
    chunks: spans.map(([a, b]) => xml.slice(a, b)),
  };
}

/** The name of the document's first element, after the prolog. */
function rootName(xml: string): string | undefined {
  let i = xml.indexOf("<");
  while (i !== -1) {
    if (xml.startsWith("<?", i)) i = xml.indexOf("?>", i + 2);
    else if (xml.startsWith("<!--", i)) i = xml.indexOf("-->", i + 4);
    else if (xml.startsWith("<!", i)) i = xml.indexOf(">", i + 2);
    else {
      const end = tagEnd(xml, i + 1);
      return end === -1 ? undefined : tagName(xml, i + 1, end);
    }
    if (i === -1) return undefined;
    i = xml.indexOf("<", i + 1);
  }
  return undefined;
}

/** Index of the `>` that ends the tag whose name starts at `from`, past quoted attribute values. */
function tagEnd(xml: string, from: number): number {
  let quote = "";
  for (let j = from; j < xml.length; j++) {
    const c = xml[j];
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === ">") {
      return j;
    } else if (c === "<") {
      return -1; // a stray "<": not well-formed, leave it to the parser
    }
  }
  return -1;
}

function tagName(xml: string, from: number, end: number): string {
  let j = from;
  while (j < end) {
    const c = xml.charCodeAt(j);
    // whitespace, "/" or ">" end the name
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 47) break;
    j++;
  }
  return xml.slice(from, j);
}
