-- Rounds are computed as the service's own background work after the opening transaction
-- commits (a province's round takes longer than a request may wait). Runs with
-- search_path = evaluation.

-- computing → computed, or failed with the refusal (a Problem) that stopped it.
ALTER TABLE rounds
    ADD COLUMN status      text        NOT NULL DEFAULT 'computed'
        CHECK (status IN ('computing', 'computed', 'failed')),
    ADD COLUMN failure     jsonb,
    ADD COLUMN computed_at timestamptz,
    -- who opened it, as the events of its scorecards record (a resumed round acts for them)
    ADD COLUMN actor       jsonb;
ALTER TABLE rounds ALTER COLUMN status DROP DEFAULT;
CREATE INDEX rounds_computing ON rounds (opened_at) WHERE status = 'computing';

-- V-03: the groups a round evaluates, claimed when it opens: one evaluation per group and
-- school year even while a round is still computing. A failed round gives its groups back.
CREATE TABLE round_groups (
    round_id    uuid    NOT NULL REFERENCES rounds (round_id),
    group_id    uuid    NOT NULL,
    school_year integer NOT NULL,
    PRIMARY KEY (round_id, group_id),
    UNIQUE (group_id, school_year)
);
INSERT INTO round_groups (round_id, group_id, school_year)
SELECT round_id, group_id, school_year FROM scorecards;

-- E-08: whether the posted teacher is a backbone teacher (posting events carry it); the
-- balance "with postings" moves backbone teachers too. Postings projected before this
-- column existed count as not backbone.
ALTER TABLE postings ADD COLUMN backbone boolean NOT NULL DEFAULT false;
