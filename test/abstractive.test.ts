import { writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../src/log.js";
import {
  type AbstractiveOptions,
  cleanOutput,
  createAbstractive,
  cutArticle,
  inventedNumbers,
  isRefusal,
  loadPrompt,
  MAX_INPUT_CHARS,
  vietnameseShare,
} from "../src/text/abstractive.js";
import { freePort, tempDir } from "./helpers.js";

const API_KEY = "sk-test-Abstractive-Key-0042";
const MODEL = "qwen2.5-7b-instruct";
const PROMPT = "Bạn là biên tập viên. Hãy tóm tắt bài báo bằng tiếng Việt.";

const TITLE = "Lộc Hà tổng kết 5 năm công tác xây dựng Đảng";
const ARTICLE = [
  "Chiều ngày 29/2/2024, Huyện ủy Lộc Hà tổ chức tổng kết công tác xây dựng Đảng nhiệm kỳ 2020 - 2025. Dự hội nghị có Trưởng ban Tuyên giáo Tỉnh ủy.",
  "Công tác xây dựng Đảng ở Lộc Hà đã có nhiều con số ấn tượng: mở 169 lớp quán triệt nghị quyết với 36.403 lượt người tham dự. Huyện kết nạp mới 373 đảng viên, đạt tỷ lệ 3,5% so với tổng số.",
  "Thời gian tới, Đảng bộ huyện Lộc Hà sẽ tập trung vào 3 nhiệm vụ trọng tâm về công tác xây dựng Đảng.",
].join("\n\n");
const GOOD =
  "Chiều 29/2/2024, Huyện ủy Lộc Hà tổng kết công tác xây dựng Đảng nhiệm kỳ 2020 - 2025. " +
  "Huyện đã mở 169 lớp quán triệt nghị quyết với 36.403 lượt người tham dự và kết nạp mới 373 đảng viên.";

// --- a fake OpenAI-compatible server ----------------------------------------------------------

interface Seen {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: {
    model: string;
    messages: Array<{ role: string; content: string }>;
    temperature: number;
    max_tokens: number;
    stream: boolean;
  };
}
type Reply = (res: http.ServerResponse) => void;

interface FakeLlm {
  url: string;
  requests: Seen[];
  reply: (r: Reply) => void;
  close: () => Promise<void>;
}

async function startLlm(): Promise<FakeLlm> {
  const requests: Seen[] = [];
  let reply: Reply = (res) => completion(GOOD)(res);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Seen["body"],
      });
      reply(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    requests,
    reply: (r) => {
      reply = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function completion(content: unknown, finishReason = "stop"): Reply {
  return (res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        id: "chatcmpl-1",
        object: "chat.completion",
        model: MODEL,
        choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: finishReason }],
      }),
    );
  };
}

function captureLog() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const log = createLogger("debug", sink);
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, out: () => lines.join(""), records };
}

let llm: FakeLlm;
let logs: ReturnType<typeof captureLog>;
let quotaCalls = 0;

beforeEach(async () => {
  llm = await startLlm();
  logs = captureLog();
  quotaCalls = 0;
});
afterEach(async () => {
  await llm.close();
});

function make(overrides: Partial<AbstractiveOptions> = {}) {
  return createAbstractive({
    url: llm.url,
    apiKey: API_KEY,
    model: MODEL,
    prompt: PROMPT,
    timeoutMs: 5_000,
    takeQuota: async () => {
      quotaCalls++;
      return true;
    },
    log: logs.log,
    ...overrides,
  });
}

const input = (maxChars = 400, text = ARTICLE) => ({ title: TITLE, text, maxChars });

/** The failure's warn line: reason given, no secret, no article text. */
function expectWarn(reason: string, status?: number) {
  const warn = logs.records().filter((r) => r.level === "warn");
  expect(warn).toHaveLength(1);
  expect(warn[0]).toMatchObject({ component: "abstractive", reason, model: MODEL });
  if (status !== undefined) expect(warn[0]?.status).toBe(status);
  expect(logs.out()).not.toContain(API_KEY);
  expect(logs.out()).not.toContain("quán triệt nghị quyết");
}

// --- behaviour --------------------------------------------------------------------------------

describe("createAbstractive", () => {
  it("returns a good summary and sends the model, the system prompt, the bearer key and the article", async () => {
    const result = await make().summarize(input(400));
    expect(result).toEqual({ ok: true, text: GOOD });

    expect(llm.requests).toHaveLength(1);
    const req = llm.requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/v1/chat/completions");
    expect(req.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(req.headers["content-type"]).toMatch(/^application\/json/);
    expect(req.body.model).toBe(MODEL);
    expect(req.body.temperature).toBe(0.2);
    expect(req.body.stream).toBe(false);
    expect(req.body.max_tokens).toBeGreaterThan(100);
    expect(req.body.max_tokens).toBeLessThanOrEqual(4096);
    expect(req.body.messages).toHaveLength(2);
    expect(req.body.messages[0]).toEqual({ role: "system", content: PROMPT });
    const user = req.body.messages[1]!;
    expect(user.role).toBe("user");
    expect(user.content.startsWith(`Tiêu đề: ${TITLE}\n\nBài viết:\n${ARTICLE}`)).toBe(true);
    const limit = Number(/Tối đa (\d+) ký tự/.exec(user.content)?.[1]);
    expect(limit).toBeGreaterThanOrEqual(40);
    expect(limit).toBeLessThanOrEqual(400);

    expect(quotaCalls).toBe(1);
    const lines = logs.records();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "debug", component: "abstractive", model: MODEL });
    expect(logs.out()).not.toContain(API_KEY);
    expect(logs.out()).not.toContain("quán triệt nghị quyết");
  });

  it("sends no Authorization header without a key", async () => {
    const result = await make({ apiKey: undefined }).summarize(input());
    expect(result.ok).toBe(true);
    expect(llm.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("cleans markdown, labels, bullets, quotes and reasoning blocks from the answer", async () => {
    llm.reply(
      completion(
        `<think>Người dùng muốn tóm tắt.</think>\n\n**Tóm tắt:**\n\n- “Chiều 29/2/2024, Huyện ủy Lộc Hà tổng kết công tác xây dựng Đảng nhiệm kỳ 2020 - 2025.\n- Huyện đã mở 169 lớp quán triệt nghị quyết với 36.403 lượt người tham dự và kết nạp mới 373 đảng viên.”`,
      ),
    );
    expect(await make().summarize(input())).toEqual({ ok: true, text: GOOD });
  });

  it("takes no request when the quota is used up", async () => {
    const result = await make({ takeQuota: async () => false }).summarize(input());
    expect(result).toEqual({ ok: false, reason: "quota" });
    expect(llm.requests).toHaveLength(0);
    expectWarn("quota");
  });

  it("gives up on a server that never answers within about the timeout", async () => {
    llm.reply(() => {
      // Never answers; the connection is closed by afterEach.
    });
    const started = Date.now();
    const result = await make({ timeoutMs: 300 }).summarize(input());
    const elapsed = Date.now() - started;
    expect(result).toEqual({ ok: false, reason: "timeout" });
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2_000);
    expect(llm.requests).toHaveLength(1);
    expectWarn("timeout");
  });

  it("counts the body read against the timeout", async () => {
    llm.reply((res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"choices":[{"message":{"role":"assistant","content":"Chiều');
      // …and the rest never comes.
    });
    const started = Date.now();
    const result = await make({ timeoutMs: 300 }).summarize(input());
    expect(result).toEqual({ ok: false, reason: "timeout" });
    expect(Date.now() - started).toBeLessThan(2_000);
    expectWarn("timeout", 200);
  });

  it("reports an HTTP error with its status", async () => {
    llm.reply((res) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { type: "server_error", message: `failed on: ${ARTICLE}` } }));
    });
    expect(await make().summarize(input())).toEqual({ ok: false, reason: "http" });
    expectWarn("http", 500);
    expect(logs.records()[0]?.errorType).toBe("server_error");
  });

  it.each([
    "Xin lỗi, tôi không thể tóm tắt bài viết này vì nội dung không phù hợp.",
    "Tôi không thể hỗ trợ yêu cầu này. Vui lòng cung cấp một bài viết khác để tóm tắt.",
    "I'm sorry, but I can't help with summarising this article right now.",
    "As an AI language model, I cannot summarize content about political parties.",
    "Là một mô hình ngôn ngữ, tôi không có khả năng đánh giá nội dung chính trị này.",
  ])("rejects a refusal: %s", async (answer) => {
    llm.reply(completion(answer));
    expect(await make().summarize(input())).toEqual({ ok: false, reason: "refusal" });
    expectWarn("refusal", 200);
  });

  it("rejects the OpenAI refusal field", async () => {
    llm.reply((res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ choices: [{ message: { content: null, refusal: "I can't do that." } }] }));
    });
    expect(await make().summarize(input())).toEqual({ ok: false, reason: "refusal" });
  });

  it("rejects an answer longer than maxChars without cutting it", async () => {
    llm.reply(completion(GOOD));
    expect(await make().summarize(input(GOOD.length - 1))).toEqual({ ok: false, reason: "length" });
    expectWarn("length", 200);
  });

  it("rejects an answer too short to be a summary", async () => {
    llm.reply(completion("Lộc Hà tổng kết công tác Đảng."));
    expect(await make().summarize(input())).toEqual({ ok: false, reason: "length" });
  });

  it("rejects an answer cut off by max_tokens", async () => {
    llm.reply(completion(GOOD, "length"));
    expect(await make().summarize(input())).toEqual({ ok: false, reason: "length" });
  });

  it("takes no request when maxChars leaves no room for a summary", async () => {
    expect(await make().summarize(input(20))).toEqual({ ok: false, reason: "length" });
    expect(llm.requests).toHaveLength(0);
    expect(quotaCalls).toBe(0);
  });

  it("rejects English output for a Vietnamese source", async () => {
    llm.reply(
      completion(
        "On 29/2/2024 the Lộc Hà district Party committee reviewed its Party building work for 2020 - 2025, " +
          "holding 169 classes with 36.403 participants and admitting 373 new members.",
      ),
    );
    expect(await make().summarize(input())).toEqual({ ok: false, reason: "language" });
    expectWarn("language", 200);
  });

  it("accepts English output for an English source", async () => {
    const english =
      "The district held 169 training classes attended by 36,403 people and admitted 373 new members this term.";
    llm.reply(completion(english));
    const result = await make().summarize({
      title: "District reviews five years of work",
      text: `${english} Officials said the next term would focus on three main tasks for the organisation.`,
      maxChars: 400,
    });
    expect(result).toEqual({ ok: true, text: english });
  });

  it("rejects a number the model invented", async () => {
    llm.reply(
      completion(
        "Chiều 29/2/2024, Huyện ủy Lộc Hà tổng kết công tác xây dựng Đảng. Huyện đã mở 196 lớp quán triệt nghị quyết với 36.403 lượt người tham dự.",
      ),
    );
    expect(await make().summarize(input())).toEqual({ ok: false, reason: "numbers" });
    expectWarn("numbers", 200);
  });

  it("accepts the source's numbers written another way", async () => {
    const answer =
      "Ngày 29/02, Huyện ủy Lộc Hà tổng kết công tác xây dựng Đảng năm 2024. Huyện mở 169 lớp với 36403 lượt người tham dự, kết nạp 373 đảng viên, đạt 3.5%.";
    llm.reply(completion(answer));
    expect(await make().summarize(input())).toEqual({ ok: true, text: answer });
  });

  it.each([
    ["malformed JSON", "{not json"],
    ["no choices", JSON.stringify({ object: "chat.completion", choices: [] })],
    ["content not a string", JSON.stringify({ choices: [{ message: { content: { text: "x" } } }] })],
  ])("reports %s as an error", async (_name, body) => {
    llm.reply((res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
    });
    expect(await make().summarize(input())).toEqual({ ok: false, reason: "error" });
    expectWarn("error", 200);
  });

  it("reports empty content as empty", async () => {
    llm.reply(completion("  \n**  **\n"));
    expect(await make().summarize(input())).toEqual({ ok: false, reason: "empty" });
    expectWarn("empty", 200);
  });

  it("reports a refused connection as an error", async () => {
    const port = await freePort();
    const result = await make({ url: `http://127.0.0.1:${port}/v1/chat/completions` }).summarize(input());
    expect(result).toEqual({ ok: false, reason: "error" });
    expectWarn("error");
  });

  it("never throws, whatever fails", async () => {
    const throwingFetch = (() => {
      throw new TypeError("boom");
    }) as unknown as typeof fetch;
    expect(await make({ fetch: throwingFetch }).summarize(input())).toEqual({ ok: false, reason: "error" });
    const badQuota = make({
      takeQuota: () => Promise.reject(new Error("database is locked")),
    });
    expect(await badQuota.summarize(input())).toEqual({ ok: false, reason: "error" });
    expect(llm.requests).toHaveLength(0);
  });

  it("uses an injected fetch", async () => {
    const calls: string[] = [];
    const fakeFetch: typeof fetch = async (url, init) => {
      calls.push(String(url));
      expect(init?.signal).toBeInstanceOf(AbortSignal);
      return new Response(
        JSON.stringify({ choices: [{ message: { content: GOOD }, finish_reason: "stop" }] }),
        { status: 200, headers: { "content-type": "application/json" } },
      );
    };
    expect(
      await make({ url: "http://llm.invalid/v1/chat/completions", fetch: fakeFetch }).summarize(input()),
    ).toEqual({
      ok: true,
      text: GOOD,
    });
    expect(calls).toEqual(["http://llm.invalid/v1/chat/completions"]);
  });

  it("sends at most 12,000 characters of a long article, cut at a paragraph", async () => {
    const paragraph = `${"Hội nghị tổng kết công tác xây dựng Đảng ở huyện Lộc Hà. ".repeat(10).trim()}`;
    const long = Array.from({ length: 60 }, () => paragraph).join("\n\n");
    expect(long.length).toBeGreaterThan(MAX_INPUT_CHARS);
    llm.reply(
      completion("Huyện Lộc Hà tổ chức hội nghị tổng kết công tác xây dựng Đảng trong nhiệm kỳ vừa qua."),
    );
    const result = await make().summarize(input(400, long));
    expect(result.ok).toBe(true);
    const content = llm.requests[0]!.body.messages[1]!.content;
    const article = content.slice(
      content.indexOf("Bài viết:\n") + "Bài viết:\n".length,
      content.indexOf("\n\nYêu cầu:"),
    );
    expect(article.length).toBeLessThanOrEqual(MAX_INPUT_CHARS);
    expect(article.length).toBeGreaterThan(MAX_INPUT_CHARS / 2);
    expect(long.startsWith(article)).toBe(true);
    expect(long.slice(article.length, article.length + 2)).toBe("\n\n");
  });
});

// --- pieces -----------------------------------------------------------------------------------

describe("inventedNumbers", () => {
  it("splits dates, normalises separators and leading zeros", () => {
    const source = "Ngày 29/2/2024 có 36.403 lượt người, tăng 3,5% so với năm 2020.";
    expect(
      inventedNumbers("Ngày 29/02/2024: 36,403 lượt, 36403 người, tăng 3.5%, năm 2020.", source),
    ).toEqual([]);
    expect(inventedNumbers("Có 36.404 lượt người, ngày 30/2.", source)).toEqual(["36.404", "30"]);
    expect(inventedNumbers("Tăng 35%.", source)).toEqual(["35"]);
  });
});

describe("vietnameseShare", () => {
  it("tells Vietnamese from English with Vietnamese names", () => {
    expect(vietnameseShare(ARTICLE).share).toBeGreaterThan(0.5);
    expect(
      vietnameseShare("The Lộc Hà district in Hà Tĩnh province reviewed its work on Thursday.").share,
    ).toBeLessThan(0.35);
  });
});

describe("isRefusal", () => {
  it("does not take news about an apology for a refusal", () => {
    expect(
      isRefusal("Công ty điện lực đã xin lỗi khách hàng vì sự cố mất điện kéo dài 5 giờ tại Hà Tĩnh."),
    ).toBe(false);
    expect(isRefusal("Xin lỗi, tôi không thể giúp việc này.")).toBe(true);
  });
});

describe("cleanOutput", () => {
  it("drops headings and collapses white space", () => {
    expect(cleanOutput("## Tóm tắt\n\nCâu   một.\n\n* Câu hai.")).toBe("Câu một. Câu hai.");
    expect(cleanOutput("<think>unfinished reasoning")).toBe("");
  });
});

describe("cutArticle", () => {
  it("leaves short text alone and cuts a single giant paragraph at a word", () => {
    expect(cutArticle("ngắn", 100)).toBe("ngắn");
    const cut = cutArticle("từ ".repeat(100), 50);
    expect(cut.length).toBeLessThanOrEqual(50);
    expect(cut.endsWith("…")).toBe(true);
  });
});

describe("loadPrompt", () => {
  it("reads the bundled Vietnamese prompt", () => {
    const prompt = loadPrompt();
    expect(prompt.length).toBeGreaterThan(200);
    expect(prompt).toContain("tiếng Việt");
    expect(prompt).toContain("Tối đa");
    expect(prompt).toBe(prompt.normalize("NFC"));
    expect(vietnameseShare(prompt).share).toBeGreaterThan(0.5);
  });

  it("reads a given file and refuses an empty one", () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, "p.txt");
      writeFileSync(path, "\uFEFF  Tóm tắt bài báo.\n");
      expect(loadPrompt(path)).toBe("Tóm tắt bài báo.");
      writeFileSync(path, "\n");
      expect(() => loadPrompt(path)).toThrow(/empty/);
      expect(() => loadPrompt(join(dir.path, "missing.txt"))).toThrow();
    } finally {
      dir.cleanup();
    }
  });
});
