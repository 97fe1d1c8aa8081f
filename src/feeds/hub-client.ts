import http from "node:http";
import https from "node:https";
import net from "node:net";
import { USER_AGENT } from "./fetch.js";
import { BlockedAddressError, createGuardedLookup, isInternalAddress } from "./ssrf.js";

/** A hub answers a subscription request at once (202) and verifies later: a short deadline. */
const HUB_TIMEOUT_MS = 10_000;

export interface HubAnswer {
  status: number;
  body: string;
}

/**
 * Sends a WebSub subscription request (a form POST) to a hub. A hub named by a feed added
 * through the bot is reached only through the SSRF guard (it is the feed's word, not the
 * operator's), like the feed itself.
 */
export function createHubClient(opts: { allowPrivate: boolean; isBlocked?: (ip: string) => boolean }) {
  const isBlocked = opts.isBlocked ?? isInternalAddress;
  const lookup = createGuardedLookup(isBlocked);
  const agents = {
    trusted: { http: new http.Agent(), https: new https.Agent() },
    guarded: { http: new http.Agent({ lookup }), https: new https.Agent({ lookup }) },
  };
  async function post(hub: string, form: Record<string, string>, trusted: boolean): Promise<HubAnswer> {
    const url = new URL(hub);
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new Error(`not an http(s) hub: ${url.protocol}`);
    const guarded = !trusted && !opts.allowPrivate;
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (guarded && net.isIP(host) && isBlocked(host)) throw new BlockedAddressError(host, host);
    const pool = guarded ? agents.guarded : agents.trusted;
    const body = new URLSearchParams(form).toString();
    const isHttps = url.protocol === "https:";
    return new Promise((resolve, reject) => {
      const req = (isHttps ? https : http).request(url, {
        method: "POST",
        agent: isHttps ? pool.https : pool.http,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(body),
          "user-agent": USER_AGENT,
        },
        timeout: HUB_TIMEOUT_MS,
      });
      req.once("timeout", () => req.destroy(new Error(`the hub did not answer within ${HUB_TIMEOUT_MS} ms`)));
      req.once("error", reject);
      req.once("response", (res) => {
        let text = "";
        res.setEncoding("utf8");
        // The hub's answer is only for the log: at most a few KB of it.
        res.on("data", (chunk: string) => {
          if (text.length < 2000) text += chunk;
        });
        res.once("end", () => resolve({ status: res.statusCode ?? 0, body: text.slice(0, 2000) }));
        res.once("error", reject);
      });
      req.end(body);
    });
  }
  return {
    post,
    close() {
      for (const pool of Object.values(agents)) {
        pool.http.destroy();
        pool.https.destroy();
      }
    },
  };
}

export type HubClient = ReturnType<typeof createHubClient>;
