//! diesel table definitions of the `catalogue` schema.

diesel::table! {
    uploads (id) {
        id -> Uuid,
        group_id -> Uuid,
        school_id -> Uuid,
        file_name -> Text,
        content_type -> Text,
        received -> Int8,
        sha256 -> Nullable<Text>,
        finished -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    resources (id) {
        id -> Uuid,
        group_id -> Uuid,
        owner_school_id -> Uuid,
        kind -> Text,
        subject -> Text,
        stage -> Text,
        grade -> Text,
        course_type -> Text,
        tier -> Text,
        status -> Text,
        title -> Text,
        description -> Text,
        tags -> Array<Text>,
        latest_version -> Int4,
        search_text -> Text,
        search_tokens -> Array<Text>,
        review_note -> Nullable<Text>,
        search_version -> Int2,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    versions (resource_id, number) {
        resource_id -> Uuid,
        number -> Int4,
        title -> Text,
        description -> Text,
        authors -> Array<Text>,
        tags -> Array<Text>,
        file_sha256 -> Nullable<Text>,
        file_size -> Nullable<Int8>,
        file_name -> Nullable<Text>,
        file_content_type -> Nullable<Text>,
        change_note -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    adoptions (resource_id, school_id, version) {
        resource_id -> Uuid,
        school_id -> Uuid,
        version -> Int4,
        adopted_at -> Timestamptz,
    }
}

diesel::table! {
    shares (id) {
        id -> Uuid,
        resource_id -> Uuid,
        target_school_id -> Nullable<Uuid>,
        target_group_id -> Nullable<Uuid>,
        shared_by_school_id -> Nullable<Uuid>,
        shared_by -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    export_refusals (id) {
        id -> Uuid,
        resource_id -> Uuid,
        requested_by -> Text,
        requested_by_school_id -> Nullable<Uuid>,
        target_school_id -> Nullable<Uuid>,
        target_group_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        group_id -> Uuid,
        resource_title -> Text,
        requested_by_role -> Nullable<Text>,
        rule -> Text,
        code -> Text,
    }
}

diesel::table! {
    facilities (id) {
        id -> Uuid,
        group_id -> Uuid,
        owner_school_id -> Uuid,
        name -> Text,
        kind -> Text,
        description -> Text,
        capacity -> Nullable<Int4>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    bookings (id) {
        id -> Uuid,
        facility_id -> Uuid,
        group_id -> Uuid,
        school_id -> Uuid,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        purpose -> Text,
        status -> Text,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(versions -> resources (resource_id));
diesel::joinable!(bookings -> facilities (facility_id));
diesel::allow_tables_to_appear_in_same_query!(
    uploads,
    resources,
    versions,
    adoptions,
    shares,
    export_refusals,
    facilities,
    bookings
);
