import { performance } from 'node:perf_hooks';
import { FRAUD_FEATURES, type FraudAttempt } from '../../features/fraud/feature-set.js';
import type { OnlineFraudFeatures } from '../../features/fraud/online-features.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import type { Log } from '../../platform/log.js';
import type { FraudMetrics } from '../../platform/metrics.js';
import { createDecisionLog, type DecisionLog, type DecisionRow } from './decision-log.js';
import type { FraudModel } from './model.js';
import type { Action } from './rules/expression.js';
import { CUSTOMER_PROFILE, CUSTOMER_PROFILES, RECENT_ATTEMPTS } from './rules/repository.js';
import { type RuleSubject, VelocityCounter } from './rules/rule-set.js';
import { loadRuleStore, type RuleStore } from './rules/rule-store.js';
import type { RuleHit } from './rules/types.js';

/** What the scorer needs from the model registry (R's `FraudModelSelector`, structurally). */
export interface ModelPicker {
  pick(customerId: string): {
    primary: {
      version: string;
      model: FraudModel;
      role: 'champion' | 'canary';
      thresholds?: { review: number; block: number } | Record<string, unknown>;
    } | null;
    shadow: { version: string; model: FraudModel } | null;
  };
  observe(version: string, outcome: { ok: boolean; ms: number }): void;
}

export interface ScoreInput {
  /** The kosh payment id, or the client's attempt id; generated when absent. */
  readonly id?: string | undefined;
  readonly customer_id: string;
  /** Derived from the customer when absent. */
  readonly school_id?: string | undefined;
  readonly amount: number;
  readonly method_fingerprint?: string | null | undefined;
  readonly device_id?: string | null | undefined;
  readonly ip?: string | null | undefined;
  /** card | upi | netbanking | wallet, when the caller knows it. */
  readonly method?: string | null | undefined;
  readonly at?: Date | undefined;
}

export interface FraudReason {
  readonly feature: string;
  readonly value: number;
  readonly contribution: number;
}

export interface FraudDecision {
  readonly object: 'fraud_decision';
  /** The decision id (`fdc_…`), logged in fraud_decisions. */
  readonly id: string;
  readonly attempt_id: string;
  readonly decision: Action;
  /** The model's calibrated probability of fraud; null in a rules-only decision. */
  readonly score: number | null;
  readonly reasons: readonly FraudReason[];
  readonly rule_hits: readonly RuleHit[];
  /** The model that scored, or null: none registered, the budget ran out, or it failed. */
  readonly model: { readonly version: string; readonly role: 'champion' | 'canary' } | null;
  readonly thresholds: { readonly review: number; readonly block: number } | null;
  readonly features: Readonly<Record<string, number>> | null;
  /** Why the decision is rules-only, when it is. */
  readonly rules_only_reason: 'no_model' | 'budget_exceeded' | 'model_error' | null;
  readonly budget_exceeded: boolean;
  readonly latency_us: number;
}

export interface FraudScorer {
  /** Scores one attempt: features → model → rules → decision; past the budget, rules only. Logs the decision. */
  score(input: ScoreInput, source?: 'api' | 'payment'): Promise<FraudDecision>;
  /** Records a created payment attempt (features and velocity counters). */
  record(attempt: FraudAttempt): void;
  recordFailure(attemptId: string, at: Date): void;
  /** The current primary model for offline/batch use (champion), or null. */
  batchModel(): { version: string; model: FraudModel; thresholds: { review: number; block: number } } | null;
  readonly rules: RuleStore;
  readonly decisions: DecisionLog;
  readonly budgetMs: number;
  close(): Promise<void>;
}

export interface ScorerOptions {
  /** The hard budget for one decision (default 50 ms); past it the decision is rules-only and flagged. */
  readonly budgetMs?: number;
  /** How many reasons a decision carries (default 3). */
  readonly topReasons?: number;
  /** The decision log's write interval, batch size and in-memory bound (models/fraud/decision-log.ts). */
  readonly flushIntervalMs?: number;
  readonly flushRows?: number;
  readonly maxQueuedRows?: number;
}

/** Thresholds when a model carries none (should not happen with registered models). */
export const DEFAULT_THRESHOLDS = { review: 0.5, block: 0.9 } as const;

const thresholdCache = new WeakMap<FraudModel, { review: number; block: number }>();

function asThresholds(raw: unknown): { review: number; block: number } | null {
  if (raw === null || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  const review = r['review'];
  const block = r['block'];
  return typeof review === 'number' && typeof block === 'number' ? { review, block } : null;
}

/** The thresholds registered with a model: from the selector when it hands them over, else from the model's params. */
export function thresholdsOf(model: FraudModel, given?: unknown): { review: number; block: number } {
  const direct = asThresholds(given);
  if (direct !== null) return direct;
  let t = thresholdCache.get(model);
  if (t === undefined) {
    let fromParams: { review: number; block: number } | null = null;
    try {
      fromParams = asThresholds(model.serialize().params['thresholds']);
    } catch {
      fromParams = null;
    }
    t = fromParams ?? { ...DEFAULT_THRESHOLDS };
    thresholdCache.set(model, t);
  }
  return t;
}

const EMPTY_FEATURE = (): number | null => null;

function emailDomain(email: string | null | undefined): string | null {
  if (email === null || email === undefined) return null;
  const at = email.lastIndexOf('@');
  return at < 0 ? null : email.slice(at + 1).toLowerCase();
}

/** Model thresholds → action. */
export function thresholdAction(score: number, t: { review: number; block: number }): Action {
  return score >= t.block ? 'block' : score >= t.review ? 'review' : 'allow';
}

/**
 * Builds the scorer: loads the rules, seeds the velocity counters from the last day of payments, and starts
 * the decision log. `models` is R's selector (null: rules only, `model: null` in every decision).
 */
export async function createFraudScorer(
  deps: {
    db: Db;
    clock: Clock;
    log: Log;
    features: OnlineFraudFeatures;
    models: ModelPicker | null;
    /** Counts decisions by outcome and observes their latency (platform/metrics.ts); optional. */
    metrics?: FraudMetrics | undefined;
  },
  options: ScorerOptions = {},
): Promise<FraudScorer> {
  const budgetMs = options.budgetMs ?? 50;
  const topReasons = options.topReasons ?? 3;
  const featureNames = FRAUD_FEATURES;
  const featureIndex = new Map(featureNames.map((name, i) => [name, i]));
  const rules = await loadRuleStore(deps, featureNames);
  const velocity = new VelocityCounter();
  const since = new Date(deps.clock.now().getTime() - 86_400_000);
  for (const r of await deps.db.all<{
    customer_id: string;
    payment_method_id: string | null;
    device_id: string | null;
    ip: string | null;
    created_at: Date;
  }>(RECENT_ATTEMPTS, { since })) {
    velocity.add('customer_id', r.customer_id, r.created_at);
    velocity.add('method_fingerprint', r.payment_method_id, r.created_at);
    velocity.add('device_id', r.device_id, r.created_at);
    velocity.add('ip', r.ip, r.created_at);
  }
  const decisions = createDecisionLog(deps, {
    ...(options.flushIntervalMs === undefined ? {} : { intervalMs: options.flushIntervalMs }),
    ...(options.flushRows === undefined ? {} : { maxRows: options.flushRows }),
    ...(options.maxQueuedRows === undefined ? {} : { maxQueued: options.maxQueuedRows }),
  });
  // Customers' school and email domain: all loaded at start (one read, ~100 bytes a customer), then a customer
  // created later is read once. A database read under load costs milliseconds, too much for the checkout's budget.
  const profiles = new Map<string, { school_id: string | null; email_domain: string | null }>();
  for (const c of await deps.db.all<{ id: string; school_id: string; email: string }>(CUSTOMER_PROFILES, {
    now: deps.clock.now(),
  })) {
    profiles.set(c.id, { school_id: c.school_id, email_domain: emailDomain(c.email) });
  }
  const profileOf = async (customerId: string) => {
    let p = profiles.get(customerId);
    if (p === undefined) {
      const row = await deps.db.one<{ school_id: string; email: string }>(CUSTOMER_PROFILE, { id: customerId });
      p = { school_id: row?.school_id ?? null, email_domain: emailDomain(row?.email) };
      if (profiles.size > 5_000_000) profiles.clear();
      profiles.set(customerId, p);
    }
    return p;
  };

  const score = async (input: ScoreInput, source: 'api' | 'payment' = 'api'): Promise<FraudDecision> => {
    const t0 = performance.now();
    const elapsed = () => performance.now() - t0;
    const at = input.at ?? deps.clock.now();
    let profile = profiles.get(input.customer_id);
    if (profile === undefined) {
      // The only awaited step: raced against the budget, so a slow read cannot hold the answer.
      const lookup = profileOf(input.customer_id);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), Math.max(0, budgetMs - elapsed()));
      });
      profile = (await Promise.race([lookup, late])) ?? undefined;
      clearTimeout(timer);
    }
    const schoolId = input.school_id ?? profile?.school_id ?? null;
    const subject: RuleSubject = {
      customer_id: input.customer_id,
      school_id: schoolId,
      amount: input.amount,
      method_fingerprint: input.method_fingerprint ?? null,
      device_id: input.device_id ?? null,
      ip: input.ip ?? null,
      email_domain: profile?.email_domain ?? null,
      method: input.method ?? (input.method_fingerprint?.startsWith('vpa:') ? 'upi' : null),
      at,
    };
    const attempt: FraudAttempt = {
      id: input.id ?? newId('att'),
      customer_id: input.customer_id,
      school_id: schoolId ?? '',
      amount: input.amount,
      method_fingerprint: subject.method_fingerprint,
      device_id: subject.device_id,
      ip: subject.ip,
      at,
    };
    const ruleSet = rules.current();

    let rulesOnly: FraudDecision['rules_only_reason'] = null;
    let vector: Float64Array | null = null;
    let scored: number | null = null;
    let reasons: FraudReason[] = [];
    let model: FraudDecision['model'] = null;
    let thresholds: FraudDecision['thresholds'] = null;
    let shadow: { version: string; model: FraudModel } | null = null;

    if (elapsed() > budgetMs) rulesOnly = 'budget_exceeded';
    else {
      vector = deps.features.vector(attempt);
      const picked = deps.models?.pick(input.customer_id) ?? { primary: null, shadow: null };
      shadow = picked.shadow;
      const primary = picked.primary;
      if (primary === null) rulesOnly = 'no_model';
      else if (elapsed() > budgetMs) rulesOnly = 'budget_exceeded';
      else {
        const m0 = performance.now();
        try {
          const s = primary.model.score(vector);
          const r = primary.model.reasons(vector, topReasons);
          const ms = performance.now() - m0;
          deps.models?.observe(primary.version, { ok: true, ms });
          if (elapsed() > budgetMs) rulesOnly = 'budget_exceeded';
          else {
            scored = s;
            reasons = r;
            model = { version: primary.version, role: primary.role };
            thresholds = thresholdsOf(primary.model, primary.thresholds);
          }
        } catch (err) {
          deps.models?.observe(primary.version, { ok: false, ms: performance.now() - m0 });
          deps.log.warn(
            { version: primary.version, err: err instanceof Error ? err.message : String(err) },
            'fraud model failed',
          );
          rulesOnly = 'model_error';
        }
      }
    }
    const v = vector;
    const feature =
      v === null
        ? EMPTY_FEATURE
        : (name: string): number | null => {
            const i = featureIndex.get(name);
            return i === undefined ? null : (v[i] ?? null);
          };
    const verdict = ruleSet.evaluate(subject, scored, feature, velocity);
    // allow rules > block list and rules > review rules > the model's thresholds.
    const decision: Action =
      verdict.action ?? (scored === null || thresholds === null ? 'allow' : thresholdAction(scored, thresholds));
    const features: Record<string, number> | null = v === null ? null : {};
    if (v !== null && features !== null) {
      for (let i = 0; i < featureNames.length; i++) features[featureNames[i] as string] = v[i] ?? 0;
    }
    const latency_us = Math.round(elapsed() * 1000);
    deps.metrics?.fraudDecision(decision, source, latency_us / 1e6);
    const result: FraudDecision = {
      object: 'fraud_decision',
      id: newId('fdc'),
      attempt_id: attempt.id,
      decision,
      score: scored,
      reasons,
      rule_hits: verdict.hits,
      model,
      thresholds,
      features,
      rules_only_reason: rulesOnly,
      budget_exceeded: rulesOnly === 'budget_exceeded',
      latency_us,
    };
    const row: DecisionRow = {
      id: result.id,
      attempt_id: attempt.id,
      customer_id: attempt.customer_id,
      school_id: schoolId,
      amount: attempt.amount,
      source,
      score: scored,
      decision,
      reasons,
      rule_hits: verdict.hits,
      model_version: model?.version ?? null,
      model_role: model?.role ?? null,
      shadow_version: null,
      shadow_score: null,
      features: v,
      latency_us,
      budget_exceeded: result.budget_exceeded,
      created_at: deps.clock.now(),
    };
    if (shadow !== null && v !== null) {
      // The other model is scored after the answer has gone, and logged beside it for comparison.
      const s = shadow;
      setImmediate(() => {
        try {
          row.shadow_score = s.model.score(v);
          row.shadow_version = s.version;
        } catch (err) {
          deps.log.warn(
            { version: s.version, err: err instanceof Error ? err.message : String(err) },
            'shadow model failed',
          );
        }
        decisions.push(row);
      });
    } else decisions.push(row);
    return result;
  };

  return {
    score,
    record: (attempt) => {
      deps.features.record(attempt);
      velocity.add('customer_id', attempt.customer_id, attempt.at);
      velocity.add('method_fingerprint', attempt.method_fingerprint, attempt.at);
      velocity.add('device_id', attempt.device_id, attempt.at);
      velocity.add('ip', attempt.ip, attempt.at);
    },
    recordFailure: (attemptId, at) => deps.features.recordFailure(attemptId, at),
    batchModel: () => {
      const picked = deps.models?.pick('') ?? { primary: null, shadow: null };
      const p = picked.primary;
      if (p === null) return null;
      // Batch scoring uses the champion: when the fixed key falls in the canary share, the champion is the shadow.
      if (p.role === 'canary' && picked.shadow !== null) {
        return {
          version: picked.shadow.version,
          model: picked.shadow.model,
          thresholds: thresholdsOf(picked.shadow.model),
        };
      }
      return { version: p.version, model: p.model, thresholds: thresholdsOf(p.model, p.thresholds) };
    },
    rules,
    decisions,
    budgetMs,
    close: () => decisions.close(),
  };
}
