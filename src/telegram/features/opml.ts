import { randomBytes } from "node:crypto";
import { Composer, InlineKeyboard, InputFile } from "grammy";
import type { Document } from "grammy/types";
import { OpmlError, parseOpml } from "../../feeds/opml.js";
import { exportOpml } from "../../feeds/opml-export.js";
import {
  applyImport,
  OPML_MAX_BYTES,
  OPML_MAX_FEEDS,
  type PlannedFeed,
  PROBE_TIMEOUT_MS,
  planImport,
} from "../../feeds/opml-import.js";
import type { Logger } from "../../log.js";
import { OPML_IMPORT_TTL_MS } from "../../store/opml-imports.js";
import type { BotContext, BotDeps } from "../context.js";
import { formatSize, renderPreview, renderResult } from "../opml-preview.js";

/** How long the file's download from the Bot API may take. */
const DOWNLOAD_TIMEOUT_MS = 30_000;

const isOpmlFile = (d: Document) =>
  /\.opml$/i.test(d.file_name ?? "") || /^(?:text|application)\/x-opml\b/i.test(d.mime_type ?? "");

/**
 * OPML in and out. A bot admin sends an `.opml` file in private (or answers one with /import):
 * the bot reads it, reads each new feed once, and shows what it would add; the button adds
 * them. The pending import lives in the database (any instance, after a restart), and the
 * button moves it on by compare-and-swap, so a double tap adds once. /export sends the feed
 * list as an OPML file: full addresses only to a bot admin in private, as /feeds shows them.
 */
export function opmlFeature(deps: BotDeps, parent: Logger): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const opml = deps.opml;
  if (!opml) return composer;
  const log = parent.child({ feature: "opml" });
  const isAdmin = (ctx: BotContext) => ctx.from !== undefined && deps.adminIds.has(ctx.from.id);

  /** The file's bytes from the Bot API's file endpoint (the URL holds the token: never logged). */
  async function download(ctx: BotContext, doc: Document): Promise<Buffer> {
    const file = await ctx.api.getFile(doc.file_id);
    if (!file.file_path) throw new Error("getFile returned no file_path");
    const root = (ctx.api.options?.apiRoot ?? "https://api.telegram.org").replace(/\/+$/, "");
    const res = await fetch(`${root}/file/bot${ctx.api.token}/${file.file_path}`, {
      signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS),
    });
    if (!res.ok || !res.body) throw new Error(`file download answered HTTP ${res.status}`);
    const chunks: Buffer[] = [];
    let size = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return Buffer.concat(chunks);
      size += value.length;
      if (size > OPML_MAX_BYTES) {
        await reader.cancel();
        throw new Error(`file over ${OPML_MAX_BYTES} bytes`);
      }
      chunks.push(Buffer.from(value));
    }
  }

  async function runImport(ctx: BotContext, doc: Document): Promise<void> {
    if (!opml || !ctx.chat || !ctx.from) return;
    if ((doc.file_size ?? 0) > OPML_MAX_BYTES)
      return void (await ctx.reply(
        ctx.t("opml-too-big", { size: formatSize(doc.file_size ?? 0), max: formatSize(OPML_MAX_BYTES) }),
      ));
    let bytes: Buffer;
    try {
      bytes = await download(ctx, doc);
    } catch (error) {
      log.warn(
        { err: (error as Error)?.message, by: ctx.from.id, size: doc.file_size },
        "opml download failed",
      );
      return void (await ctx.reply(ctx.t("opml-download-failed")));
    }
    let entries: ReturnType<typeof parseOpml>["entries"];
    try {
      entries = parseOpml(bytes, { maxEntries: OPML_MAX_FEEDS }).entries;
    } catch (error) {
      if (!(error instanceof OpmlError)) throw error;
      log.info({ by: ctx.from.id, problem: error.problem, err: error.message }, "opml file refused");
      const problem = ctx.t(`opml-problem-${error.problem}`, { line: error.line ?? 0, max: OPML_MAX_FEEDS });
      return void (await ctx.reply(ctx.t("opml-bad-file", { problem }), { parse_mode: "HTML" }));
    }
    if (!entries.length) return void (await ctx.reply(ctx.t("opml-empty")));
    await ctx.reply(ctx.t("opml-checking", { count: entries.length }));
    const plan = await planImport(entries, {
      existing: await deps.feeds.all(),
      reserved: opml.reservedNames,
      probe: opml.probe,
    });
    const text = renderPreview(ctx.t.bind(ctx), plan, {
      file: doc.file_name ?? "feeds.opml",
      total: entries.length,
      maxBytes: OPML_MAX_BYTES,
      maxFeeds: OPML_MAX_FEEDS,
      probeSeconds: PROBE_TIMEOUT_MS / 1000,
    });
    const counts = {
      fresh: plan.fresh.length,
      present: plan.present.length,
      refused: plan.refused.length,
      unreadable: plan.unreadable.length,
    };
    if (!plan.fresh.length) {
      log.info({ by: ctx.from.id, ...counts }, "opml import previewed: nothing new");
      return void (await ctx.reply(text, {
        parse_mode: "HTML",
        link_preview_options: { is_disabled: true },
      }));
    }
    const id = randomBytes(9).toString("base64url");
    const now = Date.now();
    // Old previews nobody answered go here, not on a timer: imports are rare.
    await opml.imports.purge(now - 7 * OPML_IMPORT_TTL_MS);
    await opml.imports.create({
      id,
      userId: ctx.from.id,
      chatId: ctx.chat.id,
      feeds: JSON.stringify(plan.fresh),
      at: now,
    });
    log.info({ by: ctx.from.id, import: id, ...counts }, "opml import previewed");
    await ctx.reply(text, {
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
      reply_markup: new InlineKeyboard()
        .text(ctx.t("opml-confirm", { count: plan.fresh.length }), `opml:ok:${id}`)
        .text(ctx.t("opml-cancel"), `opml:no:${id}`),
    });
  }

  composer.command("import", async (ctx) => {
    if (!isAdmin(ctx)) return void (await ctx.reply(ctx.t("admin-only")));
    if (ctx.chat.type !== "private") return void (await ctx.reply(ctx.t("opml-private")));
    const doc = ctx.msg.reply_to_message?.document;
    if (!doc) return void (await ctx.reply(ctx.t("opml-import-usage")));
    await runImport(ctx, doc);
  });

  // An .opml file sent to the bot in private by a bot admin; any other file is not ours.
  composer.chatType("private").on("message:document", async (ctx, next) => {
    if (!isAdmin(ctx) || !isOpmlFile(ctx.msg.document)) return next();
    await runImport(ctx, ctx.msg.document);
  });

  /** Why a button did nothing, in words. */
  async function why(ctx: BotContext, id: string): Promise<string> {
    const row = await opml?.imports.get(id);
    if (row?.state === "done" || row?.state === "adding") return ctx.t("opml-already-done");
    if (row?.state === "cancelled") return ctx.t("opml-cancelled");
    return ctx.t("opml-expired");
  }

  composer.callbackQuery(/^opml:(ok|no):([\w-]{8,32})$/, async (ctx) => {
    if (!isAdmin(ctx))
      return void (await ctx.answerCallbackQuery({ text: ctx.t("admin-only"), show_alert: true }));
    const id = ctx.match[2] as string;
    const dropButtons = () =>
      ctx
        .editMessageReplyMarkup()
        .catch((err: unknown) => log.debug({ err }, "could not remove the buttons"));
    if (ctx.match[1] === "no") {
      const cancelled = await opml.imports.cancel(id);
      await ctx.answerCallbackQuery({ text: cancelled ? ctx.t("opml-cancelled") : await why(ctx, id) });
      await dropButtons();
      if (cancelled) await ctx.reply(ctx.t("opml-cancelled"));
      return;
    }
    // One statement decides who adds: a second tap, here or on another instance, gets nothing.
    const claimed = await opml.imports.claim(id, Date.now());
    if (claimed === undefined) {
      await ctx.answerCallbackQuery({ text: await why(ctx, id) });
      return void (await dropButtons());
    }
    await ctx.answerCallbackQuery({ text: ctx.t("opml-adding") });
    const planned = JSON.parse(claimed) as PlannedFeed[];
    const result = await applyImport(deps.feeds, planned, { by: ctx.from.id, reserved: opml.reservedNames });
    await opml.imports.finish(id);
    log.info(
      { by: ctx.from.id, import: id, added: result.added.length, present: result.present.length },
      "opml import added",
    );
    await dropButtons();
    await ctx.reply(renderResult(ctx.t.bind(ctx), result), { parse_mode: "HTML" });
  });

  // /export: the feed list as an OPML 2.0 file.
  composer.command("export", async (ctx) => {
    const full = ctx.chat.type === "private" && isAdmin(ctx);
    const out = await exportOpml(deps, { full, title: "bantin" });
    if (!out.feeds) return void (await ctx.reply(ctx.t("opml-export-empty")));
    const day = new Intl.DateTimeFormat("en-CA", { timeZone: deps.timeZone }).format(new Date());
    const caption = `${ctx.t("opml-export-caption", { count: out.feeds })}${full ? "" : `\n${ctx.t("opml-export-public")}`}`;
    log.info({ by: ctx.from?.id, chat: ctx.chat.id, feeds: out.feeds, full }, "opml exported");
    await ctx.replyWithDocument(new InputFile(Buffer.from(out.xml, "utf8"), `bantin-${day}.opml`), {
      caption,
    });
  });
  return composer;
}
