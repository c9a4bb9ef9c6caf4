-- The audit trail (SECURITY.md, "Audit trail"): every event written to the outbox is also
-- appended to a hash chain that outlives the outbox (whose rows are deleted once published).
-- One chain per county and service schema: the county is the region of the event's actor
-- (a token's region; the system names the county it acts for), '' for events of no county.
-- Each record carries hash = SHA-256(prev_hash || UTF-8 bytes of content), where content
-- is the envelope exactly as the outbox holds it and the relay publishes it, and prev_hash
-- is the previous record's hash (32 zero bytes for the first). `edugroup audit verify`
-- recomputes the chain; the lead-school API exports it signed.

-- The newest record of each chain: appends lock this row, so two writers of one county
-- cannot both extend the same record (fork the chain); other counties are other rows.
CREATE TABLE audit_heads (
    chain     text   PRIMARY KEY,
    seq       bigint NOT NULL,
    prev_hash bytea  NOT NULL,
    hash      bytea  NOT NULL
);

CREATE TABLE audit_records (
    chain      text   NOT NULL,
    seq        bigint NOT NULL,
    event_id   uuid   NOT NULL,
    event_type text   NOT NULL,
    -- text, never jsonb: jsonb re-orders keys and drops whitespace, so the bytes hashed
    -- would not be the bytes kept
    content    text   NOT NULL,
    prev_hash  bytea  NOT NULL,
    hash       bytea  NOT NULL,
    PRIMARY KEY (chain, seq)
);

-- Appends the record of one outbox row. A deferred constraint trigger runs when the writing
-- transaction commits: the head's row lock is then held only while that transaction
-- commits (not from the write to the commit), and it is the last lock the transaction takes,
-- so it cannot deadlock with the rows a service locks after writing an event. The events
-- of one transaction are appended in the order they were written. Its tables are those of
-- the schema it was created in (the migration's search_path), whatever the writer's is.
--
-- The price: one county's writers in one service commit one after the other, about one per
-- WAL flush (pgbench on the 2-core development machine, 16 writers of the posting
-- transaction's shape: ≈900/s in one county against ≈3,000/s without the chain; ≈2,400/s
-- spread over 16 counties). A transaction whose events are of two counties (a consumer's
-- batch) locks their heads in the order written; two such in opposite orders deadlock,
-- PostgreSQL aborts one, and the consumer applies that batch again event by event.
CREATE FUNCTION audit_append() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
    v_chain   text  := coalesce(NEW.envelope -> 'actor' ->> 'region', '');
    v_content text  := NEW.envelope::text;
    v_bytes   bytea := convert_to(NEW.envelope::text, 'UTF8');
    v_genesis bytea := decode(repeat('00', 32), 'hex');
    v_seq     bigint;
    v_prev    bytea;
    v_hash    bytea;
BEGIN
    INSERT INTO audit_heads AS h (chain, seq, prev_hash, hash)
    VALUES (v_chain, 1, v_genesis, sha256(v_genesis || v_bytes))
    ON CONFLICT (chain) DO UPDATE
        SET seq = h.seq + 1, prev_hash = h.hash, hash = sha256(h.hash || v_bytes)
    RETURNING seq, prev_hash, hash INTO v_seq, v_prev, v_hash;
    INSERT INTO audit_records (chain, seq, event_id, event_type, content, prev_hash, hash)
    VALUES (v_chain, v_seq, NEW.id, NEW.event_type, v_content, v_prev, v_hash);
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER audit_append AFTER INSERT ON outbox
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION audit_append();

-- Records are never changed or deleted, and a head only moves forward by one record. The
-- owner of the tables or a superuser can switch these triggers off; what they change then
-- is what `edugroup audit verify` finds.
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_heads_no_delete BEFORE DELETE ON audit_heads
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_heads_no_truncate BEFORE TRUNCATE ON audit_heads
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

CREATE FUNCTION audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.chain <> OLD.chain OR NEW.seq <> OLD.seq + 1 OR NEW.prev_hash <> OLD.hash THEN
        RAISE EXCEPTION 'an audit chain head only moves forward by one record'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER audit_heads_forward_only BEFORE UPDATE ON audit_heads
    FOR EACH ROW EXECUTE FUNCTION audit_head_forward();
