import type { ImportPlan, ImportResult } from "../feeds/opml-import.js";
import { escapeHtml, shorten } from "./html.js";

type T = (key: string, args?: Record<string, string | number>) => string;

/** Below Telegram's 4,096 visible characters, measured on the HTML (never shorter than what is shown). */
const MESSAGE_MAX = 3800;
const TITLE_MAX = 60;
const URL_MAX = 80;

/** 1 MB, 512 KB: sizes as people read them. */
export function formatSize(bytes: number): string {
  return bytes >= 1 << 20 && bytes % (1 << 20) === 0
    ? `${bytes / (1 << 20)} MB`
    : `${Math.ceil(bytes / 1024)} KB`;
}

const html = (s: string | undefined, max: number) => escapeHtml(shorten(s ?? "", max));

/** A bot admin in private sees the address whole (bounded: one line must never outgrow the message). */
function where(url: string | undefined): string {
  return url ? html(url, URL_MAX) : "";
}

/** Each group's head and its lines, cut to `cap` lines with "… and N more". */
function build(
  t: T,
  head: string,
  groups: Array<{ head: string; lines: string[] }>,
  foot: string,
  cap: number,
) {
  const parts = [head];
  for (const g of groups) {
    if (!g.lines.length) continue;
    parts.push("", g.head, ...g.lines.slice(0, cap));
    if (g.lines.length > cap) parts.push(t("opml-more", { count: g.lines.length - cap }));
  }
  parts.push("", foot);
  return parts.join("\n");
}

/** Fewer lines per group until the whole fits one message; the button still adds every new feed. */
function fitMessage(
  t: T,
  head: string,
  groups: Array<{ head: string; lines: string[] }>,
  foot: string,
): string {
  for (const cap of [60, 30, 15, 8, 4, 2, 1, 0]) {
    const text = build(t, head, groups, foot, cap);
    if (text.length <= MESSAGE_MAX) return text;
  }
  return build(t, head, groups, "", 0);
}

/** What an import would do, grouped (new, present, refused, unreadable), in one HTML message. */
export function renderPreview(
  t: T,
  plan: ImportPlan,
  info: { file: string; total: number; maxBytes: number; maxFeeds: number; probeSeconds: number },
): string {
  const reason = (r: ImportPlan["unreadable"][number]) =>
    r.reason === "no-url" || r.reason === "bad-url" || r.reason === "not-http"
      ? t(`opml-reason-${r.reason}`)
      : t(`feed-error-${r.reason}`, { status: r.httpStatus ?? 0 });
  const untitled = t("opml-untitled");
  const groups = [
    {
      head: t("opml-group-new", { count: plan.fresh.length }),
      lines: plan.fresh.map((f) =>
        t("opml-line-new", {
          name: html(f.name, 40),
          title: html(f.title ?? untitled, TITLE_MAX),
          url: where(f.url),
        }),
      ),
    },
    {
      head: t("opml-group-present", { count: plan.present.length }),
      lines: plan.present.map((p) =>
        t(p.by === "file" ? "opml-line-twice" : "opml-line-present", {
          title: html(p.title ?? p.url ?? untitled, TITLE_MAX),
          existing: html(p.existing, TITLE_MAX),
        }),
      ),
    },
    {
      head: t("opml-group-refused", { count: plan.refused.length }),
      lines: plan.refused.map((r) =>
        t("opml-line-refused", { title: html(r.title ?? untitled, TITLE_MAX), url: where(r.url) }),
      ),
    },
    {
      head: t("opml-group-unreadable", { count: plan.unreadable.length }),
      lines: plan.unreadable.map((u) =>
        t("opml-line-unreadable", {
          title: html(u.title ?? u.url ?? untitled, TITLE_MAX),
          reason: reason(u),
        }),
      ),
    },
  ];
  const head = t("opml-preview-title", { file: html(info.file, 60), count: info.total });
  const limits = t("opml-limits", {
    size: formatSize(info.maxBytes),
    max: info.maxFeeds,
    seconds: info.probeSeconds,
  });
  const foot = `${plan.fresh.length ? t("opml-confirm-ask", { count: plan.fresh.length }) : t("opml-nothing-new")}\n${limits}`;
  return fitMessage(t, head, groups, foot);
}

/** What the confirmation did: the names added (cut with "… and N more"), and those found present meanwhile. */
export function renderResult(t: T, result: ImportResult): string {
  const names: string[] = [];
  let size = 0;
  for (const f of result.added) {
    const name = `<b>${html(f.name, 40)}</b>`;
    if (size + name.length > MESSAGE_MAX - 400) break;
    names.push(name);
    size += name.length + 2;
  }
  const rest = result.added.length - names.length;
  const lines = [
    result.added.length
      ? t("opml-added", {
          count: result.added.length,
          names: `${names.join(", ")}${rest ? ` ${t("opml-more", { count: rest })}` : ""}`,
        })
      : t("opml-added-none"),
  ];
  if (result.present.length) lines.push(t("opml-added-present", { count: result.present.length }));
  return lines.join("\n");
}
