-- Infrastructure every service schema has (the migration runs with search_path set to the
-- service's own schema): the transactional outbox, the consumer inbox, idempotency keys.

-- Events written in the same transaction as the business change; the relay publishes them
-- to JetStream in `seq` order and marks them published; published rows are kept for a while
-- so they can be re-published after an unclean NATS restart (DESIGN.md, "Durability").
CREATE TABLE outbox (
    seq          bigserial PRIMARY KEY,
    id           uuid        NOT NULL UNIQUE,
    event_type   text        NOT NULL,
    envelope     jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;
CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL;

-- Wake the relay when an outbox write commits (NOTIFY is delivered at commit).
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox_' || TG_TABLE_SCHEMA, '');
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Events a consumer has applied: its effect and this row commit together, so a redelivered
-- event is recognised and skipped.
CREATE TABLE inbox (
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- A creating request's Idempotency-Key: claimed at the start of its transaction, filled
-- with the reply at the end; a retry with the same key gets that reply back.
CREATE TABLE idempotency_keys (
    operation   text        NOT NULL,
    key         text        NOT NULL,
    fingerprint text        NOT NULL,
    response    jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (operation, key)
);
