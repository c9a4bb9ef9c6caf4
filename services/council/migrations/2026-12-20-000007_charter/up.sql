-- The group's charter (集团章程, RULES.md G-14, L4) and development plan (集团发展规划, G-01,
-- G-07) in versions: the lead school's office drafts one, edits it while it is a draft, and
-- the council adopts it by a decision of the kind's category; the version adopted supersedes
-- the one in force before it. Every version stays.
CREATE TABLE charter_versions (
    id            uuid PRIMARY KEY,
    group_id      uuid        NOT NULL REFERENCES councils (group_id),
    kind          text        NOT NULL CHECK (kind IN ('charter', 'development_plan')),
    version       integer     NOT NULL CHECK (version >= 1),
    title         text        NOT NULL,
    body          text        NOT NULL,
    status        text        NOT NULL CHECK (status IN ('draft', 'in_force', 'superseded')),
    drafted_by    text        NOT NULL,
    drafted_at    timestamptz NOT NULL,
    edited_by     text,
    edited_at     timestamptz,
    -- one decision adopts one version
    decision_id   uuid UNIQUE REFERENCES decisions (id),
    adopted_by    text,
    adopted_at    timestamptz,
    superseded_by uuid REFERENCES charter_versions (id),
    superseded_at timestamptz,
    UNIQUE (group_id, kind, version),
    -- a draft cites no decision; an adopted version (in force or superseded) cites its own
    CHECK ((status = 'draft') = (decision_id IS NULL)),
    CHECK ((decision_id IS NULL) = (adopted_at IS NULL)
       AND (decision_id IS NULL) = (adopted_by IS NULL)),
    CHECK ((status = 'superseded') = (superseded_at IS NOT NULL))
);
-- One draft and one version in force of each kind per group.
CREATE UNIQUE INDEX charter_versions_one_draft ON charter_versions (group_id, kind)
    WHERE status = 'draft';
CREATE UNIQUE INDEX charter_versions_one_in_force ON charter_versions (group_id, kind)
    WHERE status = 'in_force';

-- An adopted version never changes: only its status moves on (in force → superseded).
CREATE FUNCTION charter_versions_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'draft' AND (
        (NEW.group_id, NEW.kind, NEW.version, NEW.title, NEW.body, NEW.decision_id,
         NEW.adopted_by, NEW.adopted_at, NEW.drafted_by, NEW.drafted_at)
        IS DISTINCT FROM
        (OLD.group_id, OLD.kind, OLD.version, OLD.title, OLD.body, OLD.decision_id,
         OLD.adopted_by, OLD.adopted_at, OLD.drafted_by, OLD.drafted_at)
        OR NEW.status = 'draft'
    ) THEN
        RAISE EXCEPTION 'charter version % was adopted and never changes', OLD.id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER charter_versions_final BEFORE UPDATE ON charter_versions
    FOR EACH ROW EXECUTE FUNCTION charter_versions_final();

-- The development plan's timetable and roadmap (时间表和线路图, G-01): each milestone falls due
-- on a day, or in a school year (with one of its semesters or without), and names the school
-- of the group responsible.
CREATE TABLE charter_milestones (
    version_id  uuid    NOT NULL REFERENCES charter_versions (id),
    position    integer NOT NULL,
    due_on      date,
    school_year integer,
    semester    text CHECK (semester IN ('autumn', 'spring')),
    what        text    NOT NULL,
    group_id    uuid    NOT NULL,
    school_id   uuid    NOT NULL,
    PRIMARY KEY (version_id, position),
    CHECK ((due_on IS NULL) <> (school_year IS NULL)),
    CHECK (semester IS NULL OR school_year IS NOT NULL),
    FOREIGN KEY (group_id, school_id) REFERENCES membership_schools (group_id, school_id)
);

-- A draft's milestones change with it; an adopted version's never do.
CREATE FUNCTION charter_milestones_of_drafts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM charter_versions v
                WHERE v.id IN (OLD.version_id, NEW.version_id) AND v.status <> 'draft') THEN
        RAISE EXCEPTION 'the milestones of an adopted charter version never change';
    END IF;
    RETURN COALESCE(NEW, OLD);
END $$;
CREATE TRIGGER charter_milestones_of_drafts BEFORE INSERT OR UPDATE OR DELETE ON charter_milestones
    FOR EACH ROW EXECUTE FUNCTION charter_milestones_of_drafts();

-- M2: each member school's acknowledgement of a version in force (the lead school's is
-- implied and not recorded).
CREATE TABLE charter_acknowledgements (
    version_id      uuid        NOT NULL REFERENCES charter_versions (id),
    group_id        uuid        NOT NULL,
    school_id       uuid        NOT NULL,
    acknowledged_by text        NOT NULL,
    acknowledged_at timestamptz NOT NULL,
    PRIMARY KEY (version_id, school_id),
    FOREIGN KEY (group_id, school_id) REFERENCES membership_schools (group_id, school_id)
);
CREATE INDEX charter_acknowledgements_school ON charter_acknowledgements (school_id);
