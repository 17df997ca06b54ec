/** Client IP addresses in one spelling, so the same client always reads the same. */
import { isIP } from 'node:net';

const IPV4_MAPPED = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/**
 * IPv4 as given; IPv6 in its compressed lower-case form (RFC 5952) without a zone index. An
 * IPv4-mapped IPv6 address ('::ffff:1.2.3.4', as dual-stack sockets report IPv4 clients) becomes
 * the plain IPv4 address. Null when the text is not an IP address.
 */
export function normalizeIp(input: string): string | null {
  const text = input.trim();
  const version = isIP(text);
  if (version === 4) return text;
  if (version === 6) return canonicalIpv6(text.replace(/%.*$/, ''));
  return null;
}

/** The WHATWG URL parser writes IPv6 hosts in RFC 5952 form. */
function canonicalIpv6(address: string): string {
  let canonical: string;
  try {
    canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    // isIP and the URL parser are separate implementations; should they ever disagree, keep the address.
    return address.toLowerCase();
  }
  const mapped = IPV4_MAPPED.exec(canonical);
  return mapped ? ipv4FromHextets(mapped[1], mapped[2]) : canonical;
}

function ipv4FromHextets(high: string, low: string): string {
  const value = (parseInt(high, 16) << 16) | parseInt(low, 16);
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}
