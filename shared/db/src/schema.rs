//! Tables every service schema has (see `migrations/`). Names are unqualified: the
//! connection's `search_path` picks the service's schema.
//!
//! `outbox.tx` (`xid8`, the writing transaction, set by its default) is not listed: diesel
//! has no type for it and only the relay's hand-written SQL reads it.

diesel::table! {
    outbox (seq) {
        seq -> Int8,
        id -> Uuid,
        event_type -> Text,
        envelope -> Json,
        created_at -> Timestamptz,
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

diesel::table! {
    /// The audit trail's records (`migrations/…_audit_chain`): appended by the database when
    /// a transaction that wrote events commits, never changed.
    audit_records (chain, seq) {
        chain -> Text,
        seq -> Int8,
        event_id -> Uuid,
        event_type -> Text,
        content -> Text,
        prev_hash -> Bytea,
        hash -> Bytea,
    }
}

diesel::table! {
    /// The newest record of each chain of the audit trail.
    audit_heads (chain) {
        chain -> Text,
        seq -> Int8,
        prev_hash -> Bytea,
        hash -> Bytea,
    }
}
