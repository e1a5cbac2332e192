-- GST rates as data (issue 16): a change in law is a row, not a release. Owned by payments-core/gst-rates.
-- Two kinds of row, both dated in Asia/Kolkata calendar days:
--  * a slab (hsn_sac NULL): a rate any GST line may carry on a supply date in [effective_from, effective_until);
--    an invoice line at a rate no slab allows on its supply date is refused (unknown_gst_rate);
--  * an HSN/SAC rate: the rate in force for that code (and the longer codes under it) from effective_from until a
--    later row of the same code takes over; a plan that pins no rate bills at it on each period's supply date.
CREATE TABLE gst_rates (
  id              VARCHAR PRIMARY KEY,
  hsn_sac         VARCHAR CHECK (hsn_sac ~ '^[0-9]{4,8}$'),
  rate_bp         INTEGER NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000),
  effective_from  DATE NOT NULL,
  effective_until DATE,
  basis           VARCHAR NOT NULL,   -- the notification (or ruling) the row follows
  created_at      TIMESTAMPTZ NOT NULL,
  CHECK (effective_until IS NULL OR effective_until > effective_from),
  CHECK (hsn_sac IS NULL OR effective_until IS NULL)
);
CREATE UNIQUE INDEX gst_rates_code_from ON gst_rates (hsn_sac, effective_from) WHERE hsn_sac IS NOT NULL;
CREATE UNIQUE INDEX gst_rates_slab_from ON gst_rates (rate_bp, effective_from) WHERE hsn_sac IS NULL;

-- The slabs. From 1 July 2017: 0/5/12/18/28 % (Notification 1/2017-Central Tax (Rate)); from 22 September 2025
-- ("GST 2.0", the 56th Council meeting; Notification 9/2025-Central Tax (Rate) for goods and 15/2025 for services,
-- both of 17 September 2025, https://www.taxscan.in/top-stories/cbic-issues-gst-rate-notification-new-gst-rates-effective-from-22-september-2025-1432884
-- and https://gazettetracker.com/g/CG-DL-E-17092025-266220): 0/5/18 % and 40 % for luxury and demerit goods. 12 and
-- 28 % stay valid for supplies before 22 September 2025 (documents and credit notes of those supplies).
INSERT INTO gst_rates (id, hsn_sac, rate_bp, effective_from, effective_until, basis, created_at) VALUES
  ('gstr_slab_0', NULL, 0, '2017-07-01', NULL, 'Notification 1/2017-Central Tax (Rate)', now()),
  ('gstr_slab_500', NULL, 500, '2017-07-01', NULL, 'Notification 1/2017-Central Tax (Rate)', now()),
  ('gstr_slab_1200', NULL, 1200, '2017-07-01', '2025-09-22', 'Notification 1/2017; ended by 9/2025-Central Tax (Rate)', now()),
  ('gstr_slab_1800', NULL, 1800, '2017-07-01', NULL, 'Notification 1/2017-Central Tax (Rate)', now()),
  ('gstr_slab_2800', NULL, 2800, '2017-07-01', '2025-09-22', 'Notification 1/2017; ended by 9/2025-Central Tax (Rate)', now()),
  ('gstr_slab_4000', NULL, 4000, '2025-09-22', NULL, 'Notification 9/2025-Central Tax (Rate), Schedule III', now()),
-- Codes kosh's plans use. Heading 9963 (Notification 11/2017-Central Tax (Rate), entry 7, as amended by 15/2025):
-- restaurant service other than at specified premises 5 % without ITC (item (ii), from 15 November 2017); outdoor
-- catering other than at specified premises 5 % without ITC (item (iv), from 1 October 2019, Notification
-- 20/2019), both unchanged by 15/2025; other contract food services, SAC 996337, fall in the residual item (vi) at
-- 18 % (Tamil Nadu AAR 113/AAR/2023, https://taxguru.in/goods-and-service-tax/gst-rates-outdoor-catering-services-input-tax-credit.html):
-- a school-meal caterer that is not exempt either pins 5 % on its plan (its own classification) or bills this.
  ('gstr_996331_2017', '996331', 500, '2017-11-15', NULL, 'Notification 11/2017-CT(Rate) entry 7(ii), as amended by 46/2017', now()),
  ('gstr_996334_2019', '996334', 500, '2019-10-01', NULL, 'Notification 11/2017-CT(Rate) entry 7(iv), as amended by 20/2019', now()),
  ('gstr_996337_2017', '996337', 1800, '2017-07-01', NULL, 'Notification 11/2017-CT(Rate) entry 7(vi); TN AAR 113/AAR/2023', now()),
-- HSN 1905, bread, pastry, cakes, biscuits and other bakers' wares: 18 % to 21 September 2025, 5 % from 22 September
-- 2025 (Notification 9/2025-Central Tax (Rate); https://cleartax.in/s/gst-on-cakes-pastries).
  ('gstr_1905_2017', '1905', 1800, '2017-07-01', NULL, 'Notification 1/2017-Central Tax (Rate), Schedule III', now()),
  ('gstr_1905_2025', '1905', 500, '2025-09-22', NULL, 'Notification 9/2025-Central Tax (Rate), Schedule I', now());

-- An e-invoice's registration at an IRP, as the operator records it (kosh holds no IRP credentials): the IRN (the
-- IRP's 64-hex-digit SHA-256 reference), its acknowledgement number and time, and the signed QR code (the JWT the
-- IRP returns, printed as a QR on the PDF). Written once, by payments-core/invoices (record-invoice-irn.ts).
ALTER TABLE invoices ADD COLUMN irn VARCHAR CHECK (irn ~ '^[0-9a-f]{64}$');
ALTER TABLE invoices ADD COLUMN irn_ack_no VARCHAR;
ALTER TABLE invoices ADD COLUMN irn_ack_at TIMESTAMPTZ;
ALTER TABLE invoices ADD COLUMN irn_signed_qr VARCHAR;
ALTER TABLE invoices ADD CONSTRAINT invoices_irn_whole
  CHECK ((irn IS NULL) = (irn_ack_no IS NULL) AND (irn IS NULL) = (irn_ack_at IS NULL)
         AND (irn IS NULL) = (irn_signed_qr IS NULL));
ALTER TABLE invoices ADD CONSTRAINT invoices_irn_b2b
  CHECK (irn IS NULL OR (kind = 'invoice' AND customer_gstin IS NOT NULL));
CREATE UNIQUE INDEX invoices_irn ON invoices (irn) WHERE irn IS NOT NULL;
