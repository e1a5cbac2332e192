import { describe, expect, it } from 'vitest';
import { evaluate, parseRule, RuleSyntaxError } from '../../models/fraud/rules/expression.js';
import { checkRule, RuleSet, type RuleSubject, VelocityCounter } from '../../models/fraud/rules/rule-set.js';
import type { FraudRule } from '../../models/fraud/rules/types.js';

const known = (n: string) => ['score', 'amount', 'method', 'school', 'device', 'new_device'].includes(n);
const scope =
  (values: Record<string, number | string | null>) =>
  (name: string): number | string | null =>
    values[name] ?? null;

const subject = (over: Partial<RuleSubject> = {}): RuleSubject => ({
  customer_id: 'cus_a',
  school_id: 'sch_a',
  amount: 50_000,
  method_fingerprint: 'pm_a',
  device_id: 'dev_a',
  ip: '10.1.2.3',
  email_domain: 'example.in',
  method: 'card',
  at: new Date('2026-11-28T10:00:00Z'),
  ...over,
});

let n = 0;
const rule = (r: Partial<FraudRule> & Pick<FraudRule, 'kind' | 'action'>): FraudRule => ({
  object: 'fraud_rule',
  id: `frl_${++n}`,
  field: null,
  value: null,
  window_seconds: null,
  text: null,
  description: null,
  enabled: true,
  created_at: new Date(),
  updated_at: new Date(),
  ...r,
});

describe('rule expressions', () => {
  it('when a rule reads score and amount → it fires only when both hold', () => {
    const r = parseRule('review if score > 0.6 and amount > 500000', known);
    expect(r.action).toBe('review');
    expect(evaluate(r.condition, scope({ score: 0.7, amount: 600_000 }))).toBe(true);
    expect(evaluate(r.condition, scope({ score: 0.7, amount: 400_000 }))).toBe(false);
    expect(evaluate(r.condition, scope({ score: 0.5, amount: 600_000 }))).toBe(false);
  });

  it('when precedence, parentheses, not, in and strings are used → and binds tighter than or', () => {
    const r = parseRule("block if method == 'card' or amount >= 1_000 and not (device in ('d1', 'd2'))", known);
    expect(evaluate(r.condition, scope({ method: 'card', amount: 0, device: 'd1' }))).toBe(true);
    expect(evaluate(r.condition, scope({ method: 'upi', amount: 5000, device: 'd3' }))).toBe(true);
    expect(evaluate(r.condition, scope({ method: 'upi', amount: 5000, device: 'd2' }))).toBe(false);
  });

  it('when the score is missing (rules only) → a comparison on it is false', () => {
    const r = parseRule('block if score > 0.1', known);
    expect(evaluate(r.condition, scope({}))).toBe(false);
  });

  it.each([
    ['review if score >', 17, 'expected a value'],
    ['review if scor > 0.6', 10, 'unknown name "scor"'],
    ['hold if score > 0.6', 0, 'a rule starts with allow, review or block'],
    ['review score > 0.6', 7, 'expected "if"'],
    ['review if (score > 0.6', 22, 'expected ")"'],
    ['review if score > 0.6 amount', 22, 'unexpected "amount"'],
    ["review if method == 'card", 20, 'unterminated string'],
    ['review if score ~ 1', 16, 'unexpected character'],
  ])('when the text is %j → a syntax error at position %i', (text, position, message) => {
    let caught: unknown;
    try {
      parseRule(text, known);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RuleSyntaxError);
    expect((caught as RuleSyntaxError).position).toBe(position);
    expect((caught as RuleSyntaxError).message).toContain(message);
  });

  it('when a rule is checked → bad text names /text and the position, lists need a field and value', () => {
    expect(checkRule({ text: 'review if nope > 1' }, ['new_device'])).toEqual({
      ok: false,
      errors: [{ field: '/text', code: 'rule_syntax', message: 'at position 10: unknown name "nope"' }],
    });
    const list = checkRule({ kind: 'block_list', field: 'ip', value: '999.1.1.1' }, []);
    expect(list.ok).toBe(false);
    expect(checkRule({ kind: 'block_list', field: 'ip', value: '10.0.0.0/8' }, []).ok).toBe(true);
    expect(checkRule({ kind: 'velocity_cap', value: 5, window_seconds: 600 }, []).ok).toBe(true);
    expect(checkRule({ kind: 'amount_cap', action: 'allow', value: 5 }, []).ok).toBe(false);
  });
});

describe('rule sets', () => {
  const noFeatures = () => null;

  it('when an allow list and a block list both match → allow wins, then block over review', () => {
    const set = new RuleSet(
      [
        rule({ kind: 'block_list', action: 'block', field: 'device_id', value: 'dev_a' }),
        rule({ kind: 'expression', action: 'review', text: 'review if amount > 100' }),
        rule({ kind: 'allow_list', action: 'allow', field: 'customer_id', value: 'cus_a' }),
      ],
      [],
    );
    const v = set.evaluate(subject(), null, noFeatures, new VelocityCounter());
    expect(v.action).toBe('allow');
    expect(v.hits.map((h) => h.action).sort()).toEqual(['allow', 'block', 'review']);
    const other = set.evaluate(subject({ customer_id: 'cus_b' }), null, noFeatures, new VelocityCounter());
    expect(other.action).toBe('block');
  });

  it('when the IP falls in a blocked CIDR or the email domain is listed → block', () => {
    const set = new RuleSet(
      [
        rule({ kind: 'block_list', action: 'block', field: 'ip', value: '10.0.0.0/8' }),
        rule({ kind: 'block_list', action: 'block', field: 'email_domain', value: 'spam.example' }),
      ],
      [],
    );
    expect(set.evaluate(subject({ ip: '::ffff:10.9.9.9' }), null, noFeatures, new VelocityCounter()).action).toBe(
      'block',
    );
    expect(set.evaluate(subject({ ip: '11.0.0.1' }), null, noFeatures, new VelocityCounter()).action).toBe(null);
    expect(
      set.evaluate(subject({ ip: null, email_domain: 'SPAM.example' }), null, noFeatures, new VelocityCounter()).action,
    ).toBe('block');
  });

  it('when a customer exceeds a velocity cap within its window → the cap fires, and not after the window', () => {
    const set = new RuleSet(
      [rule({ kind: 'velocity_cap', action: 'review', field: 'customer_id', value: '2', window_seconds: 600 })],
      [],
    );
    const counter = new VelocityCounter();
    const t = new Date('2026-11-28T10:00:00Z');
    counter.add('customer_id', 'cus_a', new Date(t.getTime() - 300_000));
    expect(set.evaluate(subject({ at: t }), null, noFeatures, counter).action).toBe(null);
    counter.add('customer_id', 'cus_a', new Date(t.getTime() - 200_000));
    expect(set.evaluate(subject({ at: t }), null, noFeatures, counter).action).toBe('review');
    expect(set.evaluate(subject({ at: new Date(t.getTime() + 500_000) }), null, noFeatures, counter).action).toBe(null);
  });

  it('when an amount cap and a feature rule are set → they read the amount and the feature values', () => {
    const set = new RuleSet(
      [
        rule({ kind: 'amount_cap', action: 'review', value: '1000000' }),
        rule({ kind: 'expression', action: 'block', text: 'block if new_device == 1 and amount > 200000' }),
      ],
      ['new_device'],
    );
    const feature = (name: string) => (name === 'new_device' ? 1 : null);
    expect(set.evaluate(subject({ amount: 2_000_000 }), null, noFeatures, new VelocityCounter()).action).toBe('review');
    expect(set.evaluate(subject({ amount: 300_000 }), null, feature, new VelocityCounter()).action).toBe('block');
    expect(set.evaluate(subject({ amount: 300_000 }), null, noFeatures, new VelocityCounter()).action).toBe(null);
  });
});
