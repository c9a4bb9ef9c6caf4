//! diesel table definitions of the `evaluation` schema (unqualified: the connection's
//! `search_path` selects the schema).

diesel::table! {
    groups_seen (group_id) {
        group_id -> Uuid,
        region -> Text,
        lead_school_id -> Uuid,
        plaque_date -> Date,
        dissolved_on -> Nullable<Date>,
    }
}

diesel::table! {
    group_schools (group_id, school_id) {
        group_id -> Uuid,
        school_id -> Uuid,
        role -> Text,
        joined_on -> Date,
        left_on -> Nullable<Date>,
    }
}

diesel::table! {
    meetings (meeting_id) {
        meeting_id -> Uuid,
        group_id -> Uuid,
        kind -> Text,
        held_on -> Date,
        schools_present -> Array<Uuid>,
    }
}

diesel::table! {
    reports (group_id, year, quarter) {
        group_id -> Uuid,
        year -> Int4,
        quarter -> Int4,
        report_id -> Uuid,
        submitted_on -> Date,
        due_on -> Date,
        late -> Bool,
    }
}

diesel::table! {
    trainings (training_id) {
        training_id -> Uuid,
        group_id -> Uuid,
        kind -> Text,
        held_on -> Date,
    }
}

diesel::table! {
    postings (posting_id) {
        posting_id -> Uuid,
        group_id -> Uuid,
        from_school_id -> Uuid,
        to_school_id -> Uuid,
        kind -> Text,
        start_date -> Date,
        end_date -> Date,
        cancelled -> Bool,
    }
}

diesel::table! {
    resources (resource_id) {
        resource_id -> Uuid,
        group_id -> Uuid,
        owner_school_id -> Uuid,
        published_on -> Date,
    }
}

diesel::table! {
    notifications (event_id) {
        event_id -> Uuid,
        region -> Nullable<Text>,
        group_id -> Nullable<Uuid>,
        school_id -> Nullable<Uuid>,
        rule -> Nullable<Text>,
        title -> Text,
        title_zh -> Text,
        at -> Timestamptz,
    }
}
