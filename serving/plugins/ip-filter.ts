import ipaddr from 'ipaddr.js';
import { AppError } from '../../platform/errors.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

function parse(cidrs: readonly string[]): Range[] {
  return cidrs.map((c) => ipaddr.parseCIDR(c));
}

function normalize(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (!ipaddr.isValid(ip)) return null;
  const addr = ipaddr.parse(ip);
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()
    ? (addr as ipaddr.IPv6).toIPv4Address()
    : addr;
}

function within(addr: ipaddr.IPv4 | ipaddr.IPv6, ranges: Range[]): boolean {
  return ranges.some(([net, bits]) => addr.kind() === net.kind() && addr.match([net, bits] as never));
}

/**
 * An onRequest check for a route group: a deny list always applies; an allow list, when not empty, is
 * the only way in (e.g. Razorpay's published webhook source addresses on the webhook route).
 */
export function ipFilter(options: { allow?: readonly string[]; deny?: readonly string[] }) {
  const allow = parse(options.allow ?? []);
  const deny = parse(options.deny ?? []);
  return async (request: { ip: string }): Promise<void> => {
    if (allow.length === 0 && deny.length === 0) return;
    const addr = normalize(request.ip);
    if (addr === null || within(addr, deny) || (allow.length > 0 && !within(addr, allow))) {
      throw new AppError('forbidden', 'ip_not_allowed', 'requests from this address are not allowed here');
    }
  };
}
