import type { FastifyInstance } from 'fastify';
import { malformed } from '../../platform/errors.js';

/** The JSON pointer of the first number in `value` that is not finite (NaN, ±Infinity), or null. */
export function firstNonFinite(value: unknown, path = ''): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path || '/';
  // Uploads (CSV text, Arrow bytes) carry no JSON numbers.
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return null;
  for (const [key, child] of Object.entries(value)) {
    const found = firstNonFinite(child, `${path}/${key}`);
    if (found !== null) return found;
  }
  return null;
}

/**
 * Schema validation turns `"Infinity"` or `"1e400"` into a number that slips past `maximum` (Ajv's type coercion);
 * no kosh field can hold one. Every validated body and query is checked for them before a handler runs: 400
 * naming the field, and nothing changes.
 */
export function registerFiniteNumbers(app: FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    for (const [where, value] of [
      ['', request.body],
      ['/query', request.query],
      ['/params', request.params],
    ] as const) {
      const field = firstNonFinite(value, where);
      if (field !== null) {
        throw malformed('number_not_finite', `${field} must be a finite number`, [
          { field, code: 'number_not_finite', message: 'must be a finite number' },
        ]);
      }
    }
  });
}
