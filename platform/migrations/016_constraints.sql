-- PostgreSQL is the system of record: the schema refuses what must never be, even when code has a bug,
-- and indexes the lookups every process makes (DuckDB scanned; PostgreSQL would too without these).

-- One line number once per entry; a ledger line always belongs to an entry.
ALTER TABLE journal_lines ADD PRIMARY KEY (entry_id, line_no);
ALTER TABLE journal_lines ADD CONSTRAINT journal_lines_entry_fk FOREIGN KEY (entry_id) REFERENCES journal_entries (id);
ALTER TABLE journal_lines ADD CONSTRAINT journal_lines_nonzero CHECK (amount_minor <> 0);

-- Money and states of the payments core.
ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount_minor > 0);
ALTER TABLE orders ADD CONSTRAINT orders_status_known CHECK (status IN ('created', 'attempted', 'paid'));
ALTER TABLE payments ADD CONSTRAINT payments_amount_positive CHECK (amount_minor > 0);
ALTER TABLE payments ADD CONSTRAINT payments_status_known
  CHECK (status IN ('on_hold', 'created', 'unknown', 'authorized', 'captured', 'failed'));
ALTER TABLE payments ADD CONSTRAINT payments_captured_within CHECK (captured_minor BETWEEN 0 AND amount_minor);
ALTER TABLE payments ADD CONSTRAINT payments_refunded_within CHECK (refunded_minor BETWEEN 0 AND captured_minor);
ALTER TABLE payments ADD CONSTRAINT payments_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);
ALTER TABLE refunds ADD CONSTRAINT refunds_amount_positive CHECK (amount_minor > 0);
ALTER TABLE refunds ADD CONSTRAINT refunds_status_known CHECK (status IN ('pending', 'processed', 'failed'));
ALTER TABLE refunds ADD CONSTRAINT refunds_payment_fk FOREIGN KEY (payment_id) REFERENCES payments (id);

-- The lookups of every request and job.
CREATE INDEX payments_order ON payments (order_id);
CREATE INDEX payments_customer ON payments (customer_id, created_at);
CREATE INDEX payments_created ON payments (created_at);
CREATE INDEX payments_unresolved ON payments (status, updated_at) WHERE status IN ('created', 'unknown', 'authorized');
CREATE INDEX orders_customer ON orders (customer_id);
CREATE INDEX refunds_payment ON refunds (payment_id);
CREATE INDEX journal_entries_created ON journal_entries (created_at);
CREATE INDEX journal_lines_account ON journal_lines (account);
CREATE INDEX payment_methods_customer ON payment_methods (customer_id);
CREATE INDEX customers_school ON customers (school_id);
CREATE INDEX subscriptions_customer ON subscriptions (customer_id);
CREATE INDEX webhook_events_status ON webhook_events (status, received_at);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);
