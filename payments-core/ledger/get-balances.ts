import type { Sql } from '../../platform/db.js';
import { BALANCES, UNBALANCED_ENTRIES } from './repository.js';

export interface LedgerBalances {
  readonly accounts: { account: string; currency: string; balance: number; lines: number }[];
  /** Sum over every account, per currency: zero when the books balance. */
  readonly totals: { currency: string; total: number }[];
  readonly balanced: boolean;
  readonly unbalancedEntries: string[];
}

/** Balances of every account and the proof that they sum to zero. */
export async function getBalances(deps: { db: Sql }): Promise<LedgerBalances> {
  const rows = await deps.db.all<{ account: string; currency: string; balance_minor: number; lines: number }>(BALANCES);
  const unbalanced = await deps.db.all<{ entry_id: string }>(UNBALANCED_ENTRIES);
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.currency, (totals.get(r.currency) ?? 0) + r.balance_minor);
  const totalList = [...totals].map(([currency, total]) => ({ currency, total }));
  return {
    accounts: rows.map((r) => ({ account: r.account, currency: r.currency, balance: r.balance_minor, lines: r.lines })),
    totals: totalList,
    balanced: totalList.every((t) => t.total === 0) && unbalanced.length === 0,
    unbalancedEntries: unbalanced.map((u) => u.entry_id),
  };
}
