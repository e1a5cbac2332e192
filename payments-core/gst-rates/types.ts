/** One row of the GST rate table (migration 036): a slab (`hsn_sac` null) or the rate of an HSN/SAC code. */
export interface GstRate {
  readonly object: 'gst_rate';
  readonly id: string;
  readonly hsn_sac: string | null;
  readonly rate_bp: number;
  /** First IST day the row applies to, YYYY-MM-DD. */
  readonly effective_from: string;
  /** First IST day it no longer applies (slabs only); null = open. */
  readonly effective_until: string | null;
  readonly basis: string;
  readonly created_at: Date;
}

/**
 * The whole table, read once per use case (it is small): which rates a line may carry and which rate a code bills
 * at, on a supply date (an IST day, YYYY-MM-DD).
 */
export interface GstRateTable {
  /** The slabs in force on the day. */
  slabsOn(day: string): number[];
  /** The rate in force on the day for the code, by its longest listed prefix; null when the table has none. */
  rateFor(hsnSac: string, day: string): number | null;
}
