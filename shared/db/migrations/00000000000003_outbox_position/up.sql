-- The relay keeps a position in the outbox instead of marking each row published. A mark
-- was an UPDATE of the whole row (envelope included) with its index entries and WAL: more
-- database work per event than writing the event. Outbox rows are now written once.
--
-- Rows are published in (tx, seq) order: `tx` is the writing transaction's id, `seq` the
-- order within it. A row is published only once every transaction with a lower id has ended
-- (`tx < pg_snapshot_xmin(pg_current_snapshot())`), so no row can later appear behind the
-- position: a position is enough to know what was published.
ALTER TABLE outbox ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX outbox_order ON outbox (tx, seq);

-- The position after each published batch, with its time: the newest row is the relay's
-- position; the older ones say what was published when, for re-publishing after an
-- unclean NATS restart and for the retention sweep.
CREATE TABLE outbox_published (
    batch bigserial   PRIMARY KEY,
    tx    xid8        NOT NULL,
    seq   bigint      NOT NULL,
    at    timestamptz NOT NULL DEFAULT now()
);
-- Rows written before this migration all carry its transaction id; start just before the
-- first unpublished one (an unpublished row behind a published one is sent again, never
-- skipped).
INSERT INTO outbox_published (tx, seq)
SELECT pg_current_xact_id(),
       coalesce((SELECT min(seq) - 1 FROM outbox WHERE published_at IS NULL),
                (SELECT max(seq) FROM outbox), 0);

DROP INDEX outbox_unpublished;
DROP INDEX outbox_published_at;
ALTER TABLE outbox DROP COLUMN published_at;

-- The envelope is kept as the JSON text it was written as (`json`, validated, not parsed
-- into `jsonb`): the relay sends it as is, and nothing queries inside it.
ALTER TABLE outbox ALTER COLUMN envelope TYPE json USING envelope::json;

-- Rows the relay has not published yet.
CREATE VIEW outbox_pending AS
SELECT o.* FROM outbox o
 WHERE (o.tx, o.seq) > (SELECT tx, seq FROM outbox_published ORDER BY batch DESC LIMIT 1);
