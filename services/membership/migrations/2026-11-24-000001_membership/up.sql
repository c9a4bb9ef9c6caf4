-- Group membership (DOMAIN.md §1). Runs with search_path = membership.

CREATE TABLE schools (
    id             uuid PRIMARY KEY,
    name           text        NOT NULL,
    stage          text        NOT NULL,
    region         text        NOT NULL,
    principal_name text        NOT NULL,
    legal_person   text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT schools_region_name_key UNIQUE (region, name)
);

-- Region policy versions (DESIGN.md "Policy as data"); absent means the built-in defaults.
CREATE TABLE region_policies (
    region         text        NOT NULL,
    version        integer     NOT NULL CHECK (version > 0),
    body           jsonb       NOT NULL,
    effective_from date        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (region, version)
);

CREATE TABLE groups (
    id                   uuid PRIMARY KEY,
    name                 text        NOT NULL,
    model                text        NOT NULL,
    lead_school_id       uuid        NOT NULL REFERENCES schools (id),
    region               text        NOT NULL,
    plaque_date          date        NOT NULL,
    scale_cap            smallint CHECK (scale_cap > 0),
    cap_exception_reason text,
    status               text        NOT NULL DEFAULT 'active',
    dissolved_at         timestamptz,
    dissolution_reason   text,
    policy_version       integer     NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX groups_region ON groups (region);

-- History is kept: an exit sets left_at, nothing is deleted.
CREATE TABLE memberships (
    id                    uuid PRIMARY KEY,
    group_id              uuid        NOT NULL REFERENCES groups (id),
    school_id             uuid        NOT NULL REFERENCES schools (id),
    role                  text        NOT NULL,
    joined_at             timestamptz NOT NULL DEFAULT now(),
    left_at               timestamptz,
    exit_reason           text,
    exit_note             text,
    plaque_text           text        NOT NULL,
    legal_person_retained boolean     NOT NULL,
    cross_region          boolean     NOT NULL,
    policy_version        integer     NOT NULL
);
-- §8.5 / F-01: a school is in at most one group at a time, as lead or as member.
CREATE UNIQUE INDEX memberships_one_active_group ON memberships (school_id) WHERE left_at IS NULL;
CREATE INDEX memberships_group ON memberships (group_id, joined_at);
