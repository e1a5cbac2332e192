import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { Log } from '../platform/log.js';
import type { PaymentGateway } from './gateway/port.js';

/** What payments-core use cases need; each takes the narrowest slice of it. */
export interface CoreDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly gateway: PaymentGateway;
  readonly log: Log;
}
