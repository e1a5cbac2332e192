-- One payment in flight or captured per order, refused by the database itself: the order's row lock keeps it in
-- the code (payments-core/payments/create-payment.ts); this keeps it even if that code has a bug. A failed
-- payment does not count, so the order can be tried again.
CREATE UNIQUE INDEX payments_one_live_per_order ON payments (order_id)
  WHERE status IN ('on_hold', 'created', 'unknown', 'authorized', 'captured');
