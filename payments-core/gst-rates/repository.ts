/**
 * The GST rate table's SQL; this module is its only writer. Concurrency: rows are only added, and the unique
 * (code, effective_from) and (slab rate, effective_from) indexes refuse a second row for the same day.
 */
export const GST_RATE_COLUMNS = `
SELECT 'gst_rate' AS object, id, hsn_sac, rate_bp, to_char(effective_from, 'YYYY-MM-DD') AS effective_from,
       to_char(effective_until, 'YYYY-MM-DD') AS effective_until, basis, created_at
FROM gst_rates`;
export const ALL_GST_RATES = `${GST_RATE_COLUMNS} ORDER BY hsn_sac NULLS FIRST, effective_from, rate_bp`;
export const INSERT_GST_RATE = `
INSERT INTO gst_rates (id, hsn_sac, rate_bp, effective_from, effective_until, basis, created_at)
VALUES ($id, $hsn_sac, $rate_bp, $effective_from::date, $effective_until::date, $basis, $at)
ON CONFLICT DO NOTHING
RETURNING id`;
export const GST_RATE_BY_ID = `${GST_RATE_COLUMNS} WHERE id = $id`;
