-- Billing addresses (CGST Rule 46(e): the recipient's name and address, and the state of supply).
-- One optional address per customer and per school, in tables of their own (owned by payments-core/customers and
-- payments-core/schools): line1, line2, city, state (the two-digit GST state code, e.g. 29 for Karnataka) and a
-- six-digit PIN code. A registered recipient (an invoice with a GSTIN) needs its customer's address before the
-- invoice can be finalised. Separate tables leave the customers and schools rows (and their bulk COPY) unchanged.
CREATE TABLE customer_billing_addresses (
  customer_id  VARCHAR PRIMARY KEY REFERENCES customers (id),
  line1        VARCHAR NOT NULL CHECK (length(line1) BETWEEN 1 AND 200),
  line2        VARCHAR CHECK (length(line2) BETWEEN 1 AND 200),
  city         VARCHAR NOT NULL CHECK (length(city) BETWEEN 1 AND 100),
  state_code   VARCHAR NOT NULL CHECK (state_code ~ '^[0-9]{2}$'),
  postal_code  VARCHAR NOT NULL CHECK (postal_code ~ '^[1-9][0-9]{5}$'),
  updated_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE school_billing_addresses (
  school_id    VARCHAR PRIMARY KEY REFERENCES schools (id),
  line1        VARCHAR NOT NULL CHECK (length(line1) BETWEEN 1 AND 200),
  line2        VARCHAR CHECK (length(line2) BETWEEN 1 AND 200),
  city         VARCHAR NOT NULL CHECK (length(city) BETWEEN 1 AND 100),
  state_code   VARCHAR NOT NULL CHECK (state_code ~ '^[0-9]{2}$'),
  postal_code  VARCHAR NOT NULL CHECK (postal_code ~ '^[1-9][0-9]{5}$'),
  updated_at   TIMESTAMPTZ NOT NULL
);
