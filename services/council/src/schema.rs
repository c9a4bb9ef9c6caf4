//! diesel table definitions of the `council` schema.

diesel::table! {
    councils (group_id) {
        group_id -> Uuid,
        name -> Text,
        region -> Text,
        lead_school_id -> Uuid,
        plaque_date -> Date,
        frozen_on -> Nullable<Date>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    seats (id) {
        id -> Uuid,
        group_id -> Uuid,
        school_id -> Uuid,
        role -> Text,
        holder_name -> Text,
        post -> Text,
        active -> Bool,
        since -> Timestamptz,
        vacated_at -> Nullable<Timestamptz>,
        vacated_reason -> Nullable<Text>,
    }
}

diesel::table! {
    meetings (id) {
        id -> Uuid,
        group_id -> Uuid,
        kind -> Text,
        title -> Text,
        held_on -> Date,
        start_time -> Nullable<Time>,
        duration_minutes -> Nullable<Int4>,
        place -> Nullable<Text>,
        online_link -> Nullable<Text>,
        held_at -> Nullable<Timestamptz>,
        policy_version -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    agenda_items (meeting_id, position) {
        meeting_id -> Uuid,
        position -> Int4,
        title -> Text,
        owner -> Text,
        documents -> Jsonb,
    }
}

diesel::table! {
    meeting_seats (meeting_id, seat_id) {
        meeting_id -> Uuid,
        seat_id -> Uuid,
        school_id -> Uuid,
        role -> Text,
        holder_name -> Text,
        present -> Bool,
    }
}

diesel::table! {
    motions (id) {
        id -> Uuid,
        meeting_id -> Uuid,
        group_id -> Uuid,
        title -> Text,
        category -> Text,
        major -> Bool,
        subject_school_id -> Nullable<Uuid>,
        status -> Text,
        created_at -> Timestamptz,
        closed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    votes (motion_id, seat_id) {
        motion_id -> Uuid,
        seat_id -> Uuid,
        choice -> Text,
        reason -> Nullable<Text>,
        cast_at -> Timestamptz,
    }
}

diesel::table! {
    decisions (id) {
        id -> Uuid,
        group_id -> Uuid,
        meeting_id -> Uuid,
        motion_id -> Uuid,
        title -> Text,
        category -> Text,
        major -> Bool,
        subject_school_id -> Nullable<Uuid>,
        decided_on -> Date,
        yes -> Int4,
        no -> Int4,
        abstain -> Int4,
        recused -> Int4,
        policy_version -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    minutes (meeting_id) {
        meeting_id -> Uuid,
        status -> Text,
        text -> Text,
        revision -> Int4,
        circulated_at -> Nullable<Timestamptz>,
        published_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    minutes_revisions (meeting_id, revision) {
        meeting_id -> Uuid,
        revision -> Int4,
        text -> Text,
        by_sub -> Text,
        seat_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    minutes_corrections (id) {
        id -> Uuid,
        meeting_id -> Uuid,
        text -> Text,
        reason -> Text,
        by_sub -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    reports (id) {
        id -> Uuid,
        group_id -> Uuid,
        year -> Int4,
        quarter -> Int2,
        summary -> Text,
        due_on -> Date,
        late -> Bool,
        policy_version -> Int4,
        submitted_at -> Timestamptz,
    }
}

diesel::table! {
    report_decisions (report_id, decision_id) {
        report_id -> Uuid,
        decision_id -> Uuid,
    }
}

diesel::table! {
    overdue_reports (group_id, year, quarter) {
        group_id -> Uuid,
        year -> Int4,
        quarter -> Int2,
        due_on -> Date,
        detected_at -> Timestamptz,
    }
}

diesel::table! {
    major_matters (id) {
        id -> Uuid,
        group_id -> Uuid,
        school_id -> Uuid,
        kind -> Text,
        title -> Text,
        description -> Nullable<Text>,
        effective_on -> Date,
        decision_id -> Uuid,
        recorded_by -> Text,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    charter_versions (id) {
        id -> Uuid,
        group_id -> Uuid,
        kind -> Text,
        version -> Int4,
        title -> Text,
        body -> Text,
        status -> Text,
        drafted_by -> Text,
        drafted_at -> Timestamptz,
        edited_by -> Nullable<Text>,
        edited_at -> Nullable<Timestamptz>,
        decision_id -> Nullable<Uuid>,
        adopted_by -> Nullable<Text>,
        adopted_at -> Nullable<Timestamptz>,
        superseded_by -> Nullable<Uuid>,
        superseded_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    charter_milestones (version_id, position) {
        version_id -> Uuid,
        position -> Int4,
        due_on -> Nullable<Date>,
        school_year -> Nullable<Int4>,
        semester -> Nullable<Text>,
        what -> Text,
        group_id -> Uuid,
        school_id -> Uuid,
    }
}

diesel::table! {
    charter_acknowledgements (version_id, school_id) {
        version_id -> Uuid,
        group_id -> Uuid,
        school_id -> Uuid,
        acknowledged_by -> Text,
        acknowledged_at -> Timestamptz,
    }
}

diesel::joinable!(seats -> councils (group_id));
diesel::joinable!(meetings -> councils (group_id));
diesel::joinable!(motions -> meetings (meeting_id));
diesel::joinable!(decisions -> meetings (meeting_id));
diesel::joinable!(report_decisions -> decisions (decision_id));
diesel::joinable!(major_matters -> decisions (decision_id));
diesel::joinable!(charter_versions -> decisions (decision_id));
diesel::joinable!(charter_milestones -> charter_versions (version_id));
diesel::joinable!(charter_acknowledgements -> charter_versions (version_id));

diesel::allow_tables_to_appear_in_same_query!(
    councils,
    seats,
    meetings,
    agenda_items,
    meeting_seats,
    motions,
    votes,
    decisions,
    minutes,
    minutes_revisions,
    minutes_corrections,
    reports,
    report_decisions,
    overdue_reports,
    major_matters,
    charter_versions,
    charter_milestones,
    charter_acknowledgements,
);
