//! diesel table definitions of the `membership` schema (unqualified: the connection's
//! `search_path` selects the schema).

diesel::table! {
    schools (id) {
        id -> Uuid,
        name -> Text,
        stage -> Text,
        region -> Text,
        principal_name -> Text,
        legal_person -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    region_policies (region, version) {
        region -> Text,
        version -> Int4,
        body -> Jsonb,
        effective_from -> Date,
        created_at -> Timestamptz,
        changed_by -> Nullable<Text>,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    groups (id) {
        id -> Uuid,
        name -> Text,
        model -> Text,
        lead_school_id -> Uuid,
        region -> Text,
        plaque_date -> Date,
        scale_cap -> Nullable<Int2>,
        cap_exception_reason -> Nullable<Text>,
        status -> Text,
        dissolved_at -> Nullable<Timestamptz>,
        dissolution_reason -> Nullable<Text>,
        policy_version -> Int4,
        created_at -> Timestamptz,
        dissolution_override_reason -> Nullable<Text>,
    }
}

diesel::table! {
    memberships (id) {
        id -> Uuid,
        group_id -> Uuid,
        school_id -> Uuid,
        role -> Text,
        joined_at -> Timestamptz,
        left_at -> Nullable<Timestamptz>,
        exit_reason -> Nullable<Text>,
        exit_note -> Nullable<Text>,
        plaque_text -> Text,
        legal_person_retained -> Bool,
        cross_region -> Bool,
        policy_version -> Int4,
        independent_leadership -> Bool,
    }
}

diesel::table! {
    warnings (id) {
        id -> Uuid,
        group_id -> Uuid,
        school_id -> Uuid,
        membership_id -> Uuid,
        reason -> Text,
        evidence -> Jsonb,
        issued_by -> Text,
        issued_at -> Timestamptz,
    }
}

diesel::table! {
    persuade_outs (id) {
        id -> Uuid,
        group_id -> Uuid,
        school_id -> Uuid,
        membership_id -> Uuid,
        reason -> Text,
        status -> Text,
        warning_ids -> Array<Uuid>,
        failing_evaluation_id -> Nullable<Uuid>,
        decision_id -> Uuid,
        proposed_by -> Text,
        proposed_at -> Timestamptz,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamptz>,
        decision_note -> Nullable<Text>,
        policy_version -> Int4,
    }
}

diesel::joinable!(groups -> schools (lead_school_id));
diesel::joinable!(memberships -> groups (group_id));
diesel::joinable!(memberships -> schools (school_id));
diesel::joinable!(warnings -> memberships (membership_id));
diesel::allow_tables_to_appear_in_same_query!(
    schools,
    groups,
    memberships,
    region_policies,
    warnings,
    persuade_outs,
    consent_requests
);

diesel::table! {
    scale_decisions (id) {
        id -> Uuid,
        group_id -> Uuid,
        previous_scale_cap -> Nullable<Int2>,
        scale_cap -> Nullable<Int2>,
        cap_exception -> Bool,
        effective_cap -> Int2,
        active_members -> Int2,
        reason -> Text,
        decided_by -> Text,
        decided_at -> Timestamptz,
        policy_version -> Int4,
    }
}

diesel::table! {
    lead_quality (id) {
        id -> Uuid,
        school_id -> Uuid,
        school_year -> Int4,
        score -> Float8,
        improving -> Bool,
        evidence -> Jsonb,
        note -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    consent_requests (id) {
        id -> Uuid,
        group_id -> Uuid,
        school_id -> Uuid,
        group_region -> Text,
        school_region -> Text,
        requested_by -> Text,
        requested_at -> Timestamptz,
        status -> Text,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamptz>,
        reason -> Nullable<Text>,
        membership_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    office_appointments (id) {
        id -> Uuid,
        group_id -> Uuid,
        school_id -> Uuid,
        post -> Text,
        person_name -> Text,
        staff_no -> Nullable<Text>,
        appointed_on -> Date,
        ended_on -> Nullable<Date>,
        end_reason -> Nullable<Text>,
        appointed_by -> Text,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    leader_recommendations (id) {
        id -> Uuid,
        group_id -> Uuid,
        school_id -> Uuid,
        action -> Text,
        post -> Text,
        person_name -> Text,
        reason -> Text,
        status -> Text,
        recommended_by -> Text,
        recommended_at -> Timestamptz,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamptz>,
        decision_note -> Nullable<Text>,
    }
}

diesel::table! {
    cross_appointments (id) {
        id -> Uuid,
        group_id -> Uuid,
        school_id -> Uuid,
        person_name -> Text,
        appointed_on -> Date,
        ended_on -> Nullable<Date>,
        end_reason -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    weak_rounds (id) {
        id -> Uuid,
        region -> Text,
        first_school_year -> Int4,
        last_school_year -> Int4,
        basis -> Text,
        opened_by -> Text,
        opened_at -> Timestamptz,
    }
}

diesel::table! {
    weak_designations (id) {
        id -> Uuid,
        round_id -> Uuid,
        school_id -> Uuid,
        assessment -> Text,
        plan -> Text,
        designated_by -> Text,
        designated_at -> Timestamptz,
        lifted_on -> Nullable<Date>,
        lift_reason -> Nullable<Text>,
    }
}

// G-17: the group's funds (funds/).
diesel::table! {
    fund_budgets (id) {
        id -> Uuid,
        group_id -> Uuid,
        school_year -> Int4,
        source -> Text,
        school_id -> Nullable<Uuid>,
        amount_fen -> Int8,
        document_ref -> Nullable<Text>,
        note -> Nullable<Text>,
        supersedes -> Nullable<Uuid>,
        recorded_by -> Text,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    fund_spending (id) {
        id -> Uuid,
        group_id -> Uuid,
        school_id -> Uuid,
        school_year -> Int4,
        source -> Text,
        spent_on -> Date,
        amount_fen -> Int8,
        fund_use -> Text,
        payee -> Text,
        description -> Nullable<Text>,
        voucher_no -> Text,
        reverses -> Nullable<Uuid>,
        reason -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    sharing_agreements (id) {
        id -> Uuid,
        group_id -> Uuid,
        title -> Text,
        school_ids -> Array<Uuid>,
        scopes -> Array<Text>,
        starts_on -> Date,
        ends_on -> Date,
        ended_on -> Nullable<Date>,
        end_reason -> Nullable<Text>,
        document_ref -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamptz,
    }
}
