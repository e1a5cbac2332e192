-- A dead-lettered installment now suspends its plan (payments-core/installments/roll-up-plan.ts): the roll-up that was
-- `failed` is `suspended`, and a suspended plan's installments are not charged until its retry is requeued.
UPDATE installment_plans SET status = 'suspended' WHERE status = 'failed';
