//! Tables every service schema has (see `migrations/00000000000001_infra`). Names are
//! unqualified: the connection's `search_path` picks the service's schema.

diesel::table! {
    outbox (seq) {
        seq -> Int8,
        id -> Uuid,
        event_type -> Text,
        envelope -> Jsonb,
        created_at -> Timestamptz,
        published_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    inbox (consumer, event_id) {
        consumer -> Text,
        event_id -> Uuid,
        processed_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (operation, key) {
        operation -> Text,
        key -> Text,
        fingerprint -> Text,
        response -> Nullable<Jsonb>,
        created_at -> Timestamptz,
    }
}
