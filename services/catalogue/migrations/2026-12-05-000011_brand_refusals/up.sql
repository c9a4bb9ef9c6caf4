-- R-11 (invariant 17): a refused transfer's record is the audit trail the group's bureau,
-- its county's auditors and its lead office read, so it says on its own which group it
-- belongs to, what the resource was called when it was refused (titles change with new
-- versions), the requester's role, and the rule and code the caller was refused with.
ALTER TABLE export_refusals
    ADD COLUMN group_id          uuid REFERENCES groups_seen (group_id),
    ADD COLUMN resource_title    text,
    ADD COLUMN requested_by_role text,
    ADD COLUMN rule              text NOT NULL DEFAULT 'R-11',
    ADD COLUMN code              text NOT NULL DEFAULT 'brand_transfer_forbidden';

-- Refusals recorded before: their resource's group and its title now (the one known);
-- their requester's role was not kept and stays unknown.
UPDATE export_refusals e
   SET group_id = r.group_id, resource_title = r.title
  FROM resources r
 WHERE r.id = e.resource_id;

ALTER TABLE export_refusals
    ALTER COLUMN group_id SET NOT NULL,
    ALTER COLUMN resource_title SET NOT NULL,
    ALTER COLUMN rule DROP DEFAULT,
    ALTER COLUMN code DROP DEFAULT,
    ADD CONSTRAINT export_refusals_one_target
        CHECK ((target_school_id IS NULL) <> (target_group_id IS NULL));

-- A group's refusals newest first, all of them or one resource's.
CREATE INDEX export_refusals_group ON export_refusals (group_id, created_at DESC, id DESC);
CREATE INDEX export_refusals_resource ON export_refusals (resource_id, created_at DESC, id DESC);
