-- G-17: the group's funds. Money in fen (bigint), never floating point.

-- The bureau's special fund for a group (source 'bureau', no school) and each school's own
-- group funds budget (source 'school'), per school year. A correction is a new row that
-- supersedes the one in force; the old row stays (the latest row is in force).
CREATE TABLE fund_budgets (
    id            uuid PRIMARY KEY,
    group_id      uuid        NOT NULL REFERENCES groups (id),
    school_year   integer     NOT NULL CHECK (school_year BETWEEN 2000 AND 2100),
    source        text        NOT NULL CHECK (source IN ('bureau', 'school')),
    school_id     uuid        REFERENCES schools (id),
    amount_fen    bigint      NOT NULL CHECK (amount_fen >= 0),
    document_ref  text,
    note          text,
    supersedes    uuid        UNIQUE REFERENCES fund_budgets (id),
    recorded_by   text        NOT NULL,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((source = 'bureau') = (school_id IS NULL)),
    CHECK (source = 'school' OR document_ref IS NOT NULL)
);
CREATE INDEX fund_budgets_year ON fund_budgets (group_id, school_year, recorded_at);

-- Spending against a source, and the entries that reverse spending (negative amounts; an
-- entry is never deleted or changed). For the bureau's fund the school is the lead school,
-- whose office administers the group's money (G-10).
CREATE TABLE fund_spending (
    id           uuid PRIMARY KEY,
    group_id     uuid        NOT NULL REFERENCES groups (id),
    school_id    uuid        NOT NULL REFERENCES schools (id),
    school_year  integer     NOT NULL CHECK (school_year BETWEEN 2000 AND 2100),
    source       text        NOT NULL CHECK (source IN ('bureau', 'school')),
    spent_on     date        NOT NULL,
    amount_fen   bigint      NOT NULL CHECK (amount_fen <> 0),
    fund_use     text        NOT NULL,
    payee        text        NOT NULL,
    description  text,
    voucher_no   text        NOT NULL,
    reverses     uuid        UNIQUE REFERENCES fund_spending (id),
    reason       text,
    recorded_by  text        NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((reverses IS NULL) = (amount_fen > 0))
);
CREATE INDEX fund_spending_year ON fund_spending (group_id, school_year, recorded_at);
