import type { IncomingMessage, ServerResponse } from "node:http";
import { type Api, Bot, webhookCallback } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import type { Logger } from "../log.js";
import type { InboxRepo } from "../store/repos.js";
import { ALLOWED_UPDATES } from "./polling.js";

export interface WebhookIngestOptions {
  token: string;
  apiRoot: string;
  botInfo: UserFromGetMe;
  secret: string;
  inbox: InboxRepo;
  log: Logger;
  /** An update was kept (this process may be the one that handles them: no need to wait). */
  onUpdate?: () => void;
}

/**
 * The webhook as every instance serves it: grammY's webhookCallback refuses a request without
 * the secret header (401) and answers Telegram as soon as the update is kept in the
 * database's inbox, where the instance that handles updates takes it. Telegram re-delivers an
 * update whose answer was slow, perhaps to another instance: the inbox keeps it once, and the
 * handler's processed-update claim handles it once.
 */
export function createWebhookIngest(opts: WebhookIngestOptions) {
  const log = opts.log.child({ component: "webhook" });
  // A bot that only keeps updates: it never calls the API (botInfo given, no replies).
  const ingest = new Bot(opts.token, { botInfo: opts.botInfo, client: { apiRoot: opts.apiRoot } });
  ingest.use(async (ctx) => {
    const fresh = await opts.inbox.put(ctx.update);
    if (fresh) opts.onUpdate?.();
    else log.debug({ update: ctx.update.update_id }, "update received again; kept once");
  });
  ingest.catch((err) => {
    // The store failed: Telegram gets an error status and delivers the update again later.
    throw err.error;
  });
  const handle = webhookCallback(ingest, "http", {
    secretToken: opts.secret,
    // Keeping an update is one insert; if the database is that slow, Telegram retries.
    onTimeout: "throw",
    timeoutMilliseconds: 8000,
  });
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "POST") return void res.writeHead(405, { allow: "POST" }).end();
    try {
      await handle(req, res);
    } catch (err) {
      log.warn({ err }, "webhook update not kept; Telegram will deliver it again");
      if (!res.headersSent) res.writeHead(500).end();
    }
  };
}

/**
 * Registers the webhook: setWebhook with the same URL, secret and update kinds is idempotent,
 * so every instance does it at start (the secret cannot be read back to compare).
 */
export async function registerWebhook(api: Api, url: string, secret: string, log: Logger): Promise<void> {
  await api.setWebhook(url, { secret_token: secret, allowed_updates: [...ALLOWED_UPDATES] });
  log
    .child({ component: "webhook" })
    .info({ url: new URL(url).origin + new URL(url).pathname }, "webhook registered");
}

/** Long polling needs no webhook: one left by a webhook deployment would make getUpdates fail (409). */
export async function dropWebhook(api: Api, log: Logger): Promise<void> {
  const info = await api.getWebhookInfo();
  if (!info.url) return;
  log
    .child({ component: "webhook" })
    .warn(
      { url: new URL(info.url).origin },
      "a webhook is set but WEBHOOK_URL is not: deleting it to long-poll (pending updates kept)",
    );
  await api.deleteWebhook({ drop_pending_updates: false });
}
