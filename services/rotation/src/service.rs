//! The operations of the rotation service. Each write is one transaction with its outbox
//! events (and its idempotency record when the request carried a key).

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use edu_bus::membership_view::{self as view, Lock};
use edu_bus::outbox;
use edu_contracts::events::{
    PostingCancelled, PostingConfirmed, PostingEnded, PostingFacts, PostingProposed, TrainingHeld,
};
use edu_contracts::rotation::{
    Compliance, ComplianceQuery, CoverageQuery, CsvDocument, GroupFigures, GroupsCompliance,
    GroupsComplianceQuery, HoursQuery, ImportReport, NewPosting, NewTraining, Page, Posting,
    PostingClosure, PostingQuery, PostingRef, Scope, SemesterTrainings, ShadowingCoverage, Teacher,
    TeacherHours, TeacherImport, TeacherQuery, TeacherRef, Training, TrainingHours, TrainingList,
    TrainingQuery,
};
use edu_contracts::{Actor, Command};
use edu_db::idempotency::{self, Claim};
use edu_db::pipelined::Tx;
use edu_db::{DbPool, PooledConn};
use edu_domain::{
    BackboneLevel, GroupId, Policy, PostingId, PostingKind, PostingStatus, Problem, Role, SchoolId,
    SchoolYear, Semester, TeacherId, TrainingId, TrainingKind, text,
};
use uuid::Uuid;

use crate::consent;
use crate::error::RotationError;
use crate::roster::{self, RosterRow};
use crate::rules;
use crate::store::{self, PostingFilter, PostingRow, ScopeFilter, TeacherRow};

pub(crate) type Result<T> = std::result::Result<T, RotationError>;

pub(crate) fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The rotation service: its operations over its pool.
#[derive(Clone)]
pub struct RotationService {
    pool: DbPool,
}

impl RotationService {
    pub fn new(pool: DbPool) -> Self {
        Self { pool }
    }

    pub(crate) async fn conn(&self) -> Result<PooledConn> {
        Ok(edu_db::conn(&self.pool).await?)
    }

    /// Imports a roster: every row, or none (with every bad cell reported).
    pub async fn import(&self, cmd: Command<TeacherImport>) -> Result<ImportReport> {
        let TeacherImport {
            school_id,
            region,
            school_year,
            csv,
        } = cmd.body;
        let rows = roster::parse(&csv).map_err(RotationError::Csv)?;
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            store::lock_school_roster(conn, school_id).await?;
            let existing: BTreeMap<String, Uuid> = store::teachers_by_staff_no(conn, school_id)
                .await?
                .into_iter()
                .collect();
            let mut report = ImportReport {
                created: 0,
                updated: 0,
            };
            for row in &rows {
                let record = TeacherRow {
                    id: TeacherId::new().0,
                    home_school_id: school_id.0,
                    home_region: region.as_str().to_owned(),
                    staff_no: row.staff_no.clone(),
                    name: row.name.clone(),
                    post: row.post.as_str().to_owned(),
                    subject: row.subject.clone(),
                    backbone: row.backbone.as_str().to_owned(),
                    created_at: Utc::now(),
                    updated_at: Utc::now(),
                };
                let id = match existing.get(&row.staff_no) {
                    Some(id) => {
                        store::update_teacher(conn, *id, &record).await?;
                        report.updated += 1;
                        *id
                    }
                    None => {
                        store::insert_teacher(conn, &record).await?;
                        report.created += 1;
                        record.id
                    }
                };
                store::set_eligibility(conn, id, school_year, row.eligible).await?;
            }
            Ok(report)
        })
        .await
    }

    pub async fn list_teachers(&self, cmd: Command<TeacherQuery>) -> Result<Page<Teacher>> {
        let TeacherQuery {
            school_id,
            school_year,
            paging,
        } = cmd.body;
        let paging = paging.checked()?;
        let mut conn = self.conn().await?;
        let (rows, total) = store::roster(&mut conn, school_id, school_year, Some(paging)).await?;
        let items = rows
            .into_iter()
            .map(|(t, eligible)| {
                Ok(Teacher {
                    id: TeacherId(t.id),
                    home_school_id: SchoolId(t.home_school_id),
                    post: t.post()?,
                    backbone: t.backbone()?,
                    staff_no: t.staff_no,
                    name: t.name,
                    subject: t.subject,
                    eligible: eligible.unwrap_or(false),
                    created_at: t.created_at,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Page { items, total })
    }

    pub async fn export(&self, cmd: Command<TeacherQuery>) -> Result<CsvDocument> {
        let TeacherQuery {
            school_id,
            school_year,
            ..
        } = cmd.body;
        let mut conn = self.conn().await?;
        let (rows, _) = store::roster(&mut conn, school_id, school_year, None).await?;
        let rows = rows
            .into_iter()
            .map(|(t, eligible)| {
                Ok(RosterRow {
                    post: t.post()?,
                    backbone: t.backbone()?,
                    staff_no: t.staff_no,
                    name: t.name,
                    subject: t.subject,
                    eligible: eligible.unwrap_or(false),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(CsvDocument {
            csv: roster::write(&rows),
        })
    }

    /// Proposes a posting (E-02, E-03, E-04, one posting at a time per teacher).
    ///
    /// One transaction in two round trips ([`Tx`]): the key's claim, the teacher's lock and
    /// the context are sent with `BEGIN`; the posting, its event and the key's reply with
    /// `COMMIT`.
    pub async fn propose(&self, cmd: Command<NewPosting>) -> Result<Posting> {
        let body = &cmd.body;
        let (start, end, school_year) = rules::resolve_term(body.term)?;
        let host_post = text::required("host_post", &body.host_post, 100)?;
        const OPERATION: &str = "posting.propose";
        let key = cmd.idempotency_key.as_deref();
        if let Some(key) = key {
            idempotency::validate_key(key)?;
        }
        let fingerprint = idempotency::fingerprint(&cmd.actor.sub, body);
        let tx = Tx::new(self.conn().await?);
        let (claim, found) = tx
            .begin(async |conn| {
                let claim = async {
                    match key {
                        Some(key) => idempotency::claim(conn, OPERATION, key, &fingerprint)
                            .await
                            .map(Some),
                        None => Ok(None),
                    }
                };
                let found = store::locked_teacher_with_context(
                    conn,
                    body.group_id,
                    body.to_school_id,
                    body.teacher_id,
                    (start, end),
                    today(),
                );
                let (claim, found) = futures::join!(claim, found);
                Ok((claim, found?))
            })
            .await?;
        if let Some(Claim::Replay(reply)) = claim? {
            tx.rollback().await?;
            return Ok(reply);
        }
        let (teacher, context) = found.ok_or(RotationError::TeacherNotFound)?;
        let row = proposal(
            &cmd,
            &teacher,
            context,
            (start, end, school_year),
            host_post,
        )?;
        // The posting and its event, sent together (one round trip).
        let event = PostingProposed {
            posting: facts(&row, &teacher)?,
        };
        let view = row.clone().into_view(&teacher, today())?;
        tx.commit(async |conn| {
            futures::try_join!(
                store::insert_posting(conn, &row),
                outbox::enqueue(
                    conn,
                    &cmd.actor,
                    Some(body.group_id),
                    Some(SchoolId(row.from_school_id)),
                    &event
                ),
                async {
                    match key {
                        Some(key) => idempotency::complete(conn, OPERATION, key, &view).await,
                        None => Ok(()),
                    }
                },
            )
        })
        .await?;
        Ok(view)
    }

    pub async fn get(&self, cmd: Command<PostingRef>) -> Result<Posting> {
        let mut conn = self.conn().await?;
        let row = store::posting(&mut conn, cmd.body.posting_id)
            .await?
            .ok_or(RotationError::PostingNotFound)?;
        view(&mut conn, row).await
    }

    pub async fn list(&self, cmd: Command<PostingQuery>) -> Result<Page<Posting>> {
        let q = cmd.body;
        let paging = q.paging.checked()?;
        let filter = PostingFilter {
            group: q.group_id,
            school: q.school_id,
            teacher: q.teacher_id,
            year: q.school_year,
        };
        let mut conn = self.conn().await?;
        let (rows, total) = store::list_postings(&mut conn, &filter, paging).await?;
        let items = rows
            .into_iter()
            .map(|(p, t)| p.into_view(&t, today()))
            .collect::<diesel::QueryResult<_>>()?;
        Ok(Page { items, total })
    }

    /// The receiving school confirms; both schools must still be in the group.
    pub async fn confirm(&self, cmd: Command<PostingRef>) -> Result<Posting> {
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let row = store::posting_for_update(conn, cmd.body.posting_id)
                .await?
                .ok_or(RotationError::PostingNotFound)?;
            let status = row.status()?;
            if status != PostingStatus::Proposed {
                return Err(RotationError::State(
                    status,
                    "only a proposed posting can be confirmed",
                ));
            }
            consent::check_consented(&row)?;
            let group = GroupId(row.group_id);
            for school in [row.from_school_id, row.to_school_id] {
                view::role_now(conn, group, SchoolId(school), Lock::None)
                    .await?
                    .ok_or(RotationError::SchoolNotInGroup)?;
            }
            let row = store::confirm(conn, row.id).await?;
            let teacher = teacher_of(conn, &row).await?;
            let event = PostingConfirmed {
                posting: facts(&row, &teacher)?,
            };
            outbox::enqueue(
                conn,
                &cmd.actor,
                Some(group),
                Some(SchoolId(row.to_school_id)),
                &event,
            )
            .await?;
            Ok(row.into_view(&teacher, today())?)
        })
        .await
    }

    /// Withdraws a posting that has not started.
    pub async fn cancel(&self, cmd: Command<PostingClosure>) -> Result<Posting> {
        self.close(cmd, false).await
    }

    /// Ends a running posting early.
    pub async fn end(&self, cmd: Command<PostingClosure>) -> Result<Posting> {
        self.close(cmd, true).await
    }

    async fn close(&self, cmd: Command<PostingClosure>, early_end: bool) -> Result<Posting> {
        let reason = text::required("reason", &cmd.body.reason, 500)?;
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let row = store::posting_for_update(conn, cmd.body.posting_id)
                .await?
                .ok_or(RotationError::PostingNotFound)?;
            let status = row.status()?;
            let day = today();
            let started = row.start_date <= day;
            let allowed = match (early_end, status) {
                (false, PostingStatus::Proposed) => true,
                (false, PostingStatus::Confirmed) => !started,
                (true, PostingStatus::Confirmed) => started && day <= row.end_date,
                _ => false,
            };
            if !allowed {
                let wanted = if early_end {
                    "only a confirmed posting that is running can be ended early"
                } else {
                    "only a posting that has not started can be cancelled"
                };
                return Err(RotationError::State(status, wanted));
            }
            let teacher = teacher_of(conn, &row).await?;
            Ok(close_one(
                conn,
                &cmd.actor,
                row,
                &teacher,
                early_end.then_some(day),
                &reason,
            )
            .await?)
        })
        .await
    }

    /// E-08 figures of a group or a county for a school year, now and at year end.
    pub async fn compliance(&self, cmd: Command<ComplianceQuery>) -> Result<Compliance> {
        let ComplianceQuery {
            scope,
            school_year,
            as_of,
        } = cmd.body;
        let as_of = as_of.unwrap_or_else(today);
        let mut conn = self.conn().await?;
        let region = match &scope {
            Scope::Group { group_id } => view::group(&mut conn, *group_id, Lock::None)
                .await?
                .ok_or(RotationError::GroupNotFound)?
                .region
                .as_str()
                .to_owned(),
            Scope::Region { region: r } => r.as_str().to_owned(),
        };
        // E-08 under the region's policy in force on the day the figures are for.
        let policy = edu_bus::policy::in_force(&mut conn, &region, as_of).await?;
        let filter = match &scope {
            Scope::Group { group_id } => ScopeFilter::Group(*group_id),
            Scope::Region { .. } => ScopeFilter::Region(&region),
        };
        let eligible = store::eligible_teachers(&mut conn, &filter, school_year).await?;
        let rotations = store::rotations(&mut conn, &filter, school_year).await?;
        let mut rotated: BTreeMap<Uuid, (TeacherRef, NaiveDate)> = BTreeMap::new();
        for (teacher, name, home, backbone, posting, start) in rotations {
            let entry = rotated.entry(teacher).or_insert_with(|| {
                let backbone = backbone.parse().unwrap_or(BackboneLevel::None);
                let r = TeacherRef {
                    teacher_id: TeacherId(teacher),
                    name,
                    home_school_id: SchoolId(home),
                    backbone,
                    posting_ids: Vec::new(),
                };
                (r, start)
            });
            entry.0.posting_ids.push(PostingId(posting));
            entry.1 = entry.1.min(start);
        }
        let count = |started_by: Option<NaiveDate>| {
            let mut all = 0u32;
            let mut backbone = 0u32;
            for (r, first_start) in rotated.values() {
                if started_by.is_none_or(|day| *first_start <= day) {
                    all += 1;
                    backbone += u32::from(r.backbone.counts_as_backbone());
                }
            }
            (all, backbone)
        };
        let (eligible_count, actual, forecast) = match &filter {
            // A group's figures come from the same aggregate as every group's at once
            // (`compliance_of_groups`), so both answers agree by construction.
            ScopeFilter::Group(group_id) => {
                let tally = store::group_tallies(&mut conn, &filter, school_year, as_of)
                    .await?
                    .into_iter()
                    .next();
                let f = group_figures(*group_id, tally.as_ref(), &policy);
                (f.eligible, f.actual, f.forecast)
            }
            ScopeFilter::Region(_) => {
                let eligible_count = u32::try_from(eligible.len()).unwrap_or(u32::MAX);
                let (actual_all, actual_backbone) = count(Some(as_of));
                let (year_all, year_backbone) = count(None);
                (
                    eligible_count,
                    rules::figures(eligible_count, actual_all, actual_backbone, &policy),
                    rules::figures(eligible_count, year_all, year_backbone, &policy),
                )
            }
        };
        Ok(Compliance {
            scope,
            school_year,
            as_of,
            policy_version: policy.version,
            rotation_min_pct: policy.rotation_min_pct,
            backbone_min_pct: policy.backbone_min_pct,
            eligible: eligible_count,
            actual,
            forecast,
            deadline: school_year.last_day().unwrap_or(as_of),
            eligible_teachers: eligible
                .into_iter()
                .map(|(id, name, home, backbone)| TeacherRef {
                    teacher_id: TeacherId(id),
                    name,
                    home_school_id: SchoolId(home),
                    backbone: backbone.parse().unwrap_or(BackboneLevel::None),
                    posting_ids: Vec::new(),
                })
                .collect(),
            rotated_teachers: rotated.into_values().map(|(r, _)| r).collect(),
        })
    }
}

/// E-08 figures of one group from its tally (a group without eligible teachers or
/// rotations has none).
fn group_figures(
    group_id: GroupId,
    tally: Option<&store::GroupTally>,
    policy: &Policy,
) -> GroupFigures {
    let n = |v: Option<i64>| u32::try_from(v.unwrap_or(0)).unwrap_or(u32::MAX);
    let eligible = n(tally.map(|t| t.eligible));
    GroupFigures {
        group_id,
        eligible,
        actual: rules::figures(
            eligible,
            n(tally.map(|t| t.rotated)),
            n(tally.map(|t| t.backbone)),
            policy,
        ),
        forecast: rules::figures(
            eligible,
            n(tally.map(|t| t.year_rotated)),
            n(tally.map(|t| t.year_backbone)),
            policy,
        ),
    }
}

impl RotationService {
    /// E-08 figures of every group of a region in one aggregate query: what
    /// [`RotationService::compliance`] answers for each group, the counts without the
    /// teacher lists (the evaluation of a province asks once instead of 2,000 times).
    pub async fn compliance_of_groups(
        &self,
        cmd: Command<GroupsComplianceQuery>,
    ) -> Result<GroupsCompliance> {
        let GroupsComplianceQuery {
            region,
            school_year,
            as_of,
        } = cmd.body;
        let as_of = as_of.unwrap_or_else(today);
        let mut conn = self.conn().await?;
        let policy = edu_bus::policy::in_force(&mut conn, region.as_str(), as_of).await?;
        let tallies = store::group_tallies(
            &mut conn,
            &ScopeFilter::Region(region.as_str()),
            school_year,
            as_of,
        )
        .await?;
        Ok(GroupsCompliance {
            school_year,
            as_of,
            policy_version: policy.version,
            rotation_min_pct: policy.rotation_min_pct,
            backbone_min_pct: policy.backbone_min_pct,
            deadline: school_year.last_day().unwrap_or(as_of),
            groups: tallies
                .iter()
                .map(|t| group_figures(GroupId(t.group_id), Some(t), &policy))
                .collect(),
            region,
        })
    }
}

/// E-19: training hours a teacher completes each year.
pub const REQUIRED_TRAINING_HOURS: u16 = 72;

impl RotationService {
    /// Records a training or showcase the lead school held (E-05, E-06).
    pub async fn record_training(&self, cmd: Command<NewTraining>) -> Result<Training> {
        let body = &cmd.body;
        let title = text::required("title", &body.title, 100)?;
        let subject = body
            .subject
            .as_deref()
            .map(|s| text::optional("subject", s, 30))
            .transpose()?
            .flatten();
        if !(1..=200).contains(&body.hours) {
            return Err(Problem::validation(
                "hours",
                "hours must be between 1 and 200",
                "学时须在 1 到 200 之间",
            )
            .into());
        }
        let mut participants: Vec<Uuid> = body.participant_ids.iter().map(|t| t.0).collect();
        participants.sort_unstable();
        participants.dedup();
        if participants.is_empty() || participants.len() > 2000 {
            let (en, zh) = (
                "a training has 1 to 2000 participants",
                "培训参与人数须为 1 到 2000 人",
            );
            return Err(Problem::validation("participant_ids", en, zh).into());
        }
        let (school_year, semester) = rules::training_semester(body.held_on);
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "training.record",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let group = view::group(conn, body.group_id, Lock::None)
                    .await?
                    .ok_or(RotationError::GroupNotFound)?;
                if group.dissolved_on.is_some() {
                    return Err(RotationError::GroupDissolved);
                }
                let known = store::count_group_teachers(conn, body.group_id, &participants).await?;
                if usize::try_from(known).unwrap_or_default() != participants.len() {
                    let (en, zh) = (
                        "every participant must be a teacher of the group's schools",
                        "参与者须为本集团学校的教师",
                    );
                    return Err(Problem::validation("participant_ids", en, zh).into());
                }
                let row = store::TrainingRow {
                    id: TrainingId::new().0,
                    group_id: body.group_id.0,
                    kind: body.kind.as_str().to_owned(),
                    title: title.clone(),
                    subject: subject.clone(),
                    held_on: body.held_on,
                    school_year: school_year.0,
                    semester: semester_str(semester).to_owned(),
                    hours: i16::try_from(body.hours).unwrap_or(i16::MAX),
                    provider_school_id: group.lead_school_id.0,
                    created_at: Utc::now(),
                };
                store::insert_training(conn, &row, &participants).await?;
                let event = TrainingHeld {
                    training_id: TrainingId(row.id),
                    group_id: body.group_id,
                    kind: body.kind,
                    held_on: body.held_on,
                    school_year,
                    semester,
                    hours: body.hours,
                    participants: u32::try_from(participants.len()).unwrap_or(u32::MAX),
                };
                outbox::enqueue(
                    conn,
                    &cmd.actor,
                    Some(body.group_id),
                    Some(group.lead_school_id),
                    &event,
                )
                .await?;
                training_view(row, participants.clone())
            },
        )
        .await
    }

    /// A group's trainings of a school year, and per semester the kinds held and missing.
    pub async fn trainings(&self, cmd: Command<TrainingQuery>) -> Result<TrainingList> {
        let TrainingQuery {
            group_id,
            school_year,
            semester,
        } = cmd.body;
        let mut conn = self.conn().await?;
        let items = store::trainings(&mut conn, group_id, school_year)
            .await?
            .into_iter()
            .map(|(row, who)| training_view(row, who))
            .collect::<Result<Vec<_>>>()?;
        let semesters = [Semester::Autumn, Semester::Spring]
            .into_iter()
            .filter(|s| semester.is_none_or(|wanted| wanted == *s))
            .map(|s| {
                let held: Vec<TrainingKind> = TrainingKind::ALL
                    .iter()
                    .copied()
                    .filter(|k| items.iter().any(|t| t.semester == s && t.kind == *k))
                    .collect();
                let missing = TrainingKind::ALL
                    .iter()
                    .copied()
                    .filter(|k| !held.contains(k))
                    .collect();
                SemesterTrainings {
                    semester: s,
                    held,
                    missing,
                }
            })
            .collect();
        let items = items
            .into_iter()
            .filter(|t| semester.is_none_or(|s| t.semester == s))
            .collect();
        Ok(TrainingList { items, semesters })
    }

    /// E-19: each teacher's training hours in a school year against 72.
    pub async fn hours(&self, cmd: Command<HoursQuery>) -> Result<TrainingHours> {
        let HoursQuery {
            school_id,
            school_year,
        } = cmd.body;
        let mut conn = self.conn().await?;
        let rows = store::training_hours(&mut conn, school_id, school_year).await?;
        let teachers: Vec<TeacherHours> = rows
            .into_iter()
            .map(|r| {
                let hours = u32::try_from(r.hours).unwrap_or_default();
                TeacherHours {
                    teacher_id: TeacherId(r.id),
                    name: r.name,
                    hours,
                    met: hours >= u32::from(REQUIRED_TRAINING_HOURS),
                }
            })
            .collect();
        let met = teachers.iter().filter(|t| t.met).count();
        let completion_pct = if teachers.is_empty() {
            0.0
        } else {
            met as f64 * 100.0 / teachers.len() as f64
        };
        Ok(TrainingHours {
            school_id,
            school_year,
            required_hours: REQUIRED_TRAINING_HOURS,
            teachers,
            completion_pct,
        })
    }

    /// E-09: who of the members' managers and subject teachers has shadowed within the
    /// rolling three years.
    pub async fn coverage(&self, cmd: Command<CoverageQuery>) -> Result<ShadowingCoverage> {
        let CoverageQuery { group_id, as_of } = cmd.body;
        let as_of = as_of.unwrap_or_else(today);
        let since = as_of
            .checked_sub_months(chrono::Months::new(36))
            .unwrap_or(as_of);
        let mut conn = self.conn().await?;
        let rows = store::shadowing_coverage(&mut conn, group_id, since, as_of).await?;
        let staff = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        let covered = u32::try_from(rows.iter().filter(|r| r.covered).count()).unwrap_or(u32::MAX);
        let not_yet = rows
            .into_iter()
            .filter(|r| !r.covered)
            .map(|r| TeacherRef {
                teacher_id: TeacherId(r.id),
                name: r.name,
                home_school_id: SchoolId(r.home_school_id),
                backbone: r.backbone.parse().unwrap_or(BackboneLevel::None),
                posting_ids: Vec::new(),
            })
            .collect();
        let coverage_pct = if staff == 0 {
            0.0
        } else {
            f64::from(covered) * 100.0 / f64::from(staff)
        };
        Ok(ShadowingCoverage {
            group_id,
            since,
            as_of,
            staff,
            covered,
            coverage_pct,
            not_yet,
        })
    }
}

fn semester_str(s: Semester) -> &'static str {
    match s {
        Semester::Autumn => "autumn",
        Semester::Spring => "spring",
    }
}

fn training_view(row: store::TrainingRow, participants: Vec<Uuid>) -> Result<Training> {
    let kind = row.kind.parse::<TrainingKind>().map_err(|_| {
        diesel::result::Error::DeserializationError(
            format!("stored training kind {:?}", row.kind).into(),
        )
    })?;
    let semester = if row.semester == "spring" {
        Semester::Spring
    } else {
        Semester::Autumn
    };
    Ok(Training {
        id: TrainingId(row.id),
        group_id: GroupId(row.group_id),
        kind,
        title: row.title,
        subject: row.subject,
        held_on: row.held_on,
        school_year: SchoolYear(row.school_year),
        semester,
        hours: u16::try_from(row.hours).unwrap_or_default(),
        provider_school_id: SchoolId(row.provider_school_id),
        participant_ids: participants.into_iter().map(TeacherId).collect(),
        created_at: row.created_at,
    })
}

/// Ends what a membership change leaves without a place: postings of the group touching
/// `school` (or all, on dissolution) that have not started are cancelled, running ones end
/// today; completed ones stay as they were.
pub async fn close_for_membership(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    group: GroupId,
    school: Option<SchoolId>,
    reason: &str,
) -> diesel::QueryResult<()> {
    let day = today();
    for row in store::open_postings(conn, group, school).await? {
        let status = row.status()?;
        let ended_on = match status {
            PostingStatus::Confirmed if row.start_date <= day && day <= row.end_date => Some(day),
            PostingStatus::Confirmed if row.end_date < day => continue,
            _ => None,
        };
        let teacher = teacher_of(conn, &row).await?;
        close_one(conn, actor, row, &teacher, ended_on, reason).await?;
    }
    Ok(())
}

pub(crate) async fn close_one(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    row: PostingRow,
    teacher: &TeacherRow,
    ended_on: Option<NaiveDate>,
    reason: &str,
) -> diesel::QueryResult<Posting> {
    let row = store::close(conn, row.id, ended_on, reason).await?;
    let posting = facts(&row, teacher)?;
    let (group, school) = (
        Some(GroupId(row.group_id)),
        Some(SchoolId(row.from_school_id)),
    );
    match ended_on {
        Some(ended_on) => {
            let event = PostingEnded {
                posting,
                ended_on,
                reason: reason.to_owned(),
            };
            outbox::enqueue(conn, actor, group, school, &event).await?;
        }
        None => {
            outbox::enqueue(
                conn,
                actor,
                group,
                school,
                &PostingCancelled {
                    posting,
                    reason: reason.to_owned(),
                },
            )
            .await?;
        }
    }
    row.into_view(teacher, today())
}

pub(crate) async fn teacher_of(
    conn: &mut AsyncPgConnection,
    row: &PostingRow,
) -> diesel::QueryResult<TeacherRow> {
    store::teachers_by_id(conn, &[row.teacher_id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| diesel::result::Error::NotFound)
}

async fn view(conn: &mut AsyncPgConnection, row: PostingRow) -> Result<Posting> {
    let teacher = teacher_of(conn, &row).await?;
    Ok(row.into_view(&teacher, today())?)
}

/// The posting `cmd` asks for, if the rules allow it (E-02, E-03, E-04, no overlap), from
/// the locked teacher and the context read with the lock.
fn proposal(
    cmd: &Command<NewPosting>,
    teacher: &TeacherRow,
    mut context: store::PostingContext,
    (start, end, school_year): (NaiveDate, NaiveDate, SchoolYear),
    host_post: String,
) -> Result<PostingRow> {
    let body = &cmd.body;
    // E-04: the sending school is the home school, and stays the payroll unit.
    let from = SchoolId(teacher.home_school_id);
    // The group's region policy in force today came with the context (DESIGN.md
    // "Policy as data").
    if context.dissolved.ok_or(RotationError::GroupNotFound)? {
        return Err(RotationError::GroupDissolved);
    }
    // A school's office proposes only its own staff (the lead office and the bureau plan
    // for the whole group).
    if cmd.actor.role == Some(Role::MemberAdmin) && cmd.actor.school_id != Some(from) {
        return Err(Problem::forbidden(
            "a member school proposes postings of its own teachers only",
            "成员学校只能为本校教师提出交流安排",
        )
        .into());
    }
    let roles = (context.sender_role()?, context.receiver_role()?);
    let policy = context.policy()?;
    let (from_role, to_role) =
        rules::check_ends(body.kind, (from, body.to_school_id), roles, &policy)?;
    rules::check_receiver(
        from_role,
        to_role,
        context.receiver_under_persuade_out.unwrap_or(false),
    )?;
    if let Some(other) = context.overlapping {
        return Err(RotationError::Overlaps { other });
    }
    let new = NewRow {
        group: body.group_id,
        to: body.to_school_id,
        kind: body.kind,
        host_post,
        term: (start, end, school_year),
    };
    let mut row = new_row(teacher, new, PostingStatus::Proposed);
    consent::require_consent(&mut row, teacher, &context, &cmd.actor);
    Ok(row)
}

/// What a new posting of a teacher is made of besides the teacher.
pub(crate) struct NewRow {
    pub group: GroupId,
    pub to: SchoolId,
    pub kind: PostingKind,
    pub host_post: String,
    /// First day, planned last day, school year.
    pub term: (NaiveDate, NaiveDate, SchoolYear),
}

/// A new posting of `teacher` in `status`. E-04: the sending school is the home school, and
/// stays the payroll unit.
pub(crate) fn new_row(teacher: &TeacherRow, new: NewRow, status: PostingStatus) -> PostingRow {
    let (start, end, school_year) = new.term;
    PostingRow {
        id: PostingId::new().0,
        group_id: new.group.0,
        teacher_id: teacher.id,
        from_school_id: teacher.home_school_id,
        to_school_id: new.to.0,
        kind: new.kind.as_str().to_owned(),
        host_post: new.host_post,
        start_date: start,
        end_date: end,
        school_year: school_year.0,
        status: status.as_str().to_owned(),
        payroll_unit_id: teacher.home_school_id,
        confirmed_at: None,
        ended_on: None,
        closing_reason: None,
        created_at: Utc::now(),
        consent_region: None,
        consent_to_region: None,
        consent_status: None,
        consent_decided_by: None,
        consent_decided_at: None,
        consent_note: None,
    }
}

pub(crate) fn facts(row: &PostingRow, teacher: &TeacherRow) -> diesel::QueryResult<PostingFacts> {
    Ok(PostingFacts {
        posting_id: PostingId(row.id),
        group_id: GroupId(row.group_id),
        teacher_id: TeacherId(row.teacher_id),
        from_school_id: SchoolId(row.from_school_id),
        to_school_id: SchoolId(row.to_school_id),
        kind: row.kind()?,
        start: row.start_date,
        end: row.end_date,
        backbone: teacher.backbone()?.counts_as_backbone(),
    })
}
