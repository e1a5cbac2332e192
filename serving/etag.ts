import type { FastifyReply } from 'fastify';
import { etagOf } from '../platform/etag.js';

/** Answers a record with its `ETag` (what a later write sends back as `If-Match`). */
export function tagged<T>(reply: FastifyReply, record: T): T {
  reply.header('etag', etagOf(record));
  return record;
}
