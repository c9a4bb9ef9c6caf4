-- The relay is now woken in process by the service that wrote the event (after its
-- transaction ends) and by a poll tick. A NOTIFY per outbox write took PostgreSQL's global
-- notification-queue lock at every commit, which serialised the commits of all services.
DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();
