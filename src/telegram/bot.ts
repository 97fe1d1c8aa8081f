import { join } from "node:path";
import { I18n } from "@grammyjs/i18n";
import { sequentialize } from "@grammyjs/runner";
import { Bot, Composer, GrammyError, HttpError } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import type { Language } from "../domain/types.js";
import type { Logger } from "../log.js";
import { projectRoot } from "../paths.js";
import { type BotContext, type BotDeps, LANGUAGES } from "./context.js";
import { adminFeature } from "./features/admin.js";
import { bulletinFeature } from "./features/bulletin.js";
import { feedsFeature } from "./features/feeds.js";
import { filterFeature } from "./features/filter.js";
import { languageFeature } from "./features/language.js";
import { latestFeature } from "./features/latest.js";
import { membershipFeature } from "./features/membership.js";
import { opmlFeature } from "./features/opml.js";
import { searchFeature } from "./features/search.js";
import { settingsFeature } from "./features/settings.js";
import { startFeature } from "./features/start.js";
import { subscribeFeature } from "./features/subscribe.js";
import { unsubscribeFeature } from "./features/unsubscribe.js";

export const LOCALES_DIR = join(projectRoot(), "src", "telegram", "locales");

export function createI18n(defaultLanguage: Language, settings: BotDeps["settings"]): I18n<BotContext> {
  const i18n = new I18n<BotContext>({
    defaultLocale: defaultLanguage,
    // Fluent wraps variables in Unicode isolation marks by default; in Telegram they would
    // break /commands and @mentions inside messages.
    fluentBundleOptions: { useIsolating: false },
    // The person's choice, else their Telegram app language if we speak it, else the default.
    localeNegotiator: async (ctx) => {
      const chosen = ctx.from ? await settings.userLanguage(ctx.from.id) : undefined;
      if (chosen) return chosen;
      const code = ctx.from?.language_code?.slice(0, 2) as Language | undefined;
      return code && LANGUAGES.includes(code) ? code : defaultLanguage;
    },
  });
  i18n.loadLocalesDirSync(LOCALES_DIR);
  return i18n;
}

export interface BotOptions {
  token: string;
  apiRoot: string;
  deps: BotDeps;
  i18n: I18n<BotContext>;
  log: Logger;
  /** Skips getMe at start (tests). */
  botInfo?: UserFromGetMe;
  /** A Telegram call not answered within this is abandoned (grammY's default is 500 s). */
  timeoutSeconds?: number;
  /**
   * Claims an update id in the database: false when it was handled already (Telegram
   * re-delivers an update whose answer it did not see; several instances share the table).
   */
  claimUpdate?: (updateId: number) => Promise<boolean>;
}

/**
 * The grammY bot: context enrichment (i18n) → error boundary → one Composer per feature →
 * last resorts: an answer to any button no feature took, an "unknown command" reply in
 * private chats.
 */
export function createBot(opts: BotOptions): Bot<BotContext> {
  const log = opts.log.child({ component: "bot" });
  const bot = new Bot<BotContext>(opts.token, {
    client: {
      apiRoot: opts.apiRoot,
      ...(opts.timeoutSeconds ? { timeoutSeconds: opts.timeoutSeconds } : {}),
    },
    ...(opts.botInfo ? { botInfo: opts.botInfo } : {}),
  });
  const claim = opts.claimUpdate;
  if (claim) {
    bot.use(async (ctx, next) => {
      if (await claim(ctx.update.update_id)) return next();
      log.info({ update: ctx.update.update_id }, "update already handled; skipped");
    });
  }
  // One update at a time per chat (the runner handles chats concurrently), so two commands
  // in one chat cannot interleave their reads and writes.
  bot.use(sequentialize((ctx) => ctx.chat?.id.toString()));
  bot.use(opts.i18n);
  const features = new Composer<BotContext>();
  features.use(
    startFeature(opts.deps),
    latestFeature(opts.deps),
    searchFeature(opts.deps),
    feedsFeature(opts.deps),
    subscribeFeature(opts.deps, log),
    unsubscribeFeature(opts.deps, log),
    filterFeature(opts.deps, log.child({ feature: "filter" })),
    settingsFeature(opts.deps),
    bulletinFeature(opts.deps),
    languageFeature(opts.deps),
    adminFeature(opts.deps, log),
    opmlFeature(opts.deps, log),
    membershipFeature(opts.deps, log),
  );
  bot
    .errorBoundary(async (err) => {
      const ctx = err.ctx;
      // A reply dropped by the flood budget was logged there; a second reply would be dropped too.
      // (Told by name: telegram/ does not import delivery/.)
      if (err.error instanceof Error && err.error.name === "ReplyDroppedError") return;
      // A reply Telegram refused with 429 (twice, the budget retried once): another message
      // into that chat now would only make the flood worse.
      if (err.error instanceof GrammyError && err.error.error_code === 429) {
        log.warn({ update: ctx.update.update_id, chat: ctx.chat?.id }, "reply refused with 429; not retried");
        return;
      }
      log.error({ err: err.error, update: ctx.update.update_id }, "error while handling an update");
      // Tell the person, if Telegram lets us; nothing here may throw past the boundary.
      try {
        if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t("error-generic") });
        else if (ctx.chat && ctx.msg?.text?.startsWith("/")) await ctx.reply(ctx.t("error-generic"));
      } catch (error) {
        log.warn({ err: error, update: ctx.update.update_id }, "could not report the error to the user");
      }
    })
    .use(features);
  // Every button press gets an answer, or the user's app shows a spinner: a button no feature
  // took (an old menu, a bot version ago, or forged data) is answered as out of date.
  bot.on("callback_query", async (ctx) => {
    await ctx.answerCallbackQuery({ text: ctx.t("button-stale") }).catch((error: unknown) => {
      log.debug({ err: error }, "could not answer a stale button");
    });
  });
  bot.chatType("private").on("message:text", async (ctx) => {
    if (ctx.msg.text.startsWith("/")) await ctx.reply(ctx.t("unknown-command"));
  });
  bot.catch((err) => {
    const e = err.error;
    if (e instanceof GrammyError)
      log.error({ description: e.description, method: e.method }, "Telegram error");
    else if (e instanceof HttpError) log.error({ err: e.error }, "network error talking to Telegram");
    else log.error({ err: e }, "unexpected error");
  });
  return bot;
}

/** Command menus in vi and en: everyone, plus subscription commands for group admins and private chats. */
export async function setCommands(
  bot: Bot<BotContext>,
  i18n: I18n<BotContext>,
  defaultLanguage: Language,
): Promise<void> {
  const everyone = ["start", "help", "latest", "search", "feeds", "language"];
  const managers = [
    ...everyone,
    "subscribe",
    "unsubscribe",
    "filter",
    "settings",
    "bulletin",
    "quiet",
    "timezone",
  ];
  const list = (lang: string, names: string[]) =>
    names.map((command) => ({ command, description: i18n.t(lang, `cmd-${command}`) }));
  for (const lang of [undefined, ...LANGUAGES]) {
    const l = lang ?? defaultLanguage;
    const language = lang ? { language_code: lang } : {};
    await bot.api.setMyCommands(list(l, everyone), { scope: { type: "default" }, ...language });
    await bot.api.setMyCommands(list(l, managers), { scope: { type: "all_private_chats" }, ...language });
    await bot.api.setMyCommands(list(l, managers), {
      scope: { type: "all_chat_administrators" },
      ...language,
    });
  }
}
