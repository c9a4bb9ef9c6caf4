DROP INDEX resources_group_subject;
ALTER INDEX resources_tokens RESET (fastupdate);
