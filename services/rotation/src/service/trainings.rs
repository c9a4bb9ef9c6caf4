//! Trainings and showcases the lead school holds (E-05, E-06), the yearly hours (E-19) and
//! the three-year shadowing coverage (E-09).

use chrono::Utc;
use edu_bus::membership_view::{self as view, Lock};
use edu_bus::outbox;
use edu_contracts::Command;
use edu_contracts::events::TrainingHeld;
use edu_contracts::rotation::{
    CoverageQuery, HoursQuery, NewTraining, SemesterTrainings, ShadowingCoverage, TeacherHours,
    TeacherRef, Training, TrainingHours, TrainingList, TrainingQuery,
};
use edu_db::idempotency::{self};
use edu_domain::{Problem, SchoolYear, Semester, TeacherId, TrainingId, TrainingKind, text};

use super::{Result, RotationService, today};
use crate::error::RotationError;
use crate::rules;
use crate::store::{self};

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
        let mut participants: Vec<TeacherId> = body.participant_ids.clone();
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
                    id: TrainingId::new(),
                    group_id: body.group_id,
                    kind: body.kind.as_str().to_owned(),
                    title: title.clone(),
                    subject: subject.clone(),
                    held_on: body.held_on,
                    school_year: school_year.0,
                    semester: semester_str(semester).to_owned(),
                    hours: i16::try_from(body.hours).unwrap_or(i16::MAX),
                    provider_school_id: group.lead_school_id,
                    created_at: Utc::now(),
                };
                store::insert_training(conn, &row, &participants).await?;
                let event = TrainingHeld {
                    training_id: row.id,
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
                    teacher_id: r.id,
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
            .map(|r| {
                Ok(TeacherRef {
                    teacher_id: r.id,
                    name: r.name,
                    home_school_id: r.home_school_id,
                    backbone: store::parse("backbone", &r.backbone)?,
                    posting_ids: Vec::new(),
                })
            })
            .collect::<diesel::QueryResult<_>>()?;
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

fn training_view(row: store::TrainingRow, participants: Vec<TeacherId>) -> Result<Training> {
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
        id: row.id,
        group_id: row.group_id,
        kind,
        title: row.title,
        subject: row.subject,
        held_on: row.held_on,
        school_year: SchoolYear(row.school_year),
        semester,
        hours: u16::try_from(row.hours)
            .map_err(|_| store::corrupt("training hours", &row.hours.to_string()))?,
        provider_school_id: row.provider_school_id,
        participant_ids: participants,
        created_at: row.created_at,
    })
}
