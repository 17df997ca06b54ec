import { AppException, ErrorCodes } from '@leadflow/contracts';
import ipaddr from 'ipaddr.js';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';

/** Ranges no delivery may reach: the host's own metadata services and addresses that are no host. */
const ALWAYS_REFUSED = new Set(['linkLocal', 'multicast', 'unspecified', 'broadcast', 'reserved']);
/** Ranges refused unless private targets are allowed (development, tests). */
const PRIVATE = new Set(['loopback', 'private', 'uniqueLocal', 'carrierGradeNat']);

/** Why a delivery may not go to `address`, or null when it may. IPv4-mapped IPv6 is read as IPv4. */
export function refusedAddress(address: string, allowPrivate: boolean): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  const range = ipaddr.process(address).range();
  if (ALWAYS_REFUSED.has(range)) return `${address} is a ${range} address`;
  if (PRIVATE.has(range) && !allowPrivate) return `${address} is a ${range} address`;
  return null;
}

export class UnsafeWebhookTarget extends AppException {
  constructor(reason: string) {
    super(ErrorCodes.unsafeWebhookUrl, reason);
  }
}

/** The URL parsed, if it is an http(s) URL without credentials; the unsafe_webhook_url exception otherwise. */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeWebhookTarget('the url is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UnsafeWebhookTarget('the url must be http or https');
  if (url.username !== '' || url.password !== '') throw new UnsafeWebhookTarget('the url may not carry credentials');
  return url;
}

/** The URL's host without the brackets of an IPv6 literal. */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Checks that every address the URL's host resolves to may be reached; throws unsafe_webhook_url
 * (a host that does not resolve is refused too). Run when an endpoint is saved and before each
 * attempt; the attempt itself connects through `guardedLookup`, so a name that resolves elsewhere
 * between the two is still refused.
 */
export async function checkWebhookTarget(raw: string, allowPrivate: boolean): Promise<URL> {
  const url = parseWebhookUrl(raw);
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
    } catch {
      throw new UnsafeWebhookTarget(`the host ${host} does not resolve`);
    }
  }
  for (const address of addresses) {
    const refused = refusedAddress(address, allowPrivate);
    if (refused) throw new UnsafeWebhookTarget(`the url resolves to a refused address: ${refused}`);
  }
  return url;
}

/** A `lookup` for Node's HTTP client that fails a connection to a refused address. */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, resolved) => {
      if (error) return callback(error, '', 0);
      const addresses = resolved as unknown as LookupAddress[];
      for (const entry of addresses) {
        const refused = refusedAddress(entry.address, allowPrivate);
        if (refused) return callback(new UnsafeWebhookTarget(`refused address: ${refused}`), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new UnsafeWebhookTarget(`the host ${hostname} does not resolve`), '', 0);
      callback(null, first.address, first.family);
    });
  };
}
