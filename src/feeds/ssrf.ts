import dns from "node:dns";
import net from "node:net";

/**
 * Addresses a feed added by a chat user must never reach: loopback, private, link-local,
 * carrier-grade NAT, multicast, documentation and other special-purpose ranges (IANA IPv4 and
 * IPv6 Special-Purpose Address Registries). Globally reachable special-purpose blocks that no
 * feed lives on anyway (anycast, AS112) are refused too where they sit inside a larger block.
 */
const blockedV4 = new net.BlockList();
for (const [addr, prefix] of [
  ["0.0.0.0", 8], // "this network" (RFC 791), incl. 0.0.0.0/32 "this host"
  ["10.0.0.0", 8], // private-use (RFC 1918)
  ["100.64.0.0", 10], // shared address space, carrier-grade NAT (RFC 6598)
  ["127.0.0.0", 8], // loopback (RFC 1122)
  ["169.254.0.0", 16], // link-local, incl. cloud metadata 169.254.169.254 (RFC 3927)
  ["172.16.0.0", 12], // private-use (RFC 1918)
  ["192.0.0.0", 24], // IETF protocol assignments, incl. DS-Lite 192.0.0.0/29, NAT64 discovery (RFC 6890)
  ["192.0.2.0", 24], // documentation TEST-NET-1 (RFC 5737)
  ["192.88.99.0", 24], // deprecated 6to4 relay anycast (RFC 7526)
  ["192.168.0.0", 16], // private-use (RFC 1918)
  ["198.18.0.0", 15], // benchmarking (RFC 2544)
  ["198.51.100.0", 24], // documentation TEST-NET-2 (RFC 5737)
  ["203.0.113.0", 24], // documentation TEST-NET-3 (RFC 5737)
  ["224.0.0.0", 4], // multicast (RFC 5771)
  ["240.0.0.0", 4], // reserved (RFC 1112)
  ["255.255.255.255", 32], // limited broadcast (RFC 919); inside 240.0.0.0/4, listed to be explicit
] as const) {
  blockedV4.addSubnet(addr, prefix, "ipv4");
}

/**
 * IPv6 blocks refused outright. The forms that embed an IPv4 address (IPv4-mapped ::ffff:0:0/96,
 * IPv4-compatible ::/96, IPv4-translated ::ffff:0:0:0/96, NAT64 64:ff9b::/96, 6to4 2002::/16) are
 * not listed: `embeddedIPv4` decides those by the IPv4 address they carry.
 */
const blockedV6 = new net.BlockList();
for (const [addr, prefix] of [
  ["::", 128], // unspecified (RFC 4291)
  ["::1", 128], // loopback (RFC 4291)
  ["64:ff9b:1::", 48], // local-use IPv4/IPv6 translation (RFC 8215): the whole prefix is local
  ["100::", 64], // discard-only (RFC 6666)
  ["100:0:0:1::", 64], // dummy IPv6 prefix (RFC 9780)
  ["2001::", 23], // IETF protocol assignments (RFC 2928), incl. Teredo 2001::/32 and:
  ["2001:2::", 48], //   benchmarking (RFC 5180)
  ["2001:10::", 28], //   deprecated ORCHID (RFC 4843)
  ["2001:20::", 28], //   ORCHIDv2 (RFC 7343)
  ["2001:db8::", 32], // documentation (RFC 3849)
  ["3fff::", 20], // documentation (RFC 9637)
  ["5f00::", 16], // SRv6 SIDs (RFC 9602)
  ["fc00::", 7], // unique local (RFC 4193)
  ["fe80::", 10], // link-local unicast (RFC 4291)
  ["fec0::", 10], // deprecated site-local (RFC 3879)
  ["ff00::", 8], // multicast (RFC 4291)
] as const) {
  blockedV6.addSubnet(addr, prefix, "ipv6");
}

/**
 * The 8 hextets of an IPv6 address, or undefined if it is not one. libuv (what the socket will
 * use) parses the text, which accepts upper case, leading zeros, `::` anywhere and a dotted IPv4
 * tail; the WHATWG URL serializer then prints those bytes as compressed lower-case hex without a
 * dotted tail, so only `::` is left to expand.
 */
function hextets(ip: string): number[] | undefined {
  let text: string;
  try {
    const canonical = new net.SocketAddress({ address: ip, family: "ipv6" }).address;
    text = new URL(`http://[${canonical}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  const [head = "", tail, rest] = text.split("::");
  if (rest !== undefined) return undefined;
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const zeros = tail === undefined ? 0 : 8 - left.length - right.length;
  if (zeros < 0 || (tail !== undefined && zeros === 0)) return undefined;
  const groups = [...left, ...Array<string>(zeros).fill("0"), ...right];
  if (groups.length !== 8 || !groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => Number.parseInt(g, 16));
}

function toV4(hi: number, lo: number): string {
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

const zero = (h: number[], from: number, to: number): boolean => h.slice(from, to).every((x) => x === 0);

/** The IPv4 address an IPv6 address stands for, if it is one of the IPv4-embedding forms. */
function embeddedIPv4(h: number[]): string | undefined {
  const [h0 = 0, h1 = 0, h2 = 0, , h4 = 0, h5 = 0, h6 = 0, h7 = 0] = h;
  // IPv4-compatible ::a.b.c.d (::/96, deprecated by RFC 4291); :: and ::1 are decided by the caller
  if (zero(h, 0, 6)) return toV4(h6, h7);
  // IPv4-mapped ::ffff:a.b.c.d (::ffff:0:0/96, RFC 4291)
  if (zero(h, 0, 5) && h5 === 0xffff) return toV4(h6, h7);
  // IPv4-translated ::ffff:0:a.b.c.d (::ffff:0:0:0/96, RFC 2765)
  if (zero(h, 0, 4) && h4 === 0xffff && h5 === 0) return toV4(h6, h7);
  // NAT64 well-known prefix 64:ff9b::a.b.c.d (64:ff9b::/96, RFC 6052)
  if (h0 === 0x64 && h1 === 0xff9b && zero(h, 2, 6)) return toV4(h6, h7);
  // 6to4 2002:aabb:ccdd::/48 (2002::/16, RFC 3056)
  if (h0 === 0x2002) return toV4(h1, h2);
  return undefined;
}

export function isInternalAddress(ip: string): boolean {
  const family = net.isIP(ip);
  if (family === 0) return true; // not an address at all: refuse rather than guess
  if (family === 4) return blockedV4.check(ip, "ipv4");
  // A zone id (fe80::1%eth0) only means something for link-local addresses; a URL cannot carry
  // one and dns.lookup does not return one, so whatever has one is refused.
  if (ip.includes("%")) return true;
  const h = hextets(ip);
  if (!h) return true;
  if (zero(h, 0, 7) && (h[7] === 0 || h[7] === 1)) return true; // :: and ::1
  const v4 = embeddedIPv4(h);
  if (v4) return blockedV4.check(v4, "ipv4");
  // Nothing outside global unicast 2000::/3 is publicly routed; the rest is reserved (RFC 4291).
  if (((h[0] ?? 0) & 0xe000) !== 0x2000) return true;
  const canonical = h.map((x) => x.toString(16)).join(":");
  return blockedV6.check(canonical, "ipv6");
}

export class BlockedAddressError extends Error {
  override name = "BlockedAddressError";
  readonly code = "EBLOCKED";
  constructor(host: string, address: string) {
    super(`refused: ${host} resolves to internal address ${address}`);
  }
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

export type DnsLookup = (
  hostname: string,
  options: dns.LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void,
) => void;

/**
 * A `lookup` for http.request that resolves the name and refuses internal addresses. Because
 * the socket connects to exactly the address this returns, a DNS answer that changes between a
 * check and the connection (rebinding) cannot slip through. `isBlocked` and `resolve` are
 * injectable so tests on loopback can play both a "public" and an "internal" host.
 */
export function createGuardedLookup(
  isBlocked: (ip: string) => boolean = isInternalAddress,
  resolve: DnsLookup = dns.lookup as DnsLookup,
) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (err, list) => {
      if (err) return callback(err, "");
      const bad = list.find((a) => isBlocked(a.address));
      if (bad) return callback(new BlockedAddressError(hostname, bad.address), "");
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first)
        return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "");
      return callback(null, first.address, first.family);
    });
  };
}
