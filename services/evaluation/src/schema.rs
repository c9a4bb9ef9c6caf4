//! diesel table definitions of the `evaluation` schema (unqualified: the connection's
//! `search_path` selects the schema).

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
        backbone -> Bool,
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

diesel::table! {
    adoptions (event_id) {
        event_id -> Uuid,
        resource_id -> Uuid,
        group_id -> Uuid,
        owner_school_id -> Uuid,
        adopting_school_id -> Uuid,
        adopted_on -> Date,
    }
}

diesel::table! {
    school_data (school_id, school_year) {
        school_id -> Uuid,
        school_year -> Int4,
        region -> Text,
        stage -> Text,
        quality_score -> Nullable<Float8>,
        balance -> Nullable<Jsonb>,
        entered_by -> Text,
        entered_at -> Timestamptz,
    }
}

diesel::table! {
    scored_items (group_id, school_year) {
        group_id -> Uuid,
        school_year -> Int4,
        items -> Jsonb,
        entered_by -> Text,
        entered_at -> Timestamptz,
    }
}

diesel::table! {
    rounds (round_id) {
        round_id -> Uuid,
        region -> Text,
        school_year -> Int4,
        as_of -> Date,
        policy_version -> Int4,
        opened_by -> Text,
        opened_at -> Timestamptz,
        skipped -> Jsonb,
        status -> Text,
        failure -> Nullable<Jsonb>,
        computed_at -> Nullable<Timestamptz>,
        actor -> Nullable<Jsonb>,
        state -> Text,
        completed_at -> Nullable<Timestamptz>,
        completed_by -> Nullable<Text>,
    }
}

diesel::table! {
    round_groups (round_id, group_id) {
        round_id -> Uuid,
        group_id -> Uuid,
        school_year -> Int4,
    }
}

diesel::table! {
    scorecards (evaluation_id) {
        evaluation_id -> Uuid,
        round_id -> Uuid,
        group_id -> Uuid,
        school_year -> Int4,
        total -> Float8,
        grade -> Text,
        body -> Json,
    }
}

diesel::table! {
    consequences (consequence_id) {
        consequence_id -> Uuid,
        evaluation_id -> Uuid,
        group_id -> Uuid,
        kind -> Text,
        school_id -> Nullable<Uuid>,
        reason -> Text,
        status -> Text,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamptz>,
        note -> Nullable<Text>,
    }
}

diesel::joinable!(scorecards -> rounds (round_id));
diesel::joinable!(consequences -> scorecards (evaluation_id));
diesel::joinable!(round_groups -> rounds (round_id));
diesel::allow_tables_to_appear_in_same_query!(scorecards, rounds, consequences, round_groups,);
