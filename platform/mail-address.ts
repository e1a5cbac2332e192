// The mail settings' checks, apart from nodemailer: the configuration loads them at every start.

/** The address inside a From value (`kosh <billing@kosh.example>` → `billing@kosh.example`), or null. */
export function addressOf(from: string): string | null {
  const m = /^(?:[^<>\r\n]*<([^<>\s@]+@[^<>\s@]+)>|([^<>\s@"]+@[^<>\s@]+))$/.exec(from.trim());
  return m === null ? null : (m[1] ?? m[2] ?? null);
}

/** Why `url` cannot configure SMTP (`smtp://user:pass@host:port` or `smtps://…`), or null. */
export function smtpUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') return 'the scheme must be smtp or smtps';
  if (parsed.hostname === '') return 'no host';
  if (parsed.pathname !== '' && parsed.pathname !== '/') return 'no path allowed';
  if (parsed.password !== '' && parsed.username === '') return 'a password without a user';
  return null;
}
