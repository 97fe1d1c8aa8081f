import type { LookupAddress } from "node:dns";
import { describe, expect, it } from "vitest";
import { createFetcher, type FetchOptions } from "../src/feeds/fetch.js";
import {
  BlockedAddressError,
  createGuardedLookup,
  type DnsLookup,
  isInternalAddress,
} from "../src/feeds/ssrf.js";

const INTERNAL = true;
const PUBLIC = false;

// [address, verdict, what it is]
const table: [string, boolean, string][] = [
  // IPv4
  ["127.0.0.1", INTERNAL, "loopback"],
  ["10.1.2.3", INTERNAL, "private"],
  ["172.31.255.255", INTERNAL, "private"],
  ["192.168.1.1", INTERNAL, "private"],
  ["169.254.169.254", INTERNAL, "link-local / metadata"],
  ["100.64.0.1", INTERNAL, "CGNAT"],
  ["0.0.0.0", INTERNAL, "this host"],
  ["192.0.0.170", INTERNAL, "NAT64 discovery"],
  ["198.18.0.1", INTERNAL, "benchmarking"],
  ["198.19.255.255", INTERNAL, "benchmarking (end)"],
  ["203.0.113.9", INTERNAL, "TEST-NET-3"],
  ["224.0.0.1", INTERNAL, "multicast"],
  ["240.0.0.1", INTERNAL, "reserved"],
  ["255.255.255.255", INTERNAL, "limited broadcast"],
  ["127.1", INTERNAL, "not strict dotted quad: refused"],
  ["8.8.8.8", PUBLIC, "public"],
  ["1.1.1.1", PUBLIC, "public"],
  ["198.20.0.1", PUBLIC, "just past benchmarking"],
  ["203.113.1.1", PUBLIC, "public"],
  // IPv6 basics
  ["::", INTERNAL, "unspecified"],
  ["0:0:0:0:0:0:0:0", INTERNAL, "unspecified, expanded"],
  ["::1", INTERNAL, "loopback"],
  ["0000:0000:0000:0000:0000:0000:0000:0001", INTERNAL, "loopback, expanded"],
  ["fe80::1", INTERNAL, "link-local"],
  ["FE80::1", INTERNAL, "link-local, upper case"],
  ["fe80::1%eth0", INTERNAL, "link-local with zone id"],
  ["2606:4700::1111%eth0", INTERNAL, "zone id on a public address: refused"],
  ["fd00::1", INTERNAL, "unique local"],
  ["fec0::1", INTERNAL, "site-local"],
  ["ff02::1", INTERNAL, "multicast"],
  ["[::1]", INTERNAL, "bracketed: not an address, refused"],
  ["2606:4700::1111", PUBLIC, "public"],
  ["2001:4860:4860::8888", PUBLIC, "public"],
  ["2a00:1450:4001:82a::200e", PUBLIC, "public"],
  // IPv4-mapped ::ffff:0:0/96
  ["::ffff:127.0.0.1", INTERNAL, "mapped loopback"],
  ["::ffff:7f00:1", INTERNAL, "mapped loopback, hex"],
  ["::FFFF:7F00:0001", INTERNAL, "mapped loopback, upper case"],
  ["0:0:0:0:0:ffff:a9fe:a9fe", INTERNAL, "mapped metadata, expanded"],
  ["::ffff:8.8.8.8", PUBLIC, "mapped public"],
  ["::ffff:808:808", PUBLIC, "mapped public, hex"],
  // IPv4-compatible ::/96
  ["::127.0.0.1", INTERNAL, "compatible loopback"],
  ["::7f00:1", INTERNAL, "compatible loopback, hex"],
  ["0:0:0:0:0:0:127.0.0.1", INTERNAL, "compatible loopback, expanded with dotted tail"],
  ["0000:0000:0000:0000:0000:0000:7F00:0001", INTERNAL, "compatible loopback, expanded upper case"],
  ["::10.0.0.1", INTERNAL, "compatible private"],
  ["::a9fe:a9fe", INTERNAL, "compatible metadata"],
  ["::2", INTERNAL, "compatible 0.0.0.2"],
  ["::0.0.0.1", INTERNAL, "::1 spelt with a dotted tail"],
  ["::8.8.8.8", PUBLIC, "compatible public"],
  ["::808:808", PUBLIC, "compatible public, hex"],
  // IPv4-translated ::ffff:0:0:0/96
  ["::ffff:0:127.0.0.1", INTERNAL, "translated loopback"],
  ["::ffff:0:7f00:1", INTERNAL, "translated loopback, hex"],
  ["0:0:0:0:ffff:0:c0a8:101", INTERNAL, "translated private, expanded"],
  ["::FFFF:0:192.168.1.1", INTERNAL, "translated private, upper case"],
  ["::ffff:0:8.8.8.8", PUBLIC, "translated public"],
  ["::ffff:0:808:808", PUBLIC, "translated public, hex"],
  // NAT64 64:ff9b::/96 (well-known) and 64:ff9b:1::/48 (local-use)
  ["64:ff9b::a9fe:a9fe", INTERNAL, "NAT64 metadata"],
  ["64:ff9b::127.0.0.1", INTERNAL, "NAT64 loopback, dotted"],
  ["64:ff9b::8.8.8.8", PUBLIC, "NAT64 public"],
  ["64:ff9b:1::1", INTERNAL, "local-use NAT64"],
  ["64:ff9b:1::8.8.8.8", INTERNAL, "local-use NAT64, public IPv4 inside: still refused"],
  ["64:ff9b:1:ffff:ffff:ffff:ffff:ffff", INTERNAL, "local-use NAT64 (end)"],
  ["0064:FF9B:0001:0000:0000:0000:0808:0808", INTERNAL, "local-use NAT64, expanded upper case"],
  ["64:ff9b:2::1", INTERNAL, "unallocated, outside 2000::/3"],
  // 6to4 2002::/16
  ["2002:7f00:1::1", INTERNAL, "6to4 of loopback"],
  ["2002:c0a8:101::", INTERNAL, "6to4 of private"],
  ["2002:808:808::1", PUBLIC, "6to4 of public"],
  // other special-purpose IPv6
  ["100::1", INTERNAL, "discard-only"],
  ["100:0:0:1::1", INTERNAL, "dummy prefix"],
  ["2001::1", INTERNAL, "Teredo"],
  ["2001:2::1", INTERNAL, "benchmarking"],
  ["2001:2:0:ffff::1", INTERNAL, "benchmarking (end)"],
  ["2001:10::1", INTERNAL, "ORCHID"],
  ["2001:1f:ffff::1", INTERNAL, "ORCHID (end)"],
  ["2001:20::1", INTERNAL, "ORCHIDv2"],
  ["2001:db8::1", INTERNAL, "documentation"],
  ["3fff::1", INTERNAL, "documentation (RFC 9637)"],
  ["3fff:fff:ffff::1", INTERNAL, "documentation (RFC 9637, end)"],
  ["3fff:1000::1", PUBLIC, "just past 3fff::/20"],
  ["5f00::1", INTERNAL, "SRv6 SID"],
  ["5f00:ffff::1", INTERNAL, "SRv6 SID"],
  ["4000::1", INTERNAL, "reserved, outside 2000::/3"],
  ["1::1", INTERNAL, "reserved, inside ::/8"],
  // not addresses
  ["", INTERNAL, "empty"],
  ["localhost", INTERNAL, "a name"],
  ["::01.2.3.4", INTERNAL, "leading zero in dotted tail"],
];

describe("isInternalAddress", () => {
  it("has a table worth the name", () => expect(table.length).toBeGreaterThanOrEqual(40));

  it.each(table)("%s → internal=%s (%s)", (ip, expected) => {
    expect(isInternalAddress(ip)).toBe(expected);
  });
});

const refusedHosts = [
  "[::127.0.0.1]",
  "[::7f00:1]",
  "[0:0:0:0:0:0:127.0.0.1]",
  "[::7F00:1]",
  "[::0.0.0.1]",
  "[::ffff:0:7f00:1]",
  "[::FFFF:0:127.0.0.1]",
  "[0:0:0:0:ffff:0:a9fe:a9fe]",
  "[::ffff:127.0.0.1]",
  "[64:ff9b:1::1]",
  "[0064:FF9B:0001::8.8.8.8]",
  "[3fff::1]",
  "[5f00::1]",
  "[2001:2::1]",
  "[2001:10::1]",
];

describe("URLs naming such a host", () => {
  const options: FetchOptions = {
    timeoutMs: 3000,
    connectTimeoutMs: 1000,
    maxBytes: 64 * 1024,
    maxRedirects: 3,
    allowPrivate: false,
  };

  it.each(refusedHosts)("refuses http://%s/ before connecting", async (host) => {
    const f = createFetcher(options);
    try {
      await expect(
        f.fetch({ url: `http://${host}:9/feed`, kind: "http", trusted: false }),
      ).rejects.toMatchObject({ code: "EBLOCKED" });
    } finally {
      f.close();
    }
  });

  it("rejects a zone id in URL host syntax as an invalid URL", async () => {
    const f = createFetcher(options);
    try {
      await expect(
        f.fetch({ url: "http://[fe80::1%25eth0]:9/feed", kind: "http", trusted: false }),
      ).rejects.toMatchObject({ code: "EURL" });
    } finally {
      f.close();
    }
  });
});

describe("createGuardedLookup", () => {
  const answering =
    (address: string): DnsLookup =>
    (_hostname, _opts, cb) =>
      cb(null, [{ address, family: 6 } satisfies LookupAddress]);
  const lookup = (address: string) =>
    new Promise<{ err: Error | null; address: unknown }>((resolve) =>
      createGuardedLookup(isInternalAddress, answering(address))("feed.test", {}, (err, addr) =>
        resolve({ err, address: addr }),
      ),
    );

  // dns.lookup prints IPv4-compatible addresses with a dotted tail (::127.0.0.1), the rest in hex.
  it.each(["::127.0.0.1", "::ffff:127.0.0.1", "::ffff:0:7f00:1", "64:ff9b:1::a00:1", "3fff::1", "5f00::1"])(
    "refuses a name resolving to %s",
    async (address) => {
      const { err } = await lookup(address);
      expect(err).toBeInstanceOf(BlockedAddressError);
      expect(err).toMatchObject({ code: "EBLOCKED" });
    },
  );

  it.each(["::ffff:8.8.8.8", "2606:4700::1111"])("passes a name resolving to %s", async (address) => {
    expect(await lookup(address)).toEqual({ err: null, address });
  });
});
