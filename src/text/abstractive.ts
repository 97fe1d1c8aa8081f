import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../log.js";
import { projectRoot } from "../paths.js";
import { truncateAtWord } from "./summary.js";

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
/** Shorter output is not a summary (a fragment, a label, "OK."). */
export const MIN_OUTPUT_CHARS = 40;
/**
 * Share of words carrying a Vietnamese diacritic letter at or above which a text counts as
 * Vietnamese. Vietnamese news prose measures about 0.55–0.85 (sentence by sentence, rarely
 * under 0.5); English, even thick with Vietnamese names, about 0.2 at most.
 */
export const VIETNAMESE_SHARE = 0.35;
/** Fewer letter words than this and the source language is not judged. */
const MIN_WORDS_FOR_LANGUAGE = 12;
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

const LABEL =
  /^(?:(?:bản\s+)?tóm\s+tắt(?:\s+(?:bài\s+viết|bài\s+báo|tin(?:\s+tức)?|nội\s+dung))?|tóm\s+lại|summary|tl;\s*dr)\s*(?:[:：.\-–—]\s*|$)/iu;
const QUOTES: ReadonlyArray<readonly [string, string]> = [
  ['"', '"'],
  ["“", "”"],
  ["«", "»"],
  ["„", "“"],
  ["'", "'"],
  ["‘", "’"],
];

/**
 * The model's answer as plain text: reasoning blocks (`<think>…</think>`) dropped, markdown
 * emphasis, bullets and heading lines removed, a leading "Tóm tắt:" label removed, surrounding
 * quotes removed, white space collapsed to single spaces, NFC.
 */
export function cleanOutput(content: string): string {
  let s = content.normalize("NFC").replace(/\r\n?/g, "\n");
  s = s.replace(/<think>[\s\S]*?<\/think>/gi, "");
  // A reasoning block that never closed (cut by max_tokens): nothing usable.
  if (/<think>/i.test(s)) return "";
  s = s.replace(/\*\*|__|`+/g, "");
  const lines = s.split("\n").map((l) => l.trim());
  const kept: string[] = [];
  for (const line of lines) {
    if (!line) continue;
    // Markdown headings ("## Tóm tắt", "# <the title>") and a bare label line.
    if (/^#{1,6}(?:\s|$)/.test(line)) continue;
    if (LABEL.test(line) && line.replace(LABEL, "").trim() === "") continue;
    kept.push(line.replace(/^(?:[-*•–]\s+)+/, ""));
  }
  s = kept.join(" ").replace(/\s+/g, " ").trim();
  for (let i = 0; i < 3; i++) {
    const before = s;
    s = s.replace(LABEL, "").trim();
    s = stripQuotes(s);
    if (s === before) break;
  }
  return s.normalize("NFC");
}

function stripQuotes(s: string): string {
  for (const [open, close] of QUOTES) {
    if (s.length >= 2 && s.startsWith(open) && s.endsWith(close)) {
      const inner = s.slice(open.length, s.length - close.length);
      // Only when the pair wraps the whole text, not `"A" nói … "B"`.
      if (!inner.includes(open) && !inner.includes(close)) return inner.trim();
    }
  }
  return s;
}

// --- checks ----------------------------------------------------------------------------------

/** Refusals and assistant talk at the start of the answer. */
const REFUSAL_START =
  /^(?:xin\s+lỗi|rất\s+tiếc|tôi\s+(?:không\s+thể|xin\s+phép|không\s+được\s+phép|là\s+(?:một\s+)?(?:mô\s+hình|trợ\s+lý|AI))|là\s+(?:một\s+)?(?:mô\s+hình\s+ngôn\s+ngữ|trợ\s+lý\s+AI)|với\s+tư\s+cách\s+là\s+(?:một\s+)?(?:mô\s+hình|trợ\s+lý|AI)|i\s+(?:cannot|can't|can’t|am\s+unable|'m\s+unable|’m\s+unable|won't|will\s+not)|i'm\s+sorry|i’m\s+sorry|sorry|as\s+an\s+ai|unfortunately)/iu;
/** Phrasings no news summary contains, anywhere in the answer. */
const REFUSAL_ANYWHERE =
  /(?:as\s+an\s+ai\b|as\s+a\s+language\s+model|là\s+(?:một\s+)?mô\s+hình\s+ngôn\s+ngữ|mô\s+hình\s+ngôn\s+ngữ\s+(?:AI|lớn)|tôi\s+không\s+thể\s+(?:tóm\s+tắt|hỗ\s+trợ|giúp|thực\s+hiện|cung\s+cấp|đáp\s+ứng)|\bi\s+(?:cannot|can't|can’t)\s+(?:help|assist|summari[sz]e|provide|comply|fulfil)|\bi(?:'m|’m|\s+am)\s+unable\s+to)/iu;

export function isRefusal(text: string): boolean {
  return REFUSAL_START.test(text) || REFUSAL_ANYWHERE.test(text);
}

function check(
  text: string,
  title: string,
  source: string,
  maxChars: number,
  finishReason: unknown,
): AbstractiveFailure | undefined {
  if (!text) return "empty";
  if (isRefusal(text)) return "refusal";
  // Cut off by max_tokens: the text ends mid-sentence even when it fits.
  if (finishReason === "length") return "length";
  if (text.length > maxChars || text.length < MIN_OUTPUT_CHARS) return "length";
  const src = vietnameseShare(`${title}\n${source}`);
  if (src.words >= MIN_WORDS_FOR_LANGUAGE && src.share >= VIETNAMESE_SHARE) {
    if (vietnameseShare(text).share < VIETNAMESE_SHARE) return "language";
  }
  if (inventedNumbers(text, `${title}\n${source}`).length > 0) return "numbers";
  return undefined;
}

/** Letters only Vietnamese (among Latin-script languages commonly seen here) writes this way. */
const VIETNAMESE_LETTER = /[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]/u;

/**
 * How Vietnamese a text looks: the share of its letter words that carry a Vietnamese diacritic
 * letter (after NFC, lower case). Vietnamese is written one syllable per word, and most
 * syllables carry a tone or vowel mark.
 */
export function vietnameseShare(text: string): { words: number; share: number } {
  const words =
    text
      .normalize("NFC")
      .toLowerCase()
      .match(/\p{L}+/gu) ?? [];
  if (words.length === 0) return { words: 0, share: 0 };
  let vi = 0;
  for (const w of words) if (VIETNAMESE_LETTER.test(w)) vi++;
  return { words: words.length, share: vi / words.length };
}

const NUMBER = /\d+(?:[.,]\d+)*/g;

/**
 * The forms a number compares by: separators unified (3,5 ≡ 3.5; 36.403 ≡ 36,403), leading
 * zeros dropped (05 ≡ 5), and for a grouped integer the digits alone (36.403 ≡ 36403).
 * Dates and ranges (29/2/2024, 2020-2025) are split into their parts by the pattern itself.
 */
function numberKeys(raw: string): string[] {
  const parts = raw.split(/[.,]/);
  const first = (parts[0] as string).replace(/^0+(?=\d)/, "");
  const rest = parts.slice(1);
  const keys = [[first, ...rest].join(".")];
  if (rest.length > 0 && rest.every((p) => p.length === 3)) {
    keys.push(`${first}${rest.join("")}`.replace(/^0+(?=\d)/, ""));
  }
  return keys;
}

/** Numbers in `output` that occur nowhere in `source` (compared by {@link numberKeys}). */
export function inventedNumbers(output: string, source: string): string[] {
  const known = new Set<string>();
  for (const m of source.normalize("NFC").matchAll(NUMBER)) for (const k of numberKeys(m[0])) known.add(k);
  const invented: string[] = [];
  for (const m of output.normalize("NFC").matchAll(NUMBER)) {
    if (!numberKeys(m[0]).some((k) => known.has(k))) invented.push(m[0]);
  }
  return invented;
}
