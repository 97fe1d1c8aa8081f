import iconv from "iconv-lite";

/**
 * Bytes → text. The charset comes from the HTTP header, then the XML declaration, then a byte
 * order mark, else UTF-8. A UTF-16/32 BOM wins over a declaration that cannot be true for
 * those bytes (an ASCII declaration is unreadable in UTF-16).
 */
export function decodeFeed(body: Buffer, contentType?: string): { text: string; charset: string } {
  const bom = sniffBom(body);
  const fromHeader = charsetFromContentType(contentType);
  const fromDecl = bom && bom !== "utf-8" ? undefined : charsetFromDeclaration(body);
  let charset = fromHeader ?? fromDecl ?? bom ?? "utf-8";
  if (bom && bom !== "utf-8" && !charset.startsWith(bom.slice(0, 6))) charset = bom;
  charset = aliasCharset(charset);
  if (!iconv.encodingExists(charset)) charset = "utf-8";
  // iconv-lite strips a BOM by default.
  return { text: iconv.decode(body, charset), charset };
}

function sniffBom(b: Buffer): string | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return "utf-8";
  if (b[0] === 0x00 && b[1] === 0x00 && b[2] === 0xfe && b[3] === 0xff) return "utf-32be";
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0x00 && b[3] === 0x00) return "utf-32le";
  if (b[0] === 0xff && b[1] === 0xfe) return "utf-16le";
  if (b[0] === 0xfe && b[1] === 0xff) return "utf-16be";
  return undefined;
}

export function charsetFromContentType(contentType: string | undefined): string | undefined {
  const m = contentType ? /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType) : null;
  return m?.[1]?.toLowerCase();
}

function charsetFromDeclaration(body: Buffer): string | undefined {
  const head = body.subarray(0, 512).toString("latin1");
  const m = /<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']/i.exec(head);
  return m?.[1]?.toLowerCase();
}

/** Labels real feeds use that iconv-lite knows under another name. */
function aliasCharset(c: string): string {
  const lower = c.toLowerCase();
  if (lower === "utf8" || lower === "unicode-1-1-utf-8") return "utf-8";
  if (lower === "x-viet-vps" || lower === "vps") return "utf-8";
  if (lower === "tcvn3" || lower === "tcvn-3" || lower === "tcvn5712") return "tcvn";
  // WHATWG: a declared ISO-8859-1 is decoded as windows-1252 by every browser.
  if (lower === "iso-8859-1" || lower === "latin1" || lower === "us-ascii" || lower === "ascii")
    return "windows-1252";
  return lower;
}

/**
 * An HTML page's bytes → text: the charset of the HTTP header, else of a `<meta charset>` or
 * `<meta http-equiv="Content-Type">` in its first 2 KB, else a byte order mark, else UTF-8.
 */
export function decodeHtml(body: Buffer, contentType?: string): string {
  const head = body.subarray(0, 2048).toString("latin1");
  const meta = /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1]?.toLowerCase() ?? undefined;
  const declared = charsetFromContentType(contentType) ?? meta;
  return decodeFeed(body, declared ? `text/html; charset=${declared}` : contentType).text;
}
