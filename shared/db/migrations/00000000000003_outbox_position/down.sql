DROP VIEW outbox_pending;
ALTER TABLE outbox ALTER COLUMN envelope TYPE jsonb USING envelope::jsonb;
ALTER TABLE outbox ADD COLUMN published_at timestamptz;
UPDATE outbox o SET published_at = now()
 WHERE (o.tx, o.seq) <= (SELECT tx, seq FROM outbox_published ORDER BY batch DESC LIMIT 1);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;
CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL;
DROP TABLE outbox_published;
DROP INDEX outbox_order;
ALTER TABLE outbox DROP COLUMN tx;
