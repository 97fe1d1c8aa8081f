import { createHmac, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** A subscription the hub verified. */
export interface HubSubscription {
  topic: string;
  callback: string;
  secret?: string | undefined;
  leaseSeconds: number;
}

/**
 * A small WebSub hub on 127.0.0.1, as the W3C recommendation describes one: a subscription
 * request (form POST) is accepted with 202, then verified by a GET on the callback with a
 * challenge that must come back; publish() POSTs content to the topic's subscribers, signed
 * with each one's secret in X-Hub-Signature (any of the four methods, or a bad signature).
 */
export class FakeHub {
  requests: Array<Record<string, string>> = [];
  verifications: Array<{ mode: string; topic: string; status: number; echoed: boolean }> = [];
  deliveries: Array<{ callback: string; status: number }> = [];
  subscriptions = new Map<string, HubSubscription>();
  /** The lease granted (the hub decides), seconds. */
  leaseSeconds = 3600;
  /** Answer subscription requests with this status instead of 202. */
  refuseWith: number | undefined;
  private server?: http.Server;
  private port = 0;
  private pending: Promise<void>[] = [];

  async start(): Promise<this> {
    const server = http.createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => {
        body += c;
      });
      req.on("end", () => {
        const form = Object.fromEntries(new URLSearchParams(body));
        this.requests.push(form);
        if (this.refuseWith) return void res.writeHead(this.refuseWith).end("no");
        if (!form["hub.callback"] || !form["hub.topic"] || !form["hub.mode"])
          return void res.writeHead(400).end();
        res.writeHead(202).end();
        // Verification of intent comes after the answer, as hubs do it.
        this.pending.push(this.verify(form));
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  private async verify(form: Record<string, string>): Promise<void> {
    const mode = form["hub.mode"] as string;
    const topic = form["hub.topic"] as string;
    const callback = form["hub.callback"] as string;
    const challenge = randomBytes(12).toString("hex");
    const url = new URL(callback);
    url.searchParams.set("hub.mode", mode);
    url.searchParams.set("hub.topic", topic);
    url.searchParams.set("hub.challenge", challenge);
    if (mode === "subscribe") url.searchParams.set("hub.lease_seconds", String(this.leaseSeconds));
    const res = await fetch(url);
    const text = await res.text();
    const echoed = res.status >= 200 && res.status < 300 && text === challenge;
    this.verifications.push({ mode, topic, status: res.status, echoed });
    if (!echoed) return;
    if (mode === "subscribe")
      this.subscriptions.set(callback, {
        topic,
        callback,
        secret: form["hub.secret"],
        leaseSeconds: this.leaseSeconds,
      });
    else this.subscriptions.delete(callback);
  }

  /** Every verification started so far has finished. */
  async settled(): Promise<void> {
    await Promise.all(this.pending);
  }

  /** Sends a verification the subscriber never asked for (someone else's request). */
  async forge(callback: string, mode: string, topic: string): Promise<{ status: number; body: string }> {
    const url = new URL(callback);
    url.searchParams.set("hub.mode", mode);
    url.searchParams.set("hub.topic", topic);
    url.searchParams.set("hub.challenge", "forged");
    const res = await fetch(url);
    return { status: res.status, body: await res.text() };
  }

  /** Delivers content to the topic's subscribers; returns how many got it. */
  async publish(
    topic: string,
    content: string,
    opts: {
      method?: "sha1" | "sha256" | "sha384" | "sha512";
      badSignature?: boolean;
      unsigned?: boolean;
    } = {},
  ): Promise<number> {
    let n = 0;
    for (const sub of this.subscriptions.values()) {
      if (sub.topic !== topic) continue;
      const method = opts.method ?? "sha256";
      const headers: Record<string, string> = {
        "content-type": "application/rss+xml; charset=utf-8",
        link: `<${this.url}>; rel="hub", <${topic}>; rel="self"`,
      };
      if (sub.secret && !opts.unsigned) {
        const mac = createHmac(method, opts.badSignature ? "not-the-secret" : sub.secret)
          .update(content)
          .digest("hex");
        headers["x-hub-signature"] = `${method}=${mac}`;
      }
      const res = await fetch(sub.callback, { method: "POST", headers, body: content });
      await res.arrayBuffer();
      this.deliveries.push({ callback: sub.callback, status: res.status });
      n++;
    }
    return n;
  }

  async close(): Promise<void> {
    await this.settled().catch(() => undefined);
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }
}
