import { format } from "node:util";
import type { Transformer } from "grammy";
import type { Logger as CronLogger } from "node-cron";
import type { Logger } from "./log.js";

/**
 * Routes what the grammY runner and node-cron print on their own through pino (and so
 * through its scrubbing). What they print, from their sources:
 *
 * @grammyjs/runner 2.0.3 (out/runner.js)
 * - every failed `getUpdates` attempt, unless the runner is being stopped, is two calls:
 *   `console.error("[grammY runner] Error while fetching updates:")` then
 *   `console.error("[grammY runner]", error)` (a grammY HttpError whose `error` may hold
 *   `https://api.telegram.org/bot<token>/getUpdates`, or a GrammyError). It then retries
 *   (exponential back-off from 100 ms, up to 15 h) except on 401/409, which stop the runner.
 *   Only the documented `runner.silent: true` option turns this off.
 * - when `bot.errorHandler` (bot.catch) itself throws: a 12-call banner on console.error,
 *   from "::: ERROR ERROR ERROR :::" to "Here is your error object:" followed by the error.
 *   There is no option for it.
 *
 * node-cron 4.6.0 (dist/_shared.js): its logger prints
 * `[<ISO time>] [PID: <pid>] \x1b[32m[NODE-CRON]\x1b[32m \x1b[31m[ERROR]\x1b[0m <message>`,
 * with the error as a second argument, through console.error (a task function that
 * throws or rejects: the error itself, which also emits `execution:failed`; an event
 * listener that throws; run-coordinator failures; `shutdown()` failures), and warnings
 * through console.warn ("task still running, new execution blocked by overlap prevention!",
 * "missed execution at …" unless an `execution:missed` listener exists). Both the task
 * option `logger` and the global `setLogger(logger)` replace it (documented in its types).
 */

/**
 * A node-cron logger writing to pino (`component: "cron"`). Pass it as the `logger`
 * option of `createTask` (or to `setLogger` for every task and `shutdown()`), instead of
 * listening to `execution:failed`, which would log each failure twice.
 */
export function cronLogger(log: Logger): CronLogger {
  const clog = log.child({ component: "cron" });
  const withError = (level: "error" | "debug", message: unknown, err?: unknown) => {
    if (message instanceof Error) clog[level]({ err: message }, message.message);
    else if (typeof message === "string") {
      if (err !== undefined && err !== "") clog[level]({ err }, message);
      else clog[level](message);
    } else clog[level]({ err: message }, "cron task failed"); // a thrown non-Error
  };
  return {
    info: (message) => clog.info(message),
    warn: (message) => clog.warn(message),
    error: (message, err) => withError("error", message, err),
    debug: (message, err) => withError("debug", message, err),
  };
}

/**
 * A grammY API transformer that logs failed `getUpdates` calls (`component:
 * "grammy-runner"`, "error while fetching updates"), exactly when the runner would
 * print them: not while it is being stopped. Install it with
 * `bot.api.config.use(logUpdateFetchErrors(log))` and start the runner with
 * `runner: { silent: true }`. 401/409 (fatal for the runner) are errors, the rest warnings.
 */
export function logUpdateFetchErrors(log: Logger): Transformer {
  const rlog = log.child({ component: "grammy-runner" });
  return async (prev, method, payload, signal) => {
    if (method !== "getUpdates") return prev(method, payload, signal);
    try {
      const res = await prev(method, payload, signal);
      if (!res.ok && !signal?.aborted) {
        const fields = { error_code: res.error_code, description: res.description };
        if (fatal(res.error_code)) rlog.error(fields, "error while fetching updates");
        else rlog.warn(fields, "error while fetching updates");
      }
      return res;
    } catch (err) {
      if (!signal?.aborted) rlog.warn({ err }, "error while fetching updates");
      throw err;
    }
  };
}

function fatal(code: unknown): boolean {
  return code === 401 || code === 409;
}

const RUNNER_PREFIX = "[grammY runner]";
const BANNER_START = "::: ERROR ERROR ERROR :::";
const BANNER_LAST = "Here is your error object:";
const ESC = String.fromCharCode(27);
const ANSI_RE = new RegExp(`${ESC}\\[[0-9;]*m`, "g");
const CRON_RE = /^\[[^\]]*\] \[PID: \d+\] \[NODE-CRON\] \[(INFO|WARN|ERROR|DEBUG)\] ?/;

type ConsoleMethod = (...args: unknown[]) => void;

export interface ConsoleRouting {
  /** The console to patch (default: the global one). */
  console?: Pick<Console, "error" | "warn">;
}

/**
 * Safety net for output the libraries print with no option to redirect it: patches
 * `console.error` and `console.warn` so that only lines starting with "[grammY runner]",
 * the grammY runner's "::: ERROR ERROR ERROR :::" banner (up to and including its error
 * object), and node-cron's `[time] [PID: n] [NODE-CRON] [LEVEL]` lines go to `log`
 * (components "grammy-runner" and "cron"); any other call reaches the console unchanged.
 * Returns the uninstall function.
 */
export function routeLibraryConsole(log: Logger, options: ConsoleRouting = {}): () => void {
  const target = options.console ?? console;
  const rlog = log.child({ component: "grammy-runner" });
  const clog = log.child({ component: "cron" });
  const original = { error: target.error, warn: target.warn };
  let active = true;

  // The runner's lines come in synchronous runs; a microtask ends a run that broke off.
  let header: string | undefined;
  let banner: "off" | "body" | "error" = "off";
  let flushQueued = false;
  const queueFlush = () => {
    if (flushQueued) return;
    flushQueued = true;
    queueMicrotask(() => {
      flushQueued = false;
      if (header !== undefined) rlog.error(header);
      if (banner !== "off") rlog.error("the bot's error handler threw (grammY runner banner cut short)");
      header = undefined;
      banner = "off";
    });
  };

  const runnerLine = (args: unknown[]): boolean => {
    if (banner === "error") {
      banner = "off";
      const err = args[0];
      rlog.error({ err }, "the bot's error handler (bot.catch) threw an error");
      return true;
    }
    if (banner === "body") {
      if (args[0] === BANNER_LAST) banner = "error";
      return true;
    }
    const first = args[0];
    if (first === BANNER_START) {
      banner = "body";
      queueFlush();
      return true;
    }
    if (typeof first !== "string" || !first.startsWith(RUNNER_PREFIX)) return false;
    const text = first.slice(RUNNER_PREFIX.length).trim();
    const rest = args.slice(1);
    const err = rest.find((a) => typeof a === "object" && a !== null);
    const others = rest.filter((a) => a !== err);
    const message = [text, others.length ? format(...others) : ""].filter(Boolean).join(" ");
    if (err === undefined && others.length === 0 && header === undefined) {
      // "Error while fetching updates:" — the error follows in the next call.
      header = text.replace(/:$/, "");
      queueFlush();
      return true;
    }
    const msg = message || header || "grammY runner error";
    header = undefined;
    const code = (err as { error_code?: unknown } | undefined)?.error_code;
    if (err === undefined) rlog.error(msg);
    else if (fatal(code)) rlog.error({ err }, msg);
    else rlog.warn({ err }, msg);
    return true;
  };

  const cronLine = (args: unknown[]): boolean => {
    const first = args[0];
    if (typeof first !== "string" || !first.includes("[NODE-CRON]")) return false;
    const plain = first.replace(ANSI_RE, "");
    const m = CRON_RE.exec(plain);
    if (!m) return false;
    const level = (m[1] ?? "ERROR").toLowerCase() as "info" | "warn" | "error" | "debug";
    const message = plain.slice(m[0].length);
    const extra = args.slice(1).filter((a) => a !== "" && a !== undefined);
    const err = extra.find((a) => typeof a === "object" && a !== null);
    if (err !== undefined) clog[level]({ err }, message);
    else if (extra.length) clog[level](`${message} ${format(...extra)}`);
    else clog[level](message);
    return true;
  };

  const wrap =
    (name: "error" | "warn"): ConsoleMethod =>
    (...args: unknown[]) => {
      if (active) {
        try {
          if ((name === "error" && runnerLine(args)) || cronLine(args)) return;
        } catch {
          // never lose a line because routing failed: fall through to the console
        }
      }
      original[name].apply(target, args);
    };

  const patched = { error: wrap("error"), warn: wrap("warn") };
  target.error = patched.error;
  target.warn = patched.warn;
  return () => {
    active = false;
    // Restore only what is still ours; a later patch keeps working (we pass through).
    if (target.error === patched.error) target.error = original.error;
    if (target.warn === patched.warn) target.warn = original.warn;
  };
}
