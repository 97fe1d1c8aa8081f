import { createHmac, timingSafeEqual } from "node:crypto";

/** Signature methods a subscriber must accept (WebSub §7.1). */
const METHODS = new Set(["sha1", "sha256", "sha384", "sha512"]);

/**
 * Whether an `X-Hub-Signature` header (`method=hex`) is the HMAC of `body` with `secret`, by one
 * of the four methods; compared in constant time. A missing or malformed header is no match.
 */
export function signatureMatches(secret: string, header: string | undefined, body: Buffer): boolean {
  const m = /^(sha1|sha256|sha384|sha512)=([0-9a-f]+)$/i.exec(header?.trim() ?? "");
  const method = m?.[1]?.toLowerCase();
  if (!m || !method || !METHODS.has(method)) return false;
  const expected = createHmac(method, secret).update(body).digest();
  const given = Buffer.from(m[2] as string, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
