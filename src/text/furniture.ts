/**
 * Page furniture that is only text, removed from an article's paragraphs before it is
 * summarised: what html.ts cannot see as an element (a byline paragraph, "Ảnh: …", a related
 * block written as plain paragraphs) and what Readability keeps inside the article body.
 * Rules are written for Vietnamese news sites (and work for English ones); each looks at one
 * paragraph and, for bylines, its place (first or last), never at the article's prose words.
 */

const END = "(?=$|[\\s:>»\\-–—.,!])";
/** The heading of a related-news block, or an inline "see also" link. */
const RELATED = new RegExp(
  `^(?:>>+|»+|\\[)?\\s*(?:tin tức liên quan|tin liên quan|bài liên quan|tin cùng chuyên mục|tin cùng chủ đề|tin cùng sự kiện|bài viết liên quan|xem thêm|đọc thêm|xem tiếp|đọc tiếp|có thể bạn quan tâm|bạn có thể quan tâm|tin mới nhất|tin khác|tin nổi bật|tin xem nhiều|related(?: news| articles| stories)?|read more|see also|more on this)${END}`,
  "iu",
);
/** The same heading inside a paragraph, after its prose ("… tiếp tục. Xem thêm: Lũ …"). */
const RELATED_INLINE =
  /(?:^|\s)(?:>>+\s*)?(?:xem thêm|đọc thêm|tin liên quan|bài liên quan|read more|see also)\s*(?::|>>|»)\s*\S/iu;
/** Photo, video and graphics credits that begin a caption. */
const CAPTION_START =
  /^[([]?\s*(?:ảnh minh họa|ảnh minh hoạ|ảnh|đồ họa|đồ hoạ|infographic|video|clip|nguồn ảnh|photo|image|picture)\s*(?::|-|–|$)/iu;
/** A credit at the end of a caption: "… trao thưởng (Ảnh: T.H)", "… - Ảnh: NHẬT LINH". */
const CREDIT_END =
  /\s*(?:[([]\s*(?:[Ảả]nh|ẢNH|[Ảả]nh minh họa|[Ảả]nh minh hoạ|[Đđ]ồ họa|[Đđ]ồ hoạ|[Pp]hoto)\s*:[^()[\]]{1,60}[)\]]|(?:\s[-–—]|\.)\s*(?:Ảnh|ẢNH|Ảnh minh họa|Đồ họa|Photo|PHOTO)\s*:\s*[^.!?]{1,50}|\s(?:Ảnh|ẢNH)\s*:\s*[\p{Lu}][^.!?]{0,40})\s*\.?$/u;
/** Matched on the lower-cased line (the case-insensitive flag made it scan slowly). */
const COPYRIGHT =
  /©|\(c\)\s|copyright|bản quyền thuộc|giữ bản quyền|all rights reserved|ghi rõ nguồn|không được sao chép|giấy phép (?:số|hoạt động)/;
const TAGS_LINE = /^(?:từ khóa|từ khoá|tags?|chủ đề|thẻ|keywords?)\s*:/iu;
/** Words of share bars, comment widgets and ad labels; a paragraph of only these is furniture. */
const WIDGET_WORDS = new RegExp(
  `(?:nghe đọc bài|nghe bài viết|nghe đọc|đọc bài|cỡ chữ|a[-+]|aa|gửi bình luận|viết bình luận|bình luận|chia sẻ|sao chép liên kết|copy link|in bài|lưu bài|lưu tin|báo lỗi|góp ý|phản hồi|theo dõi|quan tâm|thích|quảng cáo|advertisement|facebook|zalo|twitter|telegram|linkedin|pinterest|google news|messenger|e-?mail|tweet|share|like|comments?|print|lưu|in|x)${END}`,
  "giu",
);
const WEEKDAY =
  /(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|2|3|4|5|6|7)|chủ\s+nhật|cn|monday|tuesday|wednesday|thursday|friday|saturday|sunday)/giu;
const DATE_OR_TIME =
  /\d{1,2}\/\d{1,2}(?:\/\d{2,4})?|\d{1,2}[:h]\d{2}(?::\d{2})?|\d{4}-\d{2}-\d{2}|ngày\s+\d{1,2}\s+tháng\s+\d{1,2}(?:\s*(?:,|năm)\s*\d{4})?|\d{1,2}\s+tháng\s+\d{1,2}\s*(?:,|năm)\s*\d{4}\b/giu;
const DATE_WORDS =
  /(?:cập nhật|cập nhập|đăng|ngày đăng|lúc|ngày|giờ|gmt|utc|ict|published|updated|posted|am|pm|sa|ch)/giu;
/** A byline that names its source: "Theo TTXVN", "(Theo VnExpress)", "Nguồn: Reuters". */
const SOURCE_BYLINE =
  /^[([]?\s*(?:[Tt]heo|THEO|[Nn]guồn|NGUỒN|[Ss]ource|[Aa]ccording to)\s*:?\s+(?:(?:báo|tạp chí|đài|kênh|trang|hãng tin|hãng|cổng thông tin|the)\s+)?\p{Lu}[^\s,;]*(?:\s+[\p{L}\p{N}][^\s,;]*){0,4}[)\]]?\.?$/u;
const STAFF_BYLINE =
  /^[([]?\s*(?:pv|ctv|btv|tpv|nhóm pv|nhóm phóng viên|phóng viên|nhóm ctv|ttxvn|vna|reuters|afp|ap|nhóm tác giả)(?:\s*[-–/,]\s*[^\n]{1,40})?[)\]]?\.?$/iu;
/** Wire copy's credits: "Reporting by …; Editing by …". */
const WIRE_CREDIT =
  /^\(?(?:[Aa]dditional )?(?:[Rr]eporting|[Ww]riting|[Ee]diting|[Cc]ompiled|[Tt]ranslated) by\s+\p{Lu}[\p{L}.'-]*(?:\s+\p{Lu}[\p{L}.'-]*)+(?:\s*(?:;|,|and)\s*|\)|\.|$)/u;
/** A note after a byline's name: "Thu Hà (tổng hợp)", "Minh Anh (Theo Reuters)". */
const BYLINE_NOTE = /\s*\((?:tổng hợp|t\/h|th|lược dịch|biên dịch|dịch|theo [^()]{1,40})\)\.?$/iu;
/** A labelled byline: "Bài và ảnh: Ngọc Huấn", "Bài, ảnh: KHÁNH TRUNG", "Thực hiện: …". */
const LABELLED_BYLINE =
  /^(?:[Bb]ài(?:\s+và|,)?\s+ảnh|[Bb]ài|[Tt]in(?:\s+và|,)?\s+ảnh|[Tt]hực hiện|[Nn]hóm thực hiện|[Ll]ời|[Tt]ác giả)\s*:\s*\p{Lu}[^.!?]{0,50}$/u;
/** Site prefixes of a lead: "TTO - ", "(Dân trí) - ", "(NLĐO) - ", "VOV.VN - ". */
const LEAD_PREFIX =
  /^(?:\([^()\n]{2,30}\)|\p{Lu}[\p{L}.]*(?:\s+\p{Lu}[\p{L}.]*){0,3}\s*\([\p{Lu}./]{2,12}\)|TTO|NLĐO|LĐO|PLO|SGGPO|TPO|VOV(?:\.VN)?|VTV(?:\.vn)?|GDVN|NDO|CAND|QĐND|ANTĐ|VTC News|Zing(?:News)?|ZNEWS)\s*[-–—]\s+/u;

/** True for a short paragraph that is only a name or names ("Trần Thủy", "Thu Hà - Minh Đức", "T.H"). */
function isNameLine(p: string): boolean {
  if (p.length > 60 || /[.!?:;"“”]$/.test(p.replace(/\s*\)$/, ""))) return false;
  const parts = p
    .replace(/^[([]|[)\]]$/g, "")
    .split(/\s*(?:[-–—,&/|]|\svà\s|\sand\s)\s*/u)
    .filter(Boolean);
  if (parts.length === 0 || parts.length > 4) return false;
  let words = 0;
  for (const part of parts) {
    const ws = part.split(/\s+/);
    words += ws.length;
    if (ws.length > 5) return false;
    // Every word capitalised ("Trần Thủy", "NGỌC THÀNH") or an initial ("T.H", "H.L.").
    // "VOV.VN", "TTXVN" and "VnExpress" are names here too.
    if (!ws.every((w) => /^\p{Lu}[\p{L}\p{M}.]*$|^(?:\p{Lu}\.)+\p{Lu}?\.?$/u.test(w))) return false;
  }
  // One capitalised word is as likely a last word of prose ("Ba") as a name; initials are not.
  return words <= 10 && (words >= 2 || /^(?:\p{Lu}\.)+\p{Lu}?\.?$/u.test(parts[0] as string));
}

function isByline(line: string): boolean {
  if (line.length <= 200 && WIRE_CREDIT.test(line)) return true;
  const bare = line.length <= 90 ? line.replace(BYLINE_NOTE, "") : line;
  const p = bare || line;
  return (
    p.length <= 70 &&
    (isNameLine(p) || SOURCE_BYLINE.test(p) || STAFF_BYLINE.test(p) || LABELLED_BYLINE.test(p))
  );
}

function isDateLine(p: string): boolean {
  if (p.length > 90 || !/\d/.test(p)) return false;
  DATE_OR_TIME.lastIndex = 0;
  if (!DATE_OR_TIME.test(p)) return false;
  const rest = p
    .replace(WEEKDAY, "")
    .replace(DATE_OR_TIME, "")
    .replace(DATE_WORDS, "")
    .replace(/[+-]?\d+/g, "");
  return !/\p{L}{2,}/u.test(rest);
}

/** The words of WIDGET_WORDS, each alone: a widget line has no other word. */
const WIDGET_RUNS = new Set(
  (
    "nghe đọc bài viết cỡ chữ a aa gửi bình luận chia sẻ sao chép liên kết copy link in lưu tin báo " +
    "lỗi góp ý phản hồi theo dõi quan tâm thích quảng cáo advertisement facebook zalo twitter " +
    "telegram linkedin pinterest google news messenger e mail email tweet share like comment " +
    "comments print x"
  ).split(" "),
);

function isLetter(code: number, ch: string): boolean {
  if (code < 0x80) return (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
  if (code >= 0xc0 && code <= 0x24f) return code !== 0xd7 && code !== 0xf7;
  if ((code >= 0x300 && code <= 0x36f) || (code >= 0x1e00 && code <= 0x1eff)) return true;
  return code >= 0x250 && /[\p{L}\p{M}]/u.test(ch);
}

/**
 * False as soon as a word of `p` is not a widget's (for prose, at its first word): the
 * WIDGET_WORDS pass, an unanchored alternation tried at every position, runs only after.
 */
function mayBeWidgetLine(lower: string): boolean {
  let start = -1;
  for (let i = 0; i <= lower.length; i++) {
    const letter = i < lower.length && isLetter(lower.charCodeAt(i), lower[i] as string);
    if (letter && start < 0) start = i;
    else if (!letter && start >= 0) {
      if (!WIDGET_RUNS.has(lower.slice(start, i))) return false;
      start = -1;
    }
  }
  return true;
}

function isWidgetLine(p: string, lower: string): boolean {
  if (p.length > 120 || !mayBeWidgetLine(lower)) return false;
  return !/\p{L}/u.test(p.replace(WIDGET_WORDS, ""));
}

/** Cheap test before CREDIT_END, whose unanchored start costs a scan of every position. */
function mayHaveCredit(lower: string): boolean {
  return /ảnh|photo|họa|hoạ/.test(lower.length > 80 ? lower.slice(-80) : lower);
}

/** A paragraph that is furniture wherever it stands. */
export function isFurnitureLine(p: string): boolean {
  if (p.length > 300) return false;
  const lower = p.toLowerCase();
  return (
    CAPTION_START.test(p) ||
    (p.length <= 250 && COPYRIGHT.test(lower)) ||
    TAGS_LINE.test(p) ||
    isDateLine(p) ||
    isWidgetLine(p, lower) ||
    (p.length <= 250 && (RELATED.test(p) || /^(?:>>|»|►|▶)/u.test(p))) ||
    // A caption ending in its credit: "Lãnh đạo huyện trao thưởng … (Ảnh: T.H)".
    (mayHaveCredit(lower) && CREDIT_END.test(p))
  );
}

/** A related-news heading standing alone: the short paragraphs after it are its headlines. */
function isRelatedHeading(p: string): boolean {
  return p.length <= 40 && RELATED.test(p) && !/\p{L}/u.test(p.replace(RELATED, ""));
}

/** A headline of a related-news list: short, not a sentence of prose. */
function isHeadlineLike(p: string): boolean {
  return p.length <= 180 && !/[.!?]["”’)]*$/.test(p);
}

/**
 * The article's paragraphs without furniture: related-news blocks (heading and headlines),
 * inline "Xem thêm: …" links, captions and credits, date lines, copyright, share and comment
 * widgets, tag lists, and bylines that open or close the article. A site prefix on the lead
 * ("TTO - ") is removed. `text` has paragraphs separated by blank lines (as htmlToText gives).
 */
export function removeFurniture(text: string): string {
  if (!text) return text;
  const paragraphs = text.split(/\n{2,}/);
  const kept: string[] = [];
  for (let i = 0; i < paragraphs.length; i++) {
    let p = (paragraphs[i] as string).trim();
    if (!p) continue;
    if (isRelatedHeading(p)) {
      // Its headlines follow, each its own paragraph, until prose resumes.
      while (i + 1 < paragraphs.length && isHeadlineLike((paragraphs[i + 1] as string).trim())) i++;
      continue;
    }
    if (isFurnitureLine(p)) continue;
    // Prose with a "see also" link or a credit after it keeps the prose.
    const inline = RELATED_INLINE.exec(p);
    if (inline && p.length - inline.index <= 220) p = p.slice(0, inline.index).trim();
    if (p.length > 300 && mayHaveCredit(p.slice(-80).toLowerCase()) && CREDIT_END.test(p))
      p = p.replace(CREDIT_END, "").trim();
    if (p) kept.push(p);
  }
  // Bylines open or close an article: "Trần Thủy", "PV", "(Theo VnExpress)".
  while (kept.length > 1 && isByline(kept[kept.length - 1] as string)) kept.pop();
  while (kept.length > 1 && isByline(kept[0] as string)) kept.shift();
  if (kept.length) kept[0] = (kept[0] as string).replace(LEAD_PREFIX, "");
  return kept.join("\n\n");
}
