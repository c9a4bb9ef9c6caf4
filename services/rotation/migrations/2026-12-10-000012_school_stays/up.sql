-- Each school's stays in a group with their dates, from the membership events: the lead's
-- from the group's formation, a member's from its admission to its exit, every open stay
-- closed by a dissolution. A past posting needs both of its schools in the group for its
-- whole term (E-02, E-03); `group_schools.active` only knows today.
CREATE TABLE school_stays (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id  uuid NOT NULL REFERENCES groups_seen (group_id),
    school_id uuid NOT NULL,
    role      text NOT NULL,
    joined_on date NOT NULL,
    -- The last day in the group; NULL while it is still in it.
    left_on   date,
    CHECK (left_on IS NULL OR left_on >= joined_on)
);
CREATE INDEX school_stays_group_school ON school_stays (group_id, school_id, joined_on);
-- At most one open stay of a school in a group.
CREATE UNIQUE INDEX school_stays_open ON school_stays (group_id, school_id) WHERE left_on IS NULL;

-- Schools already seen came without their dates: their stay is vouched for from the day this
-- table appears, the earliest day this service can tell.
INSERT INTO school_stays (group_id, school_id, role, joined_on)
SELECT group_id, school_id, role, current_date FROM group_schools WHERE active;
