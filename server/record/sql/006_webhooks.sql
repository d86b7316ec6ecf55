-- Issue 13: signed webhooks. Admins register endpoints for conversation events; each event is
-- written here once per subscribed endpoint (the outbox, unique per endpoint and idempotency
-- key, so an event recorded twice is delivered once), and every node's sender claims due rows,
-- posts them, and records the outcome: the delivery log admins read.
CREATE TABLE webhooks (
  id bigserial PRIMARY KEY,
  url text NOT NULL,
  secret text NOT NULL,
  events text[] NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  removed boolean NOT NULL DEFAULT false,
  created_by text NOT NULL,
  created_ms bigint NOT NULL,
  updated_ms bigint NOT NULL
);
CREATE TABLE webhook_deliveries (
  id bigserial PRIMARY KEY,
  webhook_id bigint NOT NULL REFERENCES webhooks (id),
  event text NOT NULL,
  idempotency_key text NOT NULL,
  body text NOT NULL,
  created_ms bigint NOT NULL,
  next_attempt_ms bigint NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  last_status integer NOT NULL DEFAULT 0,
  last_error text NOT NULL DEFAULT '',
  done_ms bigint NOT NULL DEFAULT 0,
  UNIQUE (webhook_id, idempotency_key)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_ms) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id DESC);
