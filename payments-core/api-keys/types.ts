export const SCOPES = [
  'payments:read',
  'payments:write',
  'checkout:score',
  'billing:admin',
  'analytics:read',
  'models:admin',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: readonly Scope[];
  readonly createdAt: Date;
}

/** A key as listed: never its secret or hash. `expires_at` is set while a rotated key's grace period runs. */
export interface ApiKeyView {
  readonly object: 'api_key';
  readonly id: string;
  readonly name: string;
  /** The first characters of the secret, to tell keys apart. */
  readonly prefix: string;
  readonly scopes: string[];
  readonly status: 'active' | 'expiring' | 'revoked';
  readonly created_at: Date;
  readonly expires_at: Date | null;
  readonly revoked_at: Date | null;
  /** When the key was last used, to the minute (recorded at most once a minute); null if never. */
  readonly last_used_at: Date | null;
}

export interface ApiKeyRow {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: string[];
  readonly created_at: Date;
  readonly revoked_at: Date | null;
  readonly last_used_at: Date | null;
}

/** A stored key as the API shows it at `now`. */
export function keyView(row: ApiKeyRow, now: Date): ApiKeyView {
  const live = row.revoked_at === null || row.revoked_at > now;
  return {
    object: 'api_key',
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: [...row.scopes],
    status: row.revoked_at === null ? 'active' : live ? 'expiring' : 'revoked',
    created_at: row.created_at,
    expires_at: live ? row.revoked_at : null,
    revoked_at: live ? null : row.revoked_at,
    last_used_at: row.last_used_at,
  };
}

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}

/** `admin` holds every scope. */
export function hasScope(key: ApiKey, scope: Scope): boolean {
  return key.scopes.includes('admin') || key.scopes.includes(scope);
}
