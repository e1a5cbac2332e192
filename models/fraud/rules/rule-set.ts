import ipaddr from 'ipaddr.js';
import type { FieldError } from '../../../platform/errors.js';
import { type Action, type Expr, evaluate, parseRule, RuleSyntaxError, type Scope, type Value } from './expression.js';
import {
  type FraudRule,
  LIST_FIELDS,
  MAX_VELOCITY_WINDOW_SECONDS,
  RULE_KINDS,
  type RuleField,
  type RuleHit,
  type RuleInput,
  type RuleKind,
  VELOCITY_FIELDS,
} from './types.js';

/** The attempt as the rules see it. */
export interface RuleSubject {
  readonly customer_id: string;
  readonly school_id: string | null;
  readonly amount: number;
  readonly method_fingerprint: string | null;
  readonly device_id: string | null;
  readonly ip: string | null;
  readonly email_domain: string | null;
  /** card | upi | netbanking | wallet, when known. */
  readonly method: string | null;
  readonly at: Date;
}

/** Names an expression may read besides the feature values. */
export const ATTEMPT_NAMES = [
  'score',
  'amount',
  'method',
  'school',
  'customer',
  'device',
  'ip',
  'email_domain',
  'method_fingerprint',
] as const;

/** A rule normalised and checked, ready to store. */
export type CheckedRule = Omit<FraudRule, 'object' | 'id' | 'created_at' | 'updated_at'>;

function fieldError(field: string, code: string, message: string): FieldError {
  return { field, code, message };
}

/**
 * Checks a rule before it is stored; returns the normalised rule or the field errors (with the character
 * position for a bad expression). `featureNames` are the identifiers an expression may use beside the attempt's.
 */
export function checkRule(
  input: RuleInput,
  featureNames: readonly string[],
): { ok: true; rule: CheckedRule } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const kind: RuleKind = input.kind ?? (input.text !== undefined ? 'expression' : 'expression');
  if (!RULE_KINDS.includes(kind)) errors.push(fieldError('/kind', 'invalid_kind', `one of ${RULE_KINDS.join(', ')}`));
  const base = {
    description: input.description ?? null,
    enabled: input.enabled ?? true,
  };
  if (kind === 'expression') {
    if (input.text === undefined || input.text.trim() === '') {
      return { ok: false, errors: [fieldError('/text', 'required', 'an expression rule needs text')] };
    }
    const known = new Set<string>([...ATTEMPT_NAMES, ...featureNames]);
    try {
      const parsed = parseRule(input.text, (n) => known.has(n));
      if (input.action !== undefined && input.action !== parsed.action) {
        errors.push(fieldError('/action', 'action_mismatch', `the text says ${parsed.action}`));
      }
      if (errors.length > 0) return { ok: false, errors };
      return {
        ok: true,
        rule: {
          ...base,
          kind,
          action: parsed.action,
          field: null,
          value: null,
          window_seconds: null,
          text: input.text.trim(),
        },
      };
    } catch (err) {
      if (!(err instanceof RuleSyntaxError)) throw err;
      return { ok: false, errors: [fieldError('/text', 'rule_syntax', err.message)] };
    }
  }
  if (kind === 'allow_list' || kind === 'block_list') {
    const action: Action = kind === 'allow_list' ? 'allow' : 'block';
    if (input.action !== undefined && input.action !== action) {
      errors.push(fieldError('/action', 'action_mismatch', `a ${kind} entry always means ${action}`));
    }
    if (input.field === undefined || !LIST_FIELDS.includes(input.field)) {
      errors.push(fieldError('/field', 'invalid_field', `one of ${LIST_FIELDS.join(', ')}`));
    }
    const value = input.value === undefined ? '' : String(input.value).trim();
    if (value === '') errors.push(fieldError('/value', 'required', 'the listed value'));
    if (input.field === 'ip' && value !== '' && !validIpOrCidr(value)) {
      errors.push(fieldError('/value', 'invalid_ip', 'an IP address or a CIDR range'));
    }
    if (errors.length > 0) return { ok: false, errors };
    return {
      ok: true,
      rule: {
        ...base,
        kind,
        action,
        field: input.field ?? null,
        value: input.field === 'email_domain' ? value.toLowerCase() : value,
        window_seconds: null,
        text: null,
      },
    };
  }
  // Caps: a limit, and an action (review or block).
  const action = input.action ?? 'block';
  if (action === 'allow') errors.push(fieldError('/action', 'invalid_action', 'a cap reviews or blocks'));
  const limit = Number(input.value);
  if (input.value === undefined || !Number.isSafeInteger(limit) || limit < 0) {
    errors.push(fieldError('/value', 'invalid_limit', 'a whole number ≥ 0 (attempts, or paise for amount_cap)'));
  }
  let field: RuleField | null = null;
  let window: number | null = null;
  if (kind === 'velocity_cap') {
    field = input.field ?? 'customer_id';
    if (!VELOCITY_FIELDS.includes(field)) {
      errors.push(fieldError('/field', 'invalid_field', `one of ${VELOCITY_FIELDS.join(', ')}`));
    }
    window = input.window_seconds ?? 3600;
    if (!Number.isInteger(window) || window < 1 || window > MAX_VELOCITY_WINDOW_SECONDS) {
      errors.push(fieldError('/window_seconds', 'invalid_window', `1 to ${MAX_VELOCITY_WINDOW_SECONDS} seconds`));
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    rule: { ...base, kind, action, field, value: String(limit), window_seconds: window, text: null },
  };
}

function validIpOrCidr(v: string): boolean {
  return v.includes('/') ? safe(() => ipaddr.parseCIDR(v)) !== null : ipaddr.isValid(v);
}

function safe<T>(f: () => T): T | null {
  try {
    return f();
  } catch {
    return null;
  }
}

type Addr = ipaddr.IPv4 | ipaddr.IPv6;

function normalizeIp(ip: string): Addr | null {
  if (!ipaddr.isValid(ip)) return null;
  const a = ipaddr.parse(ip);
  return a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address() : a;
}

/**
 * Attempts per key over the last day, in memory: what velocity caps count. Timestamps per key are kept in
 * arrival order and trimmed past the largest window.
 */
export class VelocityCounter {
  private readonly seen = new Map<string, number[]>();
  private added = 0;

  add(field: RuleField, value: string | null, at: Date): void {
    if (value === null) return;
    const key = `${field}\u0000${value}`;
    let list = this.seen.get(key);
    if (list === undefined) {
      list = [];
      this.seen.set(key, list);
    }
    const t = at.getTime();
    // Arrivals are nearly ordered; keep the list sorted for the window search.
    let i = list.length;
    while (i > 0 && (list[i - 1] ?? 0) > t) i--;
    list.splice(i, 0, t);
    if (++this.added % 10_000 === 0) this.trim(t);
  }

  /** Attempts strictly before `at` within `windowSeconds`. */
  count(field: RuleField, value: string | null, at: Date, windowSeconds: number): number {
    if (value === null) return 0;
    const list = this.seen.get(`${field}\u0000${value}`);
    if (list === undefined) return 0;
    const to = at.getTime();
    const from = to - windowSeconds * 1000;
    return lowerBound(list, to) - lowerBound(list, from);
  }

  private trim(now: number): void {
    const horizon = now - MAX_VELOCITY_WINDOW_SECONDS * 1000;
    for (const [key, list] of this.seen) {
      const keep = lowerBound(list, horizon);
      if (keep >= list.length) this.seen.delete(key);
      else if (keep > 0) list.splice(0, keep);
    }
  }
}

function lowerBound(xs: readonly number[], v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((xs[mid] ?? 0) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function subjectValue(s: RuleSubject, field: RuleField): string | null {
  switch (field) {
    case 'customer_id':
      return s.customer_id;
    case 'method_fingerprint':
      return s.method_fingerprint;
    case 'device_id':
      return s.device_id;
    case 'ip':
      return s.ip;
    case 'email_domain':
      return s.email_domain;
  }
}

export interface RuleVerdict {
  /** allow > block > review: the strongest rule action, or null when no rule fired. */
  readonly action: Action | null;
  readonly hits: readonly RuleHit[];
}

interface Compiled {
  readonly rule: FraudRule;
  readonly hit: RuleHit;
  readonly condition: Expr | null;
  readonly cidr: [Addr, number] | null;
  readonly limit: number;
}

/**
 * The live rules, compiled once per change: exact-match lists in hash sets, CIDRs parsed, expressions parsed.
 * Evaluating costs a few hash lookups plus the expressions.
 */
export class RuleSet {
  readonly rules: readonly FraudRule[];
  private readonly allowExact = new Map<string, Compiled>();
  private readonly blockExact = new Map<string, Compiled>();
  private readonly cidrs: Compiled[] = [];
  private readonly caps: Compiled[] = [];
  private readonly expressions: Compiled[] = [];
  /** Whether any expression reads `score` or a feature: the scorer may skip nothing otherwise. */
  readonly needsScore: boolean;

  constructor(rules: readonly FraudRule[], featureNames: readonly string[]) {
    this.rules = rules;
    const known = new Set<string>([...ATTEMPT_NAMES, ...featureNames]);
    let needsScore = false;
    for (const rule of rules) {
      if (!rule.enabled) continue;
      const hit: RuleHit = {
        rule_id: rule.id,
        kind: rule.kind,
        action: rule.action,
        description: rule.description ?? describeRule(rule),
      };
      const c = (extra: Partial<Compiled>): Compiled => ({
        rule,
        hit,
        condition: null,
        cidr: null,
        limit: Number(rule.value ?? 0),
        ...extra,
      });
      if (rule.kind === 'allow_list' || rule.kind === 'block_list') {
        const value = rule.value ?? '';
        if (rule.field === 'ip' && value.includes('/')) {
          const range = safe(() => ipaddr.parseCIDR(value));
          if (range !== null) this.cidrs.push(c({ cidr: range }));
          continue;
        }
        const key =
          rule.field === 'ip' ? `ip\u0000${normalizeIp(value)?.toString() ?? value}` : `${rule.field}\u0000${value}`;
        (rule.kind === 'allow_list' ? this.allowExact : this.blockExact).set(key, c({}));
      } else if (rule.kind === 'expression') {
        // A stored rule whose names no longer exist (a feature renamed) is skipped, not fatal.
        const parsed = safe(() => parseRule(rule.text ?? '', (n) => known.has(n)));
        if (parsed === null) continue;
        if (parsed.identifiers.some((n) => n === 'score')) needsScore = true;
        this.expressions.push(c({ condition: parsed.condition }));
      } else {
        this.caps.push(c({}));
      }
    }
    this.needsScore = needsScore;
  }

  /**
   * The rules that fire for this attempt. `score` is null in a rules-only decision; `feature` reads a feature
   * value by name (null when the features were not computed).
   */
  evaluate(
    s: RuleSubject,
    score: number | null,
    feature: (name: string) => number | null,
    velocity: VelocityCounter,
  ): RuleVerdict {
    const hits: RuleHit[] = [];
    for (const field of LIST_FIELDS) {
      const v = subjectValue(s, field);
      if (v === null) continue;
      const key = field === 'email_domain' ? `${field}\u0000${v.toLowerCase()}` : `${field}\u0000${v}`;
      const allow = this.allowExact.get(key);
      if (allow !== undefined) hits.push(allow.hit);
      const block = this.blockExact.get(key);
      if (block !== undefined) hits.push(block.hit);
    }
    if (s.ip !== null && this.cidrs.length > 0) {
      const addr = normalizeIp(s.ip);
      if (addr !== null) {
        for (const c of this.cidrs) {
          if (c.cidr !== null && addr.kind() === c.cidr[0].kind() && addr.match(c.cidr as never)) hits.push(c.hit);
        }
      }
    }
    for (const c of this.caps) {
      if (c.rule.kind === 'amount_cap') {
        if (s.amount > c.limit) hits.push(c.hit);
      } else {
        const field = c.rule.field ?? 'customer_id';
        const n = velocity.count(field, subjectValue(s, field), s.at, c.rule.window_seconds ?? 3600);
        // The cap is the number of attempts allowed in the window, this one included.
        if (n + 1 > c.limit) hits.push(c.hit);
      }
    }
    if (this.expressions.length > 0) {
      const scope: Scope = (name): Value | undefined => {
        switch (name) {
          case 'score':
            return score;
          case 'amount':
            return s.amount;
          case 'method':
            return s.method;
          case 'school':
            return s.school_id;
          case 'customer':
            return s.customer_id;
          case 'device':
            return s.device_id;
          case 'ip':
            return s.ip;
          case 'email_domain':
            return s.email_domain;
          case 'method_fingerprint':
            return s.method_fingerprint;
          default:
            return feature(name);
        }
      };
      for (const c of this.expressions) if (c.condition !== null && evaluate(c.condition, scope)) hits.push(c.hit);
    }
    const action: Action | null = hits.some((h) => h.action === 'allow')
      ? 'allow'
      : hits.some((h) => h.action === 'block')
        ? 'block'
        : hits.length > 0
          ? 'review'
          : null;
    return { action, hits };
  }
}

export function describeRule(rule: Pick<FraudRule, 'kind' | 'field' | 'value' | 'window_seconds' | 'text'>): string {
  switch (rule.kind) {
    case 'allow_list':
      return `${rule.field} ${rule.value} is on the allow list`;
    case 'block_list':
      return `${rule.field} ${rule.value} is on the block list`;
    case 'amount_cap':
      return `amount above ${rule.value} paise`;
    case 'velocity_cap':
      return `more than ${rule.value} attempts per ${rule.field} in ${rule.window_seconds} s`;
    case 'expression':
      return rule.text ?? '';
  }
}
