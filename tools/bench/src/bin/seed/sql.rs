//! The province's SQL, per schema: written straight into every service's tables (see the
//! binary's doc for why), then the checks the loaded data must pass.

/// Session settings, the id function and the group layout (temporary tables).
pub(crate) const SETUP: &str = r#"
SET session_replication_role = replica;
SET work_mem = '256MB';
SET maintenance_work_mem = '512MB';
SET synchronous_commit = off;
CREATE FUNCTION pg_temp.id(kind int, n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE AS
  $$ SELECT (lpad(to_hex(kind), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid $$;
CREATE TEMP TABLE sg AS
  WITH g AS (
    SELECT g,
           CASE g % 3 WHEN 0 THEN 'alliance' WHEN 1 THEN 'tight' ELSE 'trusteeship' END AS model,
           CASE g % 3 WHEN 0 THEN 4 + (g / 3) % 2 WHEN 1 THEN 3 ELSE 4 END AS members
    FROM generate_series(0::bigint, {groups} - 1) g)
  SELECT g, model, members,
         (sum(members + 1) OVER (ORDER BY g) - members - 1)::bigint AS lead_n,
         CASE WHEN g % 2 = 0 THEN 'primary' ELSE 'junior' END AS stage,
         DATE '2015-09-01' + ((g * 37) % 2190)::int AS plaque_date,
         '省样本教育集团' || g AS name
  FROM g;
CREATE TEMP TABLE gs AS
  SELECT sg.g, sg.lead_n + k AS n, k, CASE WHEN k = 0 THEN 'lead' ELSE 'member' END AS role,
         sg.lead_n, sg.members, sg.model, sg.stage, sg.plaque_date, sg.name
  FROM sg, generate_series(0::bigint, sg.members) k;
CREATE UNIQUE INDEX ON gs (n);
CREATE TEMP TABLE sc AS
  SELECT n, COALESCE(gs.stage, CASE WHEN n % 2 = 0 THEN 'primary' ELSE 'junior' END) AS stage
  FROM generate_series(0::bigint, {schools} - 1) n LEFT JOIN gs USING (n);
ANALYZE sg; ANALYZE gs; ANALYZE sc;
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM membership.schools) OR EXISTS (SELECT 1 FROM rotation.teachers) THEN
    RAISE EXCEPTION 'the database already has schools or teachers: seed a fresh database';
  END IF;
  IF (SELECT count(*) FROM gs) <> {grouped_schools} THEN
    RAISE EXCEPTION 'group layout differs from the expected % schools', {grouped_schools};
  END IF;
END $$;
"#;

pub(crate) const MEMBERSHIP: &str = r#"
INSERT INTO membership.schools (id, name, stage, region, principal_name, legal_person, created_at)
SELECT pg_temp.id(1, n), '省样本第' || n || '学校', stage, '{region}', '校长' || n,
       '省样本第' || n || '学校', TIMESTAMPTZ '2015-06-01 08:00+08'
FROM sc;
INSERT INTO membership.groups (id, name, model, lead_school_id, region, plaque_date, status,
                               policy_version, created_at)
SELECT pg_temp.id(2, g), name, model, pg_temp.id(1, lead_n), '{region}', plaque_date, 'active', 0,
       plaque_date::timestamptz
FROM sg;
INSERT INTO membership.memberships (id, group_id, school_id, role, joined_at, plaque_text,
                                    legal_person_retained, independent_leadership,
                                    cross_region, policy_version)
SELECT pg_temp.id(3, n), pg_temp.id(2, g), pg_temp.id(1, n), role, plaque_date::timestamptz,
       CASE WHEN role = 'lead' THEN name WHEN model = 'tight' THEN name || '校区'
            ELSE name || '成员学校' END,
       role = 'lead' OR model <> 'tight', role = 'lead' OR model <> 'tight', false, 0
FROM gs;
"#;

/// The membership view (`edu_bus::membership_view`) each consuming service keeps, filled in
/// `{schema}` as its events would: every school in its group since the plaque date.
pub(crate) const MEMBERSHIP_VIEW: &str = r#"
INSERT INTO {schema}.membership_groups (group_id, name, region, lead_school_id, plaque_date)
SELECT pg_temp.id(2, g), name, '{region}', pg_temp.id(1, lead_n), plaque_date FROM sg;
INSERT INTO {schema}.membership_schools (group_id, school_id, role, name, principal_name,
                                         region, active)
SELECT pg_temp.id(2, g), pg_temp.id(1, n), role, '省样本第' || n || '学校', '校长' || n,
       '{region}', true FROM gs;
INSERT INTO {schema}.membership_stays (group_id, school_id, role, joined_on)
SELECT pg_temp.id(2, g), pg_temp.id(1, n), role, plaque_date FROM gs;
"#;

/// The services that keep the membership view.
pub(crate) const VIEW_SCHEMAS: [&str; 4] = ["rotation", "council", "catalogue", "evaluation"];

pub(crate) const ROTATION: &str = r#"
INSERT INTO rotation.teachers (id, home_school_id, home_region, staff_no, name, post, subject,
                               backbone, created_at, updated_at)
SELECT pg_temp.id(4, i), pg_temp.id(1, i * {schools} / {teachers}), '{region}',
       'T' || lpad(i::text, 7, '0'), '教师' || i,
       CASE WHEN i % 10 = 0 THEN 'school_leader' WHEN i % 10 < 3 THEN 'middle_manager'
            ELSE 'subject_teacher' END,
       (ARRAY['语文','数学','英语','物理','化学','生物','历史','地理','道德与法治','体育','音乐','美术'])[1 + i % 12],
       CASE i % 20 WHEN 0 THEN 'county' WHEN 1 THEN 'city' WHEN 2 THEN 'province'
                   WHEN 3 THEN 'school' WHEN 4 THEN 'school' ELSE 'none' END,
       TIMESTAMPTZ '2020-08-20 08:00+08', TIMESTAMPTZ '2020-08-20 08:00+08'
FROM generate_series(0::bigint, {teachers} - 1) i;
INSERT INTO rotation.teacher_eligibility (teacher_id, school_year, eligible)
SELECT pg_temp.id(4, i), y, i % 10 <> 9
FROM generate_series(0::bigint, {teachers} - 1) i, (VALUES (2024), (2025)) v (y);
CREATE TEMP TABLE pp AS
  WITH b AS (
    SELECT p, p % {grouped_teachers} AS t, p / {grouped_teachers} AS k
    FROM generate_series(0::bigint, {postings} - 1) p),
  x AS (
    SELECT b.p, b.t, ({first_year} + (b.t + b.k) % {years})::int AS y, gs.g, gs.n AS home_n,
           gs.role, gs.lead_n, gs.members
    FROM b JOIN gs ON gs.n = b.t * {schools} / {teachers})
  SELECT p, t, y, g, home_n,
         CASE WHEN role = 'member' THEN 'shadowing' WHEN t % 7 = 0 THEN 'post_holding'
              ELSE 'secondment' END AS kind,
         CASE WHEN role = 'member' THEN lead_n ELSE lead_n + 1 + (t + y) % members END AS to_n,
         CASE WHEN role = 'member' THEN make_date(y, 9, 1) + ((t * 7 + y) % 200)::int
              WHEN (t + y) % 3 = 0 THEN make_date(y, 9, 1)
              ELSE make_date(y, 9, 1) + (t % 14)::int END AS start_date,
         CASE WHEN role = 'member' THEN make_date(y, 9, 1) + ((t * 7 + y) % 200)::int + 29
              WHEN (t + y) % 3 = 0 THEN make_date(y + 1, 8, 31)
              ELSE make_date(y + 1, 1, 20) END AS end_date,
         CASE WHEN p % 100 < 3 THEN 'proposed' WHEN p % 100 < 6 THEN 'cancelled'
              WHEN p % 100 < 10 THEN 'ended_early' ELSE 'confirmed' END AS status
  FROM x;
INSERT INTO rotation.postings (id, group_id, teacher_id, from_school_id, to_school_id, kind,
                               host_post, start_date, end_date, school_year, status,
                               payroll_unit_id, confirmed_at, ended_on, closing_reason, created_at)
SELECT pg_temp.id(5, p), pg_temp.id(2, g), pg_temp.id(4, t), pg_temp.id(1, home_n),
       pg_temp.id(1, to_n), kind,
       CASE kind WHEN 'shadowing' THEN '跟岗学习' WHEN 'post_holding' THEN '副校长' ELSE '学科教研组长' END,
       start_date, end_date, y, status, pg_temp.id(1, home_n),
       CASE WHEN status IN ('confirmed', 'ended_early') THEN start_date - 10 END::timestamptz,
       CASE WHEN status = 'ended_early' THEN start_date + (end_date - start_date) / 2 END,
       CASE WHEN status = 'ended_early' THEN '提前结束' WHEN status = 'cancelled' THEN '取消' END,
       (start_date - 20)::timestamptz
FROM pp;
INSERT INTO rotation.trainings (id, group_id, kind, title, subject, held_on, school_year,
                                semester, hours, provider_school_id, created_at)
SELECT pg_temp.id(9, g * 8 + j), pg_temp.id(2, g),
       (ARRAY['subject','special','induction','teaching_showcase'])[1 + j % 4],
       '集团培训' || j, NULL, d, 2024 + j / 4,
       CASE WHEN extract(month FROM d) IN (9, 10, 11, 12, 1) THEN 'autumn' ELSE 'spring' END,
       8, pg_temp.id(1, lead_n), d::timestamptz
FROM sg, generate_series(0, 7) j,
     LATERAL (SELECT make_date(2024 + j / 4, 10, 15) + (j % 4) * 60 AS d) dd;
"#;

pub(crate) const COUNCIL: &str = r#"
INSERT INTO council.councils (group_id, name, region, lead_school_id, plaque_date, created_at)
SELECT pg_temp.id(2, g), name || '理事会', '{region}', pg_temp.id(1, lead_n), plaque_date,
       plaque_date::timestamptz
FROM sg;
INSERT INTO council.seats (id, group_id, school_id, role, holder_name, post, active, since)
SELECT pg_temp.id(7, n * 4 + CASE WHEN role = 'lead' THEN 0 ELSE 1 END), pg_temp.id(2, g),
       pg_temp.id(1, n), CASE WHEN role = 'lead' THEN 'chair' ELSE 'vice_chair' END,
       '校长' || n, '校长', true, plaque_date::timestamptz
FROM gs
UNION ALL
SELECT pg_temp.id(7, lead_n * 4 + 2), pg_temp.id(2, g), pg_temp.id(1, lead_n),
       'secretary_general', '秘书长' || g, '集团办公室主任', true, plaque_date::timestamptz
FROM sg;
CREATE TEMP TABLE mt AS
  SELECT m, g, j,
         CASE WHEN j < 12 THEN (DATE '2025-09-15' + make_interval(months => j::int))::date
              WHEN j = 12 THEN DATE '2026-05-20'
              ELSE (DATE '2024-09-15' + make_interval(months => ((j - 13) % 12)::int))::date END
           AS held_on,
         CASE WHEN j = 0 THEN 'work_planning' WHEN j = 11 THEN 'annual_summary'
              WHEN j = 12 THEN 'results_showcase' ELSE 'council' END AS kind
  FROM (SELECT m, m % {groups} AS g, m / {groups} AS j
        FROM generate_series(0::bigint, {meetings} - 1) m) s;
INSERT INTO council.meetings (id, group_id, kind, title, held_on, start_time, duration_minutes,
                              place, held_at, policy_version, created_at)
SELECT pg_temp.id(6, m), pg_temp.id(2, g), kind, '集团会议' || j, held_on, TIME '15:00', 90,
       '集团会议室', held_on + TIME '15:00', 0, (held_on - 7)::timestamptz
FROM mt;
INSERT INTO council.meeting_seats (meeting_id, seat_id, school_id, role, holder_name, present)
SELECT pg_temp.id(6, mt.m), s.id, s.school_id, s.role, s.holder_name,
       NOT (s.role = 'vice_chair' AND (mt.m + gs.k) % 9 = 0)
FROM mt
JOIN council.seats s ON s.group_id = pg_temp.id(2, mt.g)
JOIN gs ON pg_temp.id(1, gs.n) = s.school_id;
CREATE TEMP TABLE rp AS
  SELECT g, y, q, (make_date(y, 3 * q, 1) + interval '1 month 9 days')::date AS due_on,
         (g + q + y) % 11 = 0 AS late
  FROM sg, (VALUES (2025, 1), (2025, 2), (2025, 3), (2025, 4), (2026, 1), (2026, 2), (2026, 3))
           v (y, q);
INSERT INTO council.reports (id, group_id, year, quarter, summary, due_on, late, policy_version,
                             submitted_at)
SELECT pg_temp.id(8, g * 8 + (y - 2025) * 4 + q), pg_temp.id(2, g), y, q, '季度工作报告', due_on,
       late, 0, (CASE WHEN late THEN due_on + 7 ELSE due_on - 5 END)::timestamptz
FROM rp;
"#;

pub(crate) const CATALOGUE: &str = r#"
CREATE TEMP TABLE rs AS
  SELECT g, r, g * 10 + r AS id_n, stage, lead_n + r % (members + 1) AS owner_n,
         lead_n + (r + 1) % (members + 1) AS adopter_n,
         DATE '2025-09-20' + (r * 30)::int AS published_on
  FROM sg, generate_series(0::bigint, 9) r;
INSERT INTO catalogue.resources (id, group_id, owner_school_id, kind, subject, stage, grade,
                                 course_type, tier, status, title, description, tags,
                                 latest_version, search_text, search_tokens, created_at, updated_at)
SELECT pg_temp.id(10, id_n), pg_temp.id(2, g), pg_temp.id(1, owner_n),
       (ARRAY['course','lesson_plan','courseware','material'])[1 + r % 4],
       (ARRAY['语文','数学','英语','道德与法治'])[1 + r % 4], stage,
       CASE WHEN stage = 'primary' THEN '五年级' ELSE '八年级' END, 'national', 'county',
       'published', '集团共享资源' || id_n, '样本资源', '{}', 1, '集团共享资源' || id_n, '{}',
       published_on::timestamptz, published_on::timestamptz
FROM rs;
INSERT INTO catalogue.versions (resource_id, number, title, description, authors, tags, created_at)
SELECT pg_temp.id(10, id_n), 1, '集团共享资源' || id_n, '样本资源', ARRAY['教师'], '{}',
       published_on::timestamptz
FROM rs;
INSERT INTO catalogue.adoptions (resource_id, school_id, version, adopted_at)
SELECT pg_temp.id(10, id_n), pg_temp.id(1, adopter_n), 1, (published_on + 10)::timestamptz FROM rs;
"#;

pub(crate) const EVALUATION: &str = r#"
INSERT INTO evaluation.meetings (meeting_id, group_id, kind, held_on, schools_present)
SELECT m.id, m.group_id, m.kind, m.held_on,
       COALESCE(array_agg(DISTINCT ms.school_id) FILTER (WHERE ms.present), '{}')
FROM council.meetings m JOIN council.meeting_seats ms ON ms.meeting_id = m.id
GROUP BY m.id, m.group_id, m.kind, m.held_on;
INSERT INTO evaluation.reports (group_id, year, quarter, report_id, submitted_on, due_on, late)
SELECT group_id, year, quarter, id, submitted_at::date, due_on, late FROM council.reports;
INSERT INTO evaluation.trainings (training_id, group_id, kind, held_on)
SELECT id, group_id, kind, held_on FROM rotation.trainings;
INSERT INTO evaluation.postings (posting_id, group_id, from_school_id, to_school_id, kind,
                                 start_date, end_date, cancelled, backbone)
SELECT p.id, p.group_id, p.from_school_id, p.to_school_id, p.kind, p.start_date,
       COALESCE(p.ended_on, p.end_date), false, t.backbone IN ('county', 'city', 'province')
FROM rotation.postings p JOIN rotation.teachers t ON t.id = p.teacher_id
WHERE p.status IN ('confirmed', 'ended_early');
INSERT INTO evaluation.resources (resource_id, group_id, owner_school_id, published_on)
SELECT pg_temp.id(10, id_n), pg_temp.id(2, g), pg_temp.id(1, owner_n), published_on FROM rs;
INSERT INTO evaluation.adoptions (event_id, resource_id, group_id, owner_school_id,
                                  adopting_school_id, adopted_on)
SELECT pg_temp.id(11, id_n), pg_temp.id(10, id_n), pg_temp.id(2, g), pg_temp.id(1, owner_n),
       pg_temp.id(1, adopter_n), published_on + 10
FROM rs;
INSERT INTO evaluation.school_data (school_id, school_year, region, stage, quality_score,
                                    balance, entered_by, entered_at)
SELECT pg_temp.id(1, n), y, '{region}', stage,
       55 + ((n * 7919) % 400) / 10.0 + CASE WHEN y = 2025 THEN (n % 7) - 2 ELSE 0 END,
       jsonb_build_object(
         'enrolment', 600 + n % 1400, 'teachers_above_degree', 30 + n % 40,
         'backbone_teachers', 5 + n % 12, 'pe_art_teachers', 4 + n % 9,
         'teaching_area_m2', 4000 + (n % 50) * 80.0, 'sports_area_m2', 6000 + (n % 30) * 150.0,
         'equipment_value_yuan', 1500000 + (n % 90) * 20000.0, 'multimedia_rooms', 12 + n % 20),
       'seed', make_date(y + 1, 7, 10)::timestamptz
FROM sc, (VALUES (2024), (2025)) v (y);
INSERT INTO evaluation.scored_items (group_id, school_year, items, entered_by, entered_at)
SELECT pg_temp.id(2, g), 2025,
       (SELECT jsonb_agg(jsonb_build_object('dimension', d, 'score', 60 + (g * 7 + i * 13) % 40,
                                            'evidence', '集团年度自评材料'))
        FROM unnest(ARRAY['group_model','group_size','management_innovation','research_linkage',
                          'outcomes']) WITH ORDINALITY u (d, i)),
       'seed', TIMESTAMPTZ '2026-07-10 08:00+08'
FROM sg;
"#;

/// Invariant checks: (what, SQL counting the violations).
pub(crate) const CHECKS: [(&str, &str); 10] = [
    (
        "no school in two groups at once",
        "SELECT count(*) FROM (SELECT school_id FROM membership.memberships WHERE left_at IS NULL
          GROUP BY school_id HAVING count(*) > 1) x",
    ),
    (
        "members within the model's cap (alliance 5, tight 3, trusteeship 5)",
        "SELECT count(*) FROM (SELECT g.id FROM membership.groups g
          JOIN membership.memberships m ON m.group_id = g.id AND m.role = 'member' AND m.left_at IS NULL
          GROUP BY g.id, g.model
          HAVING count(*) > CASE g.model WHEN 'tight' THEN 3 ELSE 5 END) x",
    ),
    (
        "a lead school is never a member",
        "SELECT count(*) FROM membership.groups g JOIN membership.memberships m
          ON m.school_id = g.lead_school_id AND m.role = 'member'",
    ),
    (
        "every school of a group has the lead's stage",
        "SELECT count(*) FROM membership.groups g
          JOIN membership.schools l ON l.id = g.lead_school_id
          JOIN membership.memberships m ON m.group_id = g.id
          JOIN membership.schools s ON s.id = m.school_id WHERE s.stage <> l.stage",
    ),
    (
        "secondment/post-holding lead→member, shadowing member→lead, within the group",
        "SELECT count(*) FROM rotation.postings p
          LEFT JOIN rotation.membership_schools f
                 ON f.group_id = p.group_id AND f.school_id = p.from_school_id
          LEFT JOIN rotation.membership_schools t
                 ON t.group_id = p.group_id AND t.school_id = p.to_school_id
          WHERE f.role IS DISTINCT FROM CASE WHEN p.kind = 'shadowing' THEN 'member' ELSE 'lead' END
             OR t.role IS DISTINCT FROM CASE WHEN p.kind = 'shadowing' THEN 'lead' ELSE 'member' END",
    ),
    (
        "payroll unit = sending school = the teacher's home school",
        "SELECT count(*) FROM rotation.postings p LEFT JOIN rotation.teachers t ON t.id = p.teacher_id
          WHERE t.id IS NULL OR p.payroll_unit_id <> t.home_school_id
             OR p.from_school_id <> t.home_school_id",
    ),
    (
        "no two postings of a teacher overlap",
        "SELECT count(*) FROM (SELECT start_date, lag(end_date) OVER
           (PARTITION BY teacher_id ORDER BY start_date) AS prev_end
          FROM rotation.postings WHERE status <> 'cancelled') x WHERE prev_end >= start_date",
    ),
    (
        "every posting's term within its school year",
        "SELECT count(*) FROM rotation.postings WHERE start_date < make_date(school_year, 9, 1)
          OR end_date > make_date(school_year + 1, 8, 31) OR start_date > end_date",
    ),
    (
        "projections agree with the owners (groups, schools, postings, meetings)",
        "SELECT (SELECT count(*) FROM membership.memberships)
                 - (SELECT count(*) FROM rotation.membership_schools)
          + (SELECT count(*) FROM membership.memberships)
                 - (SELECT count(*) FROM evaluation.membership_stays)
          + (SELECT count(*) FROM membership.groups)
                 - (SELECT count(*) FROM evaluation.membership_groups)
          + (SELECT count(*) FROM rotation.postings WHERE status IN ('confirmed', 'ended_early'))
                 - (SELECT count(*) FROM evaluation.postings)
          + (SELECT count(*) FROM council.meetings) - (SELECT count(*) FROM evaluation.meetings)",
    ),
    (
        "no posting before its group's plaque date",
        "SELECT count(*) FROM rotation.postings p JOIN membership.groups g ON g.id = p.group_id
          WHERE p.start_date < g.plaque_date",
    ),
];
