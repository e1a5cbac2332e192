import type { Clock } from '../../../platform/clock.js';
import type { Db } from '../../../platform/db.js';
import { AppError, notFound } from '../../../platform/errors.js';
import { checkIfMatch } from '../../../platform/etag.js';
import { newId } from '../../../platform/ids.js';
import { ALL_RULES, DELETE_RULE, INSERT_RULE, RULE_FOR_UPDATE, UPDATE_RULE } from './repository.js';
import { checkRule, RuleSet } from './rule-set.js';
import type { FraudRule, RuleInput } from './types.js';

/** The fraud rules in the database, compiled in memory; every change recompiles, so scoring never reads the table. */
export interface RuleStore {
  current(): RuleSet;
  list(): readonly FraudRule[];
  get(id: string): FraudRule;
  create(input: RuleInput): Promise<FraudRule>;
  /** `ifMatch`: an ETag from a read; a rule changed since (by any process) is refused with 412. */
  update(id: string, patch: RuleInput, ifMatch?: string): Promise<FraudRule>;
  remove(id: string): Promise<void>;
  reload(): Promise<void>;
}

function toRule(row: FraudRule & { deleted_at?: Date | null }): FraudRule {
  const { deleted_at: _deleted, ...rule } = row;
  return { ...rule, enabled: Boolean(row.enabled) };
}

function rejected(errors: { field: string; code: string; message: string }[]): AppError {
  const first = errors[0];
  const position = /^at position (\d+):/.exec(first?.message ?? '')?.[1];
  return new AppError(
    'invalid',
    'invalid_rule',
    first === undefined ? 'invalid rule' : `${first.field}: ${first.message}`,
    {
      fields: errors,
      ...(position === undefined ? {} : { extra: { position: Number(position) } }),
    },
  );
}

/** Loads the live rules and keeps them compiled; `featureNames` are the names expressions may read. */
export async function loadRuleStore(
  deps: { db: Db; clock: Clock },
  featureNames: readonly string[],
): Promise<RuleStore> {
  let rules: FraudRule[] = [];
  let compiled = new RuleSet([], featureNames);
  const reload = async () => {
    rules = (await deps.db.all<FraudRule & { deleted_at: Date | null }>(ALL_RULES))
      .filter((r) => r.deleted_at === null)
      .map(toRule)
      .sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : 1));
    compiled = new RuleSet(rules, featureNames);
  };
  await reload();
  const get = (id: string): FraudRule => {
    const rule = rules.find((r) => r.id === id);
    if (rule === undefined) throw notFound('fraud_rule', id);
    return rule;
  };
  return {
    current: () => compiled,
    list: () => rules,
    get,
    reload,
    create: async (input) => {
      const checked = checkRule(input, featureNames);
      if (!checked.ok) throw rejected(checked.errors);
      const id = newId('frl');
      await deps.db.transaction((tx) => tx.run(INSERT_RULE, { id, ...checked.rule, at: deps.clock.now() }));
      await reload();
      return get(id);
    },
    update: async (id, patch, ifMatch) => {
      get(id);
      await deps.db.transaction(async (tx) => {
        // The rule as stored now, locked: another process may have changed it since this one loaded it.
        const row = await tx.one<FraudRule & { deleted_at: Date | null }>(RULE_FOR_UPDATE, { id });
        if (row === undefined) throw notFound('fraud_rule', id);
        const before = toRule(row);
        checkIfMatch(ifMatch, before, 'fraud_rule', id);
        // A patch names only what changes; a new text re-derives the kind and action.
        const merged: RuleInput = {
          kind: patch.kind ?? (patch.text !== undefined ? 'expression' : before.kind),
          action: patch.action ?? (patch.text !== undefined ? undefined : before.action),
          field: patch.field ?? before.field ?? undefined,
          value: patch.value ?? before.value ?? undefined,
          window_seconds: patch.window_seconds ?? before.window_seconds ?? undefined,
          text: patch.text ?? before.text ?? undefined,
          description: patch.description ?? before.description ?? undefined,
          enabled: patch.enabled ?? before.enabled,
        };
        const checked = checkRule(merged, featureNames);
        if (!checked.ok) throw rejected(checked.errors);
        await tx.run(UPDATE_RULE, { id, ...checked.rule, at: deps.clock.now() });
      });
      await reload();
      return get(id);
    },
    remove: async (id) => {
      get(id);
      const changed = await deps.db.transaction((tx) => tx.run(DELETE_RULE, { id, at: deps.clock.now() }));
      await reload();
      if (changed === 0) throw notFound('fraud_rule', id);
    },
  };
}
