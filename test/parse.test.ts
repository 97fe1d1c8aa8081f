import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { decodeFeed } from "../src/feeds/decode.js";
import { canonicalLink, dedupeKeys, normalizeItem, parseFeedDate } from "../src/feeds/normalize.js";
import { FeedParseError, parseFeed } from "../src/feeds/parse.js";
import { repairXml } from "../src/feeds/repair.js";

const VN_RSS = `<rss version="2.0"><channel><title>Báo Hà Tĩnh</title><link>https://baohatinh.vn</link>
<item><title>Hà Tĩnh đón 36.403 lượt khách</title><link>https://baohatinh.vn/a.html</link><guid>a1</guid>
<description>Du lịch Hà Tĩnh tăng trưởng.</description></item></channel></rss>`;

/** Windows-1258 writes tone marks as combining characters after the (possibly modified) vowel. */
function cp1258(text: string): Buffer {
  const split = text
    .normalize("NFD")
    .replace(/(\p{L})([\u0302\u0306\u031B]+)/gu, (_m, base: string, marks: string) =>
      (base + marks).normalize("NFC"),
    );
  return iconv.encode(split, "windows-1258");
}

async function titles(text: string): Promise<string[]> {
  const feed = await parseFeed(text);
  return feed.items.map((i) => normalizeItem(i, "f", feed)?.title ?? "");
}

describe("decodeFeed", () => {
  it("uses the HTTP charset first", () => {
    const body = cp1258(`<?xml version="1.0" encoding="utf-8"?>${VN_RSS}`);
    expect(decodeFeed(body, "application/rss+xml; charset=windows-1258").text.normalize("NFC")).toContain(
      "Hà Tĩnh đón 36.403",
    );
  });
  it("then the XML declaration", () => {
    const body = cp1258(`<?xml version="1.0" encoding="windows-1258"?>${VN_RSS}`);
    const { text, charset } = decodeFeed(body, "text/xml");
    expect(charset).toBe("windows-1258");
    expect(text.normalize("NFC")).toContain("Báo Hà Tĩnh");
  });
  it("then a byte order mark (UTF-16)", () => {
    const body = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(VN_RSS, "utf-16le")]);
    expect(decodeFeed(body).text.startsWith("<rss")).toBe(true);
  });
  it("else UTF-8, dropping a BOM", () => {
    const { text, charset } = decodeFeed(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(VN_RSS)]),
    );
    expect(charset).toBe("utf-8");
    expect(text.charCodeAt(0)).toBe("<".charCodeAt(0));
  });
  it("reads ISO-8859-1 as browsers do (windows-1252)", () => {
    const body = Buffer.from(
      `<?xml version="1.0" encoding="iso-8859-1"?><rss><channel><title>caf\xe9 \x93q\x94</title></channel></rss>`,
      "latin1",
    );
    expect(decodeFeed(body).text).toContain("café “q”");
  });
});

describe("repairXml and parseFeed on real-world breakage", () => {
  it("drops a BOM, whitespace or a browser banner before the document", async () => {
    expect(await titles(`\uFEFF  \n ${VN_RSS}`)).toEqual(["Hà Tĩnh đón 36.403 lượt khách"]);
    const banner = `This XML file does not appear to have any style information associated with it. The document tree is shown below.\n${VN_RSS}`;
    expect(await titles(banner)).toEqual(["Hà Tĩnh đón 36.403 lượt khách"]);
    expect(repairXml(banner).fixes).toContain("dropped text before the document");
  });

  it("escapes bare & (as in VnExpress enclosure URLs) and keeps the URL right", async () => {
    const xml = VN_RSS.replace(
      "</guid>",
      '</guid><enclosure url="https://i.vnecdn.net/a.jpg?w=1200&h=0&q=100" type="image/jpeg"/>',
    ).replace("Du lịch", "Du lịch & lưu trú");
    const feed = await parseFeed(xml);
    const item = normalizeItem(feed.items[0]!, "f", feed);
    expect(item?.image).toBe("https://i.vnecdn.net/a.jpg?w=1200&h=0&q=100");
    expect(item?.text).toBe("Du lịch & lưu trú Hà Tĩnh tăng trưởng.");
  });

  it("rewrites HTML named entities but leaves CDATA alone", async () => {
    const xml = VN_RSS.replace("Hà Tĩnh đón", "Hà&nbsp;Tĩnh&hellip; đón").replace(
      "<description>Du lịch Hà Tĩnh tăng trưởng.</description>",
      "<description><![CDATA[<p>A&nbsp;&amp;&nbsp;B</p>]]></description>",
    );
    const feed = await parseFeed(xml);
    const item = normalizeItem(feed.items[0]!, "f", feed);
    expect(item?.title).toBe("Hà Tĩnh… đón 36.403 lượt khách");
    expect(item?.text).toBe("A & B");
  });

  it("turns decomposed (NFD) Vietnamese into NFC", async () => {
    const nfd = "Nước cờ mạo hiểm của Oppo Việt Nam".normalize("NFD");
    const [title] = await titles(VN_RSS.replace("Hà Tĩnh đón 36.403 lượt khách", nfd));
    expect(title).toBe("Nước cờ mạo hiểm của Oppo Việt Nam".normalize("NFC"));
    expect(title?.length).toBe(34);
  });

  it("closes a truncated download, keeping the complete items", async () => {
    const cut = VN_RSS.replace("</channel></rss>", "<item><title>Half");
    expect(await titles(cut)).toEqual(["Hà Tĩnh đón 36.403 lượt khách"]);
  });

  it("reads Atom with media:content and RSS 1.0", async () => {
    const atom = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
      <title>Atom</title><link href="https://a.example/"/>
      <entry><title type="html">Tin &lt;b&gt;mới&lt;/b&gt;</title><id>tag:a,2024:1</id><link href="/p/1"/>
      <published>2024-02-29T15:30:00+07:00</published><summary>Tóm tắt.</summary>
      <media:content url="https://a.example/img.jpg" medium="image"/></entry></feed>`;
    const feed = await parseFeed(atom);
    const item = normalizeItem(feed.items[0]!, "f", feed)!;
    expect(item).toMatchObject({
      title: "Tin mới",
      id: "tag:a,2024:1",
      link: "https://a.example/p/1",
      image: "https://a.example/img.jpg",
      published: "2024-02-29T15:30:00+07:00",
    });
    const rdf = `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
      <channel rdf:about="x"><title>R</title><link>https://r.example</link></channel>
      <item rdf:about="https://r.example/1"><title>Một</title><link>https://r.example/1</link></item></rdf:RDF>`;
    expect(await titles(rdf)).toEqual(["Một"]);
  });

  it("reads JSON Feed", async () => {
    const json = JSON.stringify({
      version: "https://jsonfeed.org/version/1.1",
      title: "J",
      items: [
        {
          id: "9",
          url: "https://j.example/9",
          title: "Chín",
          content_html: "<p>Nội dung</p>",
          image: "https://j.example/9.jpg",
        },
      ],
    });
    const feed = await parseFeed(json);
    expect(normalizeItem(feed.items[0]!, "f", feed)).toMatchObject({
      id: "9",
      title: "Chín",
      text: "Nội dung",
      image: "https://j.example/9.jpg",
    });
  });

  it("gives a clear error for what cannot be read", async () => {
    await expect(parseFeed("")).rejects.toThrow(FeedParseError);
    await expect(parseFeed("<html><body>Trang lỗi</body></html>")).rejects.toThrow(
      "an HTML page, not a feed",
    );
    await expect(
      parseFeed("<rss version='2.0'><channel><item><title>a</titl></item></channel></rss>"),
    ).rejects.toThrow(/malformed XML/);
    await expect(parseFeed("{not json")).rejects.toThrow(/malformed JSON/);
  });
});

describe("normalisation", () => {
  it("canonicalises links: tracking parameters and fragments go", () => {
    expect(canonicalLink(" https://Tin.Example/a?utm_source=rss&id=5&fbclid=x#top ")).toBe(
      "https://tin.example/a?id=5",
    );
    expect(canonicalLink("https://tin.example/a?utm_medium=x")).toBe("https://tin.example/a");
    expect(canonicalLink("/rel", "https://tin.example/dir/")).toBe("https://tin.example/rel");
    expect(canonicalLink("javascript:alert(1)")).toBeUndefined();
  });

  it("keeps the publication date with its offset", () => {
    expect(parseFeedDate("Wed, 30 Aug 2017 20:03:00 +0700")).toBe("2017-08-30T20:03:00+07:00");
    expect(parseFeedDate("2024-02-29T15:30:00+07:00")).toBe("2024-02-29T15:30:00+07:00");
    expect(parseFeedDate("Thu, 29 Feb 2024 08:30:00 GMT")).toBe("2024-02-29T08:30:00Z");
    expect(parseFeedDate("29/02/2024 15:30")).toBe("2024-02-29T15:30:00+07:00");
    expect(parseFeedDate("2024-02-29 15:30:00")).toBe("2024-02-29T15:30:00+07:00");
    expect(parseFeedDate("hôm qua")).toBeUndefined();
  });

  it("ids: guid, else canonical link, else a hash of title + date", async () => {
    const make = (inner: string) =>
      `<rss version="2.0"><channel><title>T</title><item>${inner}</item></channel></rss>`;
    const one = async (inner: string) => {
      const feed = await parseFeed(make(inner));
      return normalizeItem(feed.items[0]!, "f", feed)!;
    };
    expect((await one("<title>A</title><guid>g-1</guid><link>https://x.example/a</link>")).id).toBe("g-1");
    const byLink = await one("<title>A</title><link>https://x.example/a?utm_source=z</link>");
    expect(byLink.id).toBe("https://x.example/a");
    const h1 = await one("<title>A</title><pubDate>Wed, 30 Aug 2017 20:03:00 +0700</pubDate>");
    const h2 = await one("<title>A</title><pubDate>Wed, 30 Aug 2017 20:03:00 +0700</pubDate>");
    expect(h1.id).toMatch(/^h:/);
    expect(h1.id).toBe(h2.id);
    expect(dedupeKeys({ ...byLink, id: "g" })).toEqual(["g", "https://x.example/a"]);
  });

  it("turns HTML into text with paragraph breaks and finds the first image", async () => {
    const xml = `<rss version="2.0"><channel><title>T</title><item><title>A</title><link>https://x.example/a</link>
      <description><![CDATA[<a href="/a"><img width=130 src="/i/a.jpg"></a></br>Đoạn một.<p>Đoạn&nbsp;hai.</p><script>x()</script><p>Ba</p>]]></description></item></channel></rss>`;
    const feed = await parseFeed(xml);
    const item = normalizeItem(feed.items[0]!, "f", feed)!;
    expect(item.text).toBe("Đoạn một.\n\nĐoạn hai.\n\nBa");
    expect(item.image).toBe("https://x.example/i/a.jpg");
  });
});
