/**
 * Where webhooks may go. Loopback, private, link-local (cloud metadata) and other non-public
 * addresses are refused unless the operator allows them, both for literal IPs in the URL and
 * for every address a host name resolves to, at connect time (so DNS rebinding cannot slip
 * past a check made earlier).
 */
import { type LookupAddress, lookup } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export const ALLOW_FLAG = '--allow-private-webhooks';

/** A target the policy refuses; the message names the flag that allows it. */
export class PrivateTargetError extends Error {
  readonly code = 'EPRIVATETARGET';
  constructor(host: string, address: string) {
    super(
      `${host} resolves to ${address}, a loopback or private address: webhooks go to public addresses only (start the server with ${ALLOW_FLAG} to allow it).`,
    );
    this.name = 'PrivateTargetError';
  }
}

/** Whether an IP is a public unicast address. */
export function isPublicAddress(address: string): boolean {
  try {
    return ipaddr.process(address).range() === 'unicast';
  } catch {
    return false;
  }
}

/** Parses and checks the syntax of a webhook URL; returns a message for the user when bad. */
export function urlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a URL: give an absolute http(s) URL like https://example.com/hooks/snapshotplot.`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return `The webhook URL must use http or https, not ${url.protocol.replace(':', '')}.`;
  }
  if (url.username || url.password) {
    return 'The webhook URL must not contain a user name or password: the signature authenticates deliveries.';
  }
  return null;
}

/** The literal IP of a URL's host (without IPv6 brackets), or null for a host name. */
function literalIp(url: URL): string | null {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return isIP(host) ? host : null;
}

/** Throws PrivateTargetError when the URL's host is a non-public literal IP or `localhost`. */
export function checkLiteralTarget(url: URL): void {
  const ip = literalIp(url);
  if (ip && !isPublicAddress(ip)) throw new PrivateTargetError(url.hostname, ip);
  if (!ip && /(^|\.)localhost\.?$/i.test(url.hostname)) {
    throw new PrivateTargetError(url.hostname, 'loopback');
  }
}

/** Resolves the host and throws PrivateTargetError when any address is not public. */
export async function checkResolvedTarget(url: URL): Promise<void> {
  checkLiteralTarget(url);
  if (literalIp(url)) return;
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
    lookup(url.hostname, { all: true }, (err, list) => (err ? reject(err) : resolve(list))),
  );
  const bad = addresses.find((a) => !isPublicAddress(a.address));
  if (bad) throw new PrivateTargetError(url.hostname, bad.address);
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A `lookup` for net.connect that fails the connection when the host resolves to a private address. */
export function guardedLookup(
  hostname: string,
  options: { all?: boolean; family?: number },
  callback: LookupCallback,
): void {
  lookup(hostname, { ...options, all: true }, (err, list) => {
    if (err) return callback(err, []);
    const bad = list.find((a) => !isPublicAddress(a.address));
    if (bad) return callback(new PrivateTargetError(hostname, bad.address), []);
    if (options.all) return callback(null, list);
    const first = list[0];
    if (!first)
      return callback(
        Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }),
        [],
      );
    callback(null, first.address, first.family);
  });
}
