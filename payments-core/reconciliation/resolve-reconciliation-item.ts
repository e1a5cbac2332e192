import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import { paise } from '../../platform/money.js';
import { type LineTemplate, linesOf, POSTING_RULES } from '../ledger/journal-rules.js';
import { postEntry } from '../ledger/post-entry.js';
import type { JournalKind } from '../ledger/types.js';
import { RECONCILIATION_ADJUSTMENT } from './adjustment-rules.js';
import { ITEM_BY_ID, ITEM_FOR_RESOLUTION, KOSH_RECORD_EXISTS, RESOLVE_ITEM } from './repository.js';
import type { ManualResolution, ReconItem, ReconResolution, ReconStatus } from './types.js';

export interface ResolveItemInput {
  readonly itemId: string;
  readonly resolution: ManualResolution;
  /** Why, in the person's words: 3–500 characters. */
  readonly note: string | undefined;
  /** For `matched_manually` of a `missing_in_kosh` line: kosh's payment (or refund) it is. */
  readonly koshId?: string | undefined;
  /** Who: the API key id. */
  readonly resolvedBy: string;
}

interface LockedItem {
  id: string;
  run_id: string;
  status: ReconStatus;
  resolution: ReconResolution;
  entity_type: string;
  entity_id: string;
  currency: string;
  d_amount: number;
  d_fee: number;
  d_tax: number;
}

/** How a resolution books the difference: the template and the journal kind, or nothing. */
const BOOKING: Record<ManualResolution, { kind: JournalKind; templates: readonly LineTemplate[] } | null> = {
  adjust: { kind: 'adjustment', templates: RECONCILIATION_ADJUSTMENT },
  write_off: { kind: 'recon_write_off', templates: POSTING_RULES.recon_write_off },
  matched_manually: null,
};

function checkNote(note: string | undefined): string {
  const text = note?.trim() ?? '';
  if (text.length < 3 || text.length > 500) {
    throw invalid('invalid_note', 'a resolution says why, in 3 to 500 characters', [
      {
        field: '/note',
        code: note === undefined ? 'required' : 'invalid_length',
        message: 'the reason, 3–500 characters',
      },
    ]);
  }
  return text;
}

/**
 * A person resolves an open reconciliation item with a reason: `adjust` and `write_off` book the item's difference
 * in the ledger (one balanced entry, unique per item and kind), `matched_manually` records who, what and why only.
 * Only an open item can be resolved, once: the row lock and the `resolution = 'open'` guard make a second or
 * concurrent resolve a 409 that changes nothing.
 */
export async function resolveReconciliationItem(
  deps: { db: Db; clock: Clock },
  input: ResolveItemInput,
): Promise<ReconItem> {
  const note = checkNote(input.note);
  if (input.koshId !== undefined && input.resolution !== 'matched_manually') {
    throw invalid('kosh_id_not_allowed', 'kosh_id names the record of a manual match only', [
      { field: '/kosh_id', code: 'not_allowed', message: 'only with resolution matched_manually' },
    ]);
  }
  const at = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    const item = await tx.one<LockedItem>(ITEM_FOR_RESOLUTION, { id: input.itemId });
    if (item === undefined) throw notFound('reconciliation_item', input.itemId);
    if (item.resolution !== 'open') {
      throw conflict('item_not_open', `item ${item.id} is ${item.resolution}, not open`, {
        resolution: item.resolution,
      });
    }
    if (input.koshId !== undefined) {
      if (item.status !== 'missing_in_kosh') {
        throw invalid('kosh_id_not_allowed', 'kosh_id names the record of a missing_in_kosh line only', [
          { field: '/kosh_id', code: 'not_allowed', message: `the item is ${item.status}` },
        ]);
      }
      const found = await tx.one(KOSH_RECORD_EXISTS, { entity_type: item.entity_type, kosh_id: input.koshId });
      if (found === undefined) {
        throw invalid('unknown_kosh_id', `kosh has no ${item.entity_type} ${input.koshId}`, [
          { field: '/kosh_id', code: 'unknown', message: `no kosh ${item.entity_type} with this id` },
        ]);
      }
    }
    const booking = BOOKING[input.resolution];
    if (booking !== null && item.d_amount === 0 && item.d_fee === 0 && item.d_tax === 0) {
      throw invalid('nothing_to_book', `item ${item.id} has no difference to ${input.resolution}`, [
        { field: '/resolution', code: 'nothing_to_book', message: 'use matched_manually' },
      ]);
    }

    let entryId: string | null = null;
    if (booking !== null) {
      entryId = `je_${booking.kind}_${item.id}`;
      // A refund the gateway paid out more leaves it holding less: the clearing side of a refund flips.
      const amount = item.entity_type === 'refund' ? -item.d_amount : item.d_amount;
      const posted = await postEntry(tx, {
        id: entryId,
        kind: booking.kind,
        refType: 'adjustment',
        refId: item.id,
        currency: item.currency,
        memo: `reconciliation ${item.run_id}: ${input.resolution} by ${input.resolvedBy} of ${item.status} on ${item.entity_type} ${item.entity_id}: ${note}`,
        at,
        lines: linesOf(booking.templates, {
          schoolId: null,
          amount: paise(amount),
          fee: paise(item.d_fee),
          tax: paise(item.d_tax),
        }),
      });
      // Unreachable while the lock and the guard hold; the ledger's unique (kind, ref_id) is the last word.
      if (!posted) throw conflict('item_already_booked', `item ${item.id} already has a ${booking.kind} entry`);
    }
    await tx.run(RESOLVE_ITEM, {
      id: item.id,
      resolution: input.resolution,
      at,
      resolved_by: input.resolvedBy,
      note,
      journal_entry_id: entryId,
      kosh_id: input.koshId ?? null,
    });
  });
  const resolved = await deps.db.one<ReconItem>(ITEM_BY_ID, { id: input.itemId });
  if (resolved === undefined) throw notFound('reconciliation_item', input.itemId);
  return resolved;
}
