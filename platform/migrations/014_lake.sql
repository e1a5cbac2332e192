-- The analytics lake (issue 8): one row per exported partition of a lake table, so the nightly export can
-- tell which partitions changed since they were written (late-arriving rows and updates) and re-export only
-- those. `rows` and `changed_max` are read back from the written files: a partition is stale when the
-- database now holds a different number of rows for its day, or a later change timestamp.
CREATE TABLE lake_partitions (
  table_name   VARCHAR NOT NULL,
  dt           DATE NOT NULL,             -- the IST calendar day of the rows' partition timestamp
  rows         BIGINT NOT NULL,           -- rows in the exported files
  files        INTEGER NOT NULL,
  bytes        BIGINT NOT NULL,
  schema_hash  VARCHAR NOT NULL,          -- sha256 of the column names and types
  changed_max  TIMESTAMPTZ,                 -- max of the table's change timestamp in the files
  exported_at  TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (table_name, dt)
);
