import { describe, expect, it } from "vitest";
import { entryDigest, splitEntries } from "../src/feeds/chunks.js";
import { normalizeItem } from "../src/feeds/normalize.js";
import { parseFeed } from "../src/feeds/parse.js";

const RSS = `<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment with <item>inside</item> -->
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
<title>Báo Hà Tĩnh</title><link>https://baohatinh.vn/</link>
<item><title>Hà Tĩnh đón 36.403 lượt khách</title><link>https://baohatinh.vn/a.html</link><guid>a1</guid>
<description><![CDATA[<p>Một đoạn có </item> và <item> trong CDATA.</p>]]></description>
<media:content url="https://baohatinh.vn/a.jpg?x=1&amp;y=>2" medium="image"/></item>
  <item data-x="a>b"><title>TP.HCM: UBND họp ngày 29/2/2024</title><link>/b.html</link><guid>b2</guid>
<description>PGS.TS. Nguyễn Văn A &lt;b&gt;phát biểu&lt;/b&gt;</description></item>
<item><title>Tin thứ ba</title><link>https://baohatinh.vn/c.html</link></item>
</channel></rss>`;

const ATOM = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title type="text">Tin mới</title>
<link href="https://tin.example/"/><id>urn:feed</id><updated>2026-11-01T08:00:00+07:00</updated>
<entry><title type="html">&lt;Cảnh báo&gt; Lũ</title><id>urn:1</id><link href="https://tin.example/1"/>
<updated>2026-11-01T08:00:00+07:00</updated><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Một</p></div></content></entry>
<entry><title>Hai</title><id>urn:2</id><link href="https://tin.example/2"/><updated>2026-11-02T08:00:00+07:00</updated></entry>
</feed>`;

const RDF = `<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="https://tin.example/"><title>RDF</title><link>https://tin.example/</link>
<items><rdf:Seq><rdf:li resource="https://tin.example/1"/><rdf:li resource="https://tin.example/2"/></rdf:Seq></items></channel>
<item rdf:about="https://tin.example/1"><title>Một</title><link>https://tin.example/1</link></item>
<item rdf:about="https://tin.example/2"><title>Hai</title><link>https://tin.example/2</link></item>
<textinput rdf:about="https://tin.example/s"><title>Tìm</title></textinput>
</rdf:RDF>`;

const titles = async (xml: string, skip?: Set<string>) => {
  const feed = await parseFeed(xml, { skip });
  return feed.items.map((i) => normalizeItem(i, "f", feed));
};

describe("splitEntries", () => {
  it("cuts RSS around its items, past CDATA, comments and quoted '>'", () => {
    const split = splitEntries(RSS);
    expect(split?.chunks).toHaveLength(3);
    expect(split?.chunks[0]).toMatch(/^<item><title>Hà Tĩnh.*<\/item>$/s);
    expect(split?.chunks[1]).toMatch(/^<item data-x="a>b">/);
    expect(split?.before).toContain("<link>https://baohatinh.vn/</link>");
    expect(split?.after.trim()).toBe("</channel></rss>");
    // Nothing lost: the pieces put back together are the document.
    expect(`${split?.before}${split?.chunks.join("\n  ")}${split?.after}`.replace(/\s+/g, "")).toBe(
      RSS.replace(/\s+/g, ""),
    );
  });

  it("cuts Atom around its entries and RSS 1.0 around its items (channel and textinput kept)", () => {
    expect(splitEntries(ATOM)?.chunks.map((c) => c.slice(0, 7))).toEqual(["<entry>", "<entry>"]);
    const rdf = splitEntries(RDF);
    expect(rdf?.chunks).toHaveLength(2);
    expect(rdf?.before).toContain("<rdf:li resource");
    expect(rdf?.after).toContain("<textinput");
  });

  it("gives up on shapes it is not sure of, so the document is parsed whole", () => {
    const wrap = (items: string) => `<rss><channel><title>x</title>${items}</channel></rss>`;
    expect(splitEntries(wrap("<item><item>a</item></item>"))).toBeUndefined(); // nested
    expect(splitEntries(wrap("<item>a</item><ttl>5</ttl><item>b</item>"))).toBeUndefined(); // between
    expect(splitEntries(wrap("<item>a</item><item>b"))).toBeUndefined(); // unterminated
    expect(splitEntries(wrap("<item>a</item></item>"))).toBeUndefined(); // a stray end tag
    expect(splitEntries(wrap("<item><![CDATA[never closed</item>"))).toBeUndefined();
    expect(splitEntries(`<feed><atom:entry>a</atom:entry></feed>`)).toBeUndefined(); // prefixed
    expect(splitEntries(wrap(""))).toBeUndefined(); // no entries
    expect(splitEntries("<html><body><item>a</item></body></html>")).toBeUndefined(); // not a feed
    expect(splitEntries(wrap("<item>a < b</item>"))).toBeUndefined(); // not well-formed
  });

  it("an <itemx> or <items> element is not an item; a self-closing item is one", () => {
    const split = splitEntries(
      `<rss><channel><items>1</items><itemx/><item/> <item>a</item></channel></rss>`,
    );
    expect(split?.chunks).toEqual(["<item/>", "<item>a</item>"]);
  });

  it("a digest is short, stable and tells entries apart", () => {
    expect(entryDigest("<item>a</item>")).toMatch(/^[\w-]{16}$/);
    expect(entryDigest("<item>a</item>")).toBe(entryDigest("<item>a</item>"));
    expect(entryDigest("<item>a</item>")).not.toBe(entryDigest("<item>b</item>"));
  });
});

describe("parseFeed with entries read before", () => {
  for (const [name, xml] of [
    ["RSS 2.0", RSS],
    ["Atom", ATOM],
    ["RSS 1.0", RDF],
  ] as const) {
    it(`${name}: skipping all but one entry gives exactly that entry, as the whole parse does`, async () => {
      const whole = await parseFeed(xml);
      const all = await titles(xml);
      expect(whole.digests).toHaveLength(all.length);
      for (let k = 0; k < all.length; k++) {
        const skip = new Set(whole.digests?.filter((_, j) => j !== k));
        const part = await parseFeed(xml, { skip });
        expect(part.total).toBe(all.length);
        expect(part.digests).toEqual(whole.digests);
        expect(part.title).toBe(whole.title);
        expect(await titles(xml, skip)).toEqual([all[k]]);
      }
      // Everything read before: no entries, and the feed's own title still read.
      const none = await parseFeed(xml, { skip: new Set(whole.digests) });
      expect(none.items).toEqual([]);
      expect(none.total).toBe(all.length);
    });
  }

  it("resolves a relative link of a new entry against the feed's link, as before", async () => {
    const whole = await parseFeed(RSS);
    const skip = new Set([whole.digests?.[0] as string, whole.digests?.[2] as string]);
    const [b] = await titles(RSS, skip);
    expect(b?.link).toBe("https://baohatinh.vn/b.html");
    expect(b?.title).toBe("TP.HCM: UBND họp ngày 29/2/2024");
  });

  it("an entry repeated in one document is parsed once", async () => {
    const item = "<item><title>Một</title><link>https://tin.example/1</link></item>";
    const xml = `<rss><channel><title>x</title>${item}${item}<item><title>Hai</title></item></channel></rss>`;
    const whole = await parseFeed(xml);
    const part = await parseFeed(xml, { skip: new Set([whole.digests?.[2] as string]) });
    expect(part.items.map((i) => i.title)).toEqual(["Một"]);
  });

  it("no digests when the parser sees fewer items than the scan found entries", async () => {
    // After a stray </channel>, and RSS 1.0 items inside <channel>: rss-parser reads none.
    const stray = `<rss><channel><title>x</title></channel><item><title>Một</title></item></rss>`;
    const rdf = RDF.replace("</channel>", "").replace("<textinput", "</channel><textinput");
    for (const xml of [stray, rdf]) {
      const res = await parseFeed(xml);
      expect(splitEntries(xml)?.chunks.length).toBeGreaterThan(res.items.length);
      expect(res.digests).toBeUndefined();
      const skipped = await parseFeed(xml, { skip: new Set(["AAAAAAAAAAAAAAAA"]) });
      expect(skipped.digests).toBeUndefined();
    }
  });

  it("a document that cannot be cut is parsed whole, skip or not", async () => {
    const xml = `<rss><channel><title>x</title><item><title>Một</title></item><ttl>5</ttl><item><title>Hai</title></item></channel></rss>`;
    const res = await parseFeed(xml, { skip: new Set(["AAAAAAAAAAAAAAAA"]) });
    expect(res.digests).toBeUndefined();
    expect(res.items.map((i) => i.title)).toEqual(["Một", "Hai"]);
  });
});
