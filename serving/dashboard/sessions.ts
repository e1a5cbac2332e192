import { randomBytes } from 'node:crypto';

/** A signed-in dashboard: the API key it signed in with stays here, server-side; the browser holds only the id. */
export interface DashboardSession {
  readonly id: string;
  readonly secret: string;
  readonly keyId: string;
  readonly expiresAt: number;
}

export interface SessionStore {
  create(input: { secret: string; keyId: string }): DashboardSession;
  /** The live session with this id, or null (unknown or expired; an expired one is forgotten). */
  get(id: string | undefined): DashboardSession | null;
  delete(id: string | undefined): void;
  readonly size: number;
}

/**
 * Sessions in process memory with a fixed lifetime from sign-in (a restart signs everyone out). Ids are 256 random
 * bits. At most `max` live sessions: the oldest goes first.
 */
export function createSessionStore(options: { ttlMs: number; now?: () => number; max?: number }): SessionStore {
  const now = options.now ?? Date.now;
  const max = options.max ?? 10_000;
  const sessions = new Map<string, DashboardSession>();
  const sweep = () => {
    const t = now();
    for (const [id, s] of sessions) if (s.expiresAt <= t) sessions.delete(id);
  };
  return {
    create(input) {
      sweep();
      while (sessions.size >= max) {
        const oldest = sessions.keys().next();
        if (oldest.done) break;
        sessions.delete(oldest.value);
      }
      const session = { id: randomBytes(32).toString('base64url'), ...input, expiresAt: now() + options.ttlMs };
      sessions.set(session.id, session);
      return session;
    },
    get(id) {
      if (id === undefined) return null;
      const s = sessions.get(id);
      if (s === undefined) return null;
      if (s.expiresAt <= now()) {
        sessions.delete(id);
        return null;
      }
      return s;
    },
    delete(id) {
      if (id !== undefined) sessions.delete(id);
    },
    get size() {
      return sessions.size;
    },
  };
}
