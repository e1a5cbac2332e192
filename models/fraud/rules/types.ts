import type { Action } from './expression.js';

export type RuleKind = 'allow_list' | 'block_list' | 'velocity_cap' | 'amount_cap' | 'expression';
/** What a list entry or a velocity cap is keyed on. */
export type RuleField = 'customer_id' | 'method_fingerprint' | 'device_id' | 'ip' | 'email_domain';

export const RULE_KINDS: readonly RuleKind[] = ['allow_list', 'block_list', 'velocity_cap', 'amount_cap', 'expression'];
export const LIST_FIELDS: readonly RuleField[] = [
  'customer_id',
  'method_fingerprint',
  'device_id',
  'ip',
  'email_domain',
];
export const VELOCITY_FIELDS: readonly RuleField[] = ['customer_id', 'method_fingerprint', 'device_id', 'ip'];
/** Velocity caps count attempts over at most this window (the counters keep no more). */
export const MAX_VELOCITY_WINDOW_SECONDS = 86_400;

export interface FraudRule {
  readonly object: 'fraud_rule';
  readonly id: string;
  readonly kind: RuleKind;
  readonly action: Action;
  readonly field: RuleField | null;
  /** List rules: the id, domain, IP or CIDR; caps: the limit (attempts, or paise). */
  readonly value: string | null;
  readonly window_seconds: number | null;
  /** Expression rules: the whole rule, `review if score > 0.6 and amount > 500000`. */
  readonly text: string | null;
  readonly description: string | null;
  readonly enabled: boolean;
  readonly created_at: Date;
  readonly updated_at: Date;
}

export interface RuleInput {
  readonly kind?: RuleKind | undefined;
  readonly action?: Action | undefined;
  readonly field?: RuleField | undefined;
  readonly value?: string | number | undefined;
  readonly window_seconds?: number | undefined;
  readonly text?: string | undefined;
  readonly description?: string | undefined;
  readonly enabled?: boolean | undefined;
}

/** A rule that fired for an attempt. */
export interface RuleHit {
  readonly rule_id: string;
  readonly kind: RuleKind;
  readonly action: Action;
  readonly description: string;
}
