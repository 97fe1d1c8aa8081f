import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../log.js";
import { projectRoot } from "../paths.js";
import {
  check,
  cleanOutput,
  inventedNumbers,
  isRefusal,
  MIN_OUTPUT_CHARS,
  VIETNAMESE_SHARE,
  vietnameseShare,
} from "./abstractive-checks.js";
import { truncateAtWord } from "./summary.js";

export { cleanOutput, inventedNumbers, isRefusal, MIN_OUTPUT_CHARS, VIETNAMESE_SHARE, vietnameseShare };

export interface AbstractiveOptions {
  /** Full URL of the chat completions endpoint, e.g. http://127.0.0.1:8080/v1/chat/completions */
  url: string;
  /** Sent as `Authorization: Bearer …` when set; never logged. */
  apiKey?: string | undefined;
  model: string;
  /** The system prompt (Vietnamese), read from a file by the caller (see {@link loadPrompt}). */
  prompt: string;
  /** Covers the whole exchange: connecting, the response headers and reading the body. */
  timeoutMs: number;
  /** Takes one request from today's cap (shared across instances in the database); false when the cap is used up. */
  takeQuota: () => Promise<boolean>;
  log: Logger;
  /** Injectable for tests; defaults to globalThis.fetch. */
  fetch?: typeof fetch;
}

export type AbstractiveFailure =
  | "quota"
  | "timeout"
  | "http"
  | "refusal"
  | "length"
  | "language"
  | "numbers"
  | "empty"
  | "error";

export type AbstractiveResult = { ok: true; text: string } | { ok: false; reason: AbstractiveFailure };

export interface Abstractive {
  /**
   * An abstractive summary of at most `maxChars` characters (UTF-16 units), or a failure
   * reason (the caller then falls back to the extractive summary). Never throws.
   */
  summarize(input: { title: string; text: string; maxChars: number }): Promise<AbstractiveResult>;
}

/** The article text sent to the model is cut (at a paragraph boundary) to at most this many characters. */
export const MAX_INPUT_CHARS = 12_000;
/**
 * The limit asked of the model, as a share of `maxChars`: models count characters badly and
 * tend to overshoot, and an over-long answer is rejected, never cut.
 */
const ASKED_SHARE = 0.9;

const DEFAULT_PROMPT = join(projectRoot(), "src", "text", "prompts", "summary.vi.txt");

/**
 * Reads the system prompt (by default `src/text/prompts/summary.vi.txt`, located from the
 * project root so it works from src/ via tsx and from dist/). Throws when the file is missing
 * or empty: a deployment without its prompt should fail at startup, not per article.
 */
export function loadPrompt(path: string = DEFAULT_PROMPT): string {
  const text = readFileSync(path, "utf8")
    .replace(/^\uFEFF/, "")
    .normalize("NFC")
    .trim();
  if (!text) throw new Error(`the summary prompt ${path} is empty`);
  return text;
}

export function createAbstractive(options: AbstractiveOptions): Abstractive {
  const log = options.log.child({ component: "abstractive" });
  const doFetch = options.fetch ?? globalThis.fetch;
  const model = options.model;

  async function run(
    title: string,
    source: string,
    maxChars: number,
  ): Promise<{ result: AbstractiveResult; status?: number; detail?: Record<string, unknown> }> {
    let granted: boolean;
    try {
      granted = await options.takeQuota();
    } catch (error) {
      return { result: fail("error"), detail: { stage: "quota", err: errorSummary(error) } };
    }
    if (!granted) return { result: fail("quota") };

    const asked = Math.max(MIN_OUTPUT_CHARS, Math.floor(maxChars * ASKED_SHARE));
    const body = {
      model,
      messages: [
        { role: "system", content: options.prompt },
        { role: "user", content: userMessage(title, source, asked) },
      ],
      temperature: 0.2,
      max_tokens: maxTokens(maxChars),
      stream: false,
    };
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json",
    };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;

    const signal = AbortSignal.timeout(options.timeoutMs);
    let status: number | undefined;
    let raw: string;
    try {
      const res = await doFetch(options.url, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        signal,
      });
      status = res.status;
      if (!res.ok) {
        // The error body may name the cause ("context size exceeded"): keep only its type/code.
        const errorType = await res
          .text()
          .then(openAiErrorType)
          .catch(() => undefined);
        return { result: fail("http"), status, detail: errorType ? { errorType } : {} };
      }
      raw = await res.text();
    } catch (error) {
      if (signal.aborted) return { result: fail("timeout"), status };
      return { result: fail("error"), status, detail: { stage: "request", err: errorSummary(error) } };
    }

    let message: { content: unknown; refusal: unknown; finishReason: unknown };
    try {
      message = readMessage(JSON.parse(raw));
    } catch (error) {
      return { result: fail("error"), status, detail: { stage: "response", err: errorSummary(error) } };
    }
    if (typeof message.refusal === "string" && message.refusal.trim()) {
      return { result: fail("refusal"), status };
    }
    if (message.content !== null && message.content !== undefined && typeof message.content !== "string") {
      return { result: fail("error"), status, detail: { stage: "response", err: "content is not a string" } };
    }
    const text = cleanOutput(typeof message.content === "string" ? message.content : "");
    const reason = check(text, title, source, maxChars, message.finishReason);
    if (reason) return { result: fail(reason), status, detail: { chars: text.length } };
    return { result: { ok: true, text }, status };
  }

  return {
    async summarize({ title, text, maxChars }) {
      const started = Date.now();
      const cleanTitle = truncateAtWord((title ?? "").normalize("NFC").replace(/\s+/g, " ").trim(), 500);
      const source = cutArticle((text ?? "").normalize("NFC").trim(), MAX_INPUT_CHARS);
      let outcome: Awaited<ReturnType<typeof run>>;
      if (!source) {
        // Nothing to summarise: do not spend a request on it.
        outcome = { result: fail("empty"), detail: { stage: "input" } };
      } else if (!(maxChars >= MIN_OUTPUT_CHARS)) {
        // No acceptable answer could fit: do not spend a request on it.
        outcome = { result: fail("length"), detail: { stage: "input", maxChars } };
      } else {
        try {
          outcome = await run(cleanTitle, source, maxChars);
        } catch (error) {
          outcome = { result: fail("error"), detail: { err: errorSummary(error) } };
        }
      }
      const ms = Date.now() - started;
      const { result, status, detail } = outcome;
      try {
        if (result.ok) {
          log.debug({ model, status, ms, chars: result.text.length, maxChars }, "abstractive summary");
        } else {
          log.warn(
            { model, reason: result.reason, status, ms, maxChars, ...detail },
            "abstractive summary rejected; using the extractive one",
          );
        }
      } catch {
        // A logger that throws must not turn into a thrown summarize().
      }
      return result;
    },
  };
}

function fail(reason: AbstractiveFailure): AbstractiveResult {
  return { ok: false, reason };
}

function userMessage(title: string, article: string, limit: number): string {
  return (
    `Tiêu đề: ${title}\n\nBài viết:\n${article}\n\n` +
    `Yêu cầu: Tóm tắt bài viết trên bằng tiếng Việt trong 2–4 câu. Tối đa ${limit} ký tự.`
  );
}

/**
 * Room for the answer in tokens. Vietnamese tokenises poorly (often 2–3 characters a token,
 * worse with older vocabularies), so this errs high; an answer cut by the limit is rejected
 * (finish_reason "length"), never used.
 */
export function maxTokens(maxChars: number): number {
  return Math.min(4096, Math.ceil(maxChars / 1.5) + 64);
}

/**
 * The article cut to at most `max` characters: at the last paragraph break that keeps at least
 * half, else the last line break, else at a word.
 */
export function cutArticle(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max + 2);
  for (const sep of ["\n\n", "\n"]) {
    const at = head.lastIndexOf(sep, max);
    if (at >= max / 2) return text.slice(0, at).trimEnd();
  }
  return truncateAtWord(text, max);
}

function readMessage(json: unknown): { content: unknown; refusal: unknown; finishReason: unknown } {
  const choices = isRecord(json) ? json.choices : undefined;
  const first = Array.isArray(choices) ? choices[0] : undefined;
  const message = isRecord(first) ? first.message : undefined;
  if (!isRecord(first) || !isRecord(message)) throw new Error("no choices[0].message in the response");
  return { content: message.content, refusal: message.refusal, finishReason: first.finish_reason };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `error.type` or `error.code` of an OpenAI-style error body, short, for the log. */
function openAiErrorType(body: string): string | undefined {
  try {
    const json: unknown = JSON.parse(body);
    const error = isRecord(json) ? json.error : undefined;
    if (!isRecord(error)) return undefined;
    const value = error.type ?? error.code;
    if (typeof value !== "string" && typeof value !== "number") return undefined;
    return String(value)
      .replace(/[^\w.-]/g, "")
      .slice(0, 60);
  } catch {
    return undefined;
  }
}

function errorSummary(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const cause = (error as { cause?: unknown }).cause;
  const code = isRecord(cause) && typeof cause.code === "string" ? ` (${cause.code})` : "";
  return `${error.name}: ${error.message.slice(0, 200)}${code}`;
}

// --- cleaning the answer ---------------------------------------------------------------------
