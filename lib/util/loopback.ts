import { isIP } from 'node:net';

/**
 * True when a URL's hostname is a loopback address: 127.0.0.0/8, ::1 (also as ::ffff:127.x.x.x), or the
 * reserved name `localhost` (RFC 6761). Decided by the address, never by a prefix of the name: `127.evil.com`
 * and `127.0.0.1.example.net` are names, not loopback addresses.
 */
export const isLoopbackHost = (hostname: string): boolean => {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  const version = isIP(host);
  if (version === 4) return host.split('.')[0] === '127';
  if (version === 6) {
    if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host)?.[1];
    if (mapped) return isIP(mapped) === 4 && mapped.split('.')[0] === '127';
    return /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host);
  }
  return false;
};

/** A URL for messages and logs: its query string (which may hold a SAS token) is never shown. */
export const withoutQuery = (raw: string): string => {
  const at = raw.indexOf('?');
  return at === -1 ? raw : `${raw.slice(0, at)}?<query hidden>`;
};
