DROP TABLE charter_acknowledgements;
DROP TABLE charter_milestones;
DROP TABLE charter_versions;
DROP FUNCTION charter_milestones_of_drafts();
DROP FUNCTION charter_versions_final();
