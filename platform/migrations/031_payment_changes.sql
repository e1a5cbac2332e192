-- The payments change feed (issue 17 §3, §4): one row per payment inserted or updated, in the transaction that
-- changed it, for the consumers that must see every payment whichever path made it (the online fraud features of
-- every process, the lake appender). A row says which payment changed; a consumer reads the payment's state.
--
-- Order and the sequence gap: `seq` is handed out when a row is written, not when its transaction commits, so a
-- reader that kept only "the last seq read" would skip a row of a slower transaction forever. Readers therefore
-- order by (xid, seq) and read only rows whose transaction id is below the oldest transaction still running
-- (`pg_snapshot_xmin(pg_current_snapshot())`): every transaction below it has ended, so no row can ever appear
-- behind a cursor (payments-core/payments/read-payment-changes.ts).
--
-- Written by triggers rather than by each statement of the owner: `payments` is written by a dozen statements,
-- set-based ones among them (the billing run inserts and settles a chunk per statement, imports copy), and a
-- missed one would silently starve every consumer. The triggers belong to the owner's table, write only this
-- table, run once per statement (transition tables: one INSERT … SELECT per statement, so set writes stay set
-- writes), and change nothing the owner's code reads.
CREATE TABLE payment_changes (
  seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  xid         XID8 NOT NULL DEFAULT pg_current_xact_id(),
  payment_id  VARCHAR NOT NULL,
  op          VARCHAR NOT NULL CHECK (op IN ('insert', 'update'))
);
CREATE INDEX payment_changes_xid_seq ON payment_changes (xid, seq);

CREATE FUNCTION record_payment_changes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO payment_changes (payment_id, op) SELECT id, lower(TG_OP) FROM changed_rows ORDER BY id; RETURN NULL; END $$;

CREATE TRIGGER payments_inserted_feed AFTER INSERT ON payments REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION record_payment_changes();
CREATE TRIGGER payments_updated_feed AFTER UPDATE ON payments REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION record_payment_changes();

-- Where each durable consumer of the feed is: everything up to (xid, seq) is consumed. The in-process consumers
-- (online features) keep theirs in memory, from the point they loaded at.
CREATE TABLE feed_cursors (
  name        VARCHAR PRIMARY KEY,
  xid         XID8 NOT NULL,
  seq         BIGINT NOT NULL,
  updated_at  TIMESTAMPTZ NOT NULL
);

-- The nightly export compacts the appended part files: a partition records the oldest transaction still running
-- when its snapshot was about to be taken, so every change below it is in the partition's files, and a part file
-- whose every change is in such a partition is deleted (pipelines/lake/compact-payment-changes.ts).
ALTER TABLE lake_partitions ADD COLUMN feed_xid XID8;
