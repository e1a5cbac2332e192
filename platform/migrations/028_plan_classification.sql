-- What a plan supplies, for its invoice lines and the GSTR-1 HSN summary (CGST Rule 46(g)/(h): the HSN/SAC, and the
-- quantity with its unit): each plan carries its HSN/SAC code and its unit quantity code (UQC, the GST portal's list),
-- and invoice lines carry the unit beside their HSN/SAC. An exempt plan records the school's exemption declaration:
-- the entry it relies on. Existing plans and lines take the school-meal defaults (SAC 996337, NOS).
ALTER TABLE subscription_plans ADD COLUMN hsn_sac VARCHAR NOT NULL DEFAULT '996337';
ALTER TABLE subscription_plans ADD COLUMN uqc VARCHAR NOT NULL DEFAULT 'NOS';
ALTER TABLE subscription_plans ADD COLUMN exemption_basis VARCHAR;
UPDATE subscription_plans
SET exemption_basis = 'Notification 12/2017-Central Tax (Rate), entry 66(b)(ii): catering to an educational institution up to higher secondary'
WHERE tax_category = 'gst_exempt_school_meals';
ALTER TABLE subscription_plans ADD CONSTRAINT subscription_plans_hsn_sac_digits CHECK (hsn_sac ~ '^[0-9]{4,8}$');
ALTER TABLE subscription_plans ADD CONSTRAINT subscription_plans_uqc_code CHECK (uqc ~ '^[A-Z]{3}$');
ALTER TABLE subscription_plans ADD CONSTRAINT subscription_plans_exemption_declared
  CHECK ((tax_category = 'gst_exempt_school_meals') = (exemption_basis IS NOT NULL));
ALTER TABLE invoice_lines ADD COLUMN uqc VARCHAR NOT NULL DEFAULT 'NOS';
ALTER TABLE invoice_lines ADD CONSTRAINT invoice_lines_uqc_code CHECK (uqc ~ '^[A-Z]{3}$');
