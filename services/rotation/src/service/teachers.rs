//! The rosters: imports all-or-none, lists and exports of a school's or a group's teachers.

use std::collections::BTreeMap;

use chrono::Utc;
use diesel_async::AsyncConnection;
use edu_contracts::Command;
use edu_contracts::rotation::{
    CsvDocument, ImportReport, Page, Teacher, TeacherImport, TeacherQuery,
};
use edu_domain::TeacherId;

use super::{Result, RotationService};
use crate::error::RotationError;
use crate::roster::{self, RosterRow};
use crate::store::{self, TeacherRow};

impl RotationService {
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
            let existing: BTreeMap<String, TeacherId> =
                store::teachers_by_staff_no(conn, school_id)
                    .await?
                    .into_iter()
                    .collect();
            let mut report = ImportReport {
                created: 0,
                updated: 0,
            };
            for row in &rows {
                let record = TeacherRow {
                    id: TeacherId::new(),
                    home_school_id: school_id,
                    home_region: region.clone(),
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
                    id: t.id,
                    home_school_id: t.home_school_id,
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
}
