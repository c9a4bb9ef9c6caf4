//! diesel table definitions of the `rotation` schema.

diesel::table! {
    teachers (id) {
        id -> Uuid,
        home_school_id -> Uuid,
        home_region -> Text,
        staff_no -> Text,
        name -> Text,
        post -> Text,
        subject -> Text,
        backbone -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    teacher_eligibility (teacher_id, school_year) {
        teacher_id -> Uuid,
        school_year -> Int4,
        eligible -> Bool,
    }
}

diesel::table! {
    postings (id) {
        id -> Uuid,
        group_id -> Uuid,
        teacher_id -> Uuid,
        from_school_id -> Uuid,
        to_school_id -> Uuid,
        kind -> Text,
        host_post -> Text,
        start_date -> Date,
        end_date -> Date,
        school_year -> Int4,
        status -> Text,
        payroll_unit_id -> Uuid,
        confirmed_at -> Nullable<Timestamptz>,
        ended_on -> Nullable<Date>,
        closing_reason -> Nullable<Text>,
        created_at -> Timestamptz,
        consent_region -> Nullable<Text>,
        consent_to_region -> Nullable<Text>,
        consent_status -> Nullable<Text>,
        consent_decided_by -> Nullable<Text>,
        consent_decided_at -> Nullable<Timestamptz>,
        consent_note -> Nullable<Text>,
    }
}

diesel::joinable!(teacher_eligibility -> teachers (teacher_id));
diesel::joinable!(postings -> teachers (teacher_id));

diesel::table! {
    trainings (id) {
        id -> Uuid,
        group_id -> Uuid,
        kind -> Text,
        title -> Text,
        subject -> Nullable<Text>,
        held_on -> Date,
        school_year -> Int4,
        semester -> Text,
        hours -> Int2,
        provider_school_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    training_participants (training_id, teacher_id) {
        training_id -> Uuid,
        teacher_id -> Uuid,
    }
}

diesel::joinable!(training_participants -> trainings (training_id));
diesel::joinable!(training_participants -> teachers (teacher_id));
diesel::allow_tables_to_appear_in_same_query!(
    teachers,
    teacher_eligibility,
    postings,
    trainings,
    training_participants
);
