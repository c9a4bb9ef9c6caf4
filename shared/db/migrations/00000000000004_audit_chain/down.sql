DROP TRIGGER audit_append ON outbox;
DROP FUNCTION audit_append();
DROP TABLE audit_records;
DROP TABLE audit_heads;
DROP FUNCTION audit_refuse_change();
DROP FUNCTION audit_head_forward();
