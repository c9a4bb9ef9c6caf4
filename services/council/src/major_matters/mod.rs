//! 成员学校重大事项 (G-09, invariant 10): a member school's major matter goes on record only
//! with the council decision that decided it — of category `member_major_matter`, about that
//! school, of that group. The council owns the decisions, so the citation is checked and the
//! matter inserted in one transaction that reads the decision row (share-locked), with the
//! council share-locked against membership changes and dissolution meanwhile.

pub mod rules;
mod store;

use chrono::{NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use edu_bus::outbox;
use edu_contracts::Command;
use edu_contracts::council::{MajorMatter, MajorMatterId, MajorMatterQuery, NewMajorMatter, Page};
use edu_contracts::events::MajorMatterRecorded;
use edu_db::idempotency;
use edu_domain::{GroupId, Problem};

use crate::error::CouncilError;
use crate::service::CouncilService;
use crate::{motions, seats};
use rules::CitedDecision;
use store::{Filter, Listed, MajorMatterRow};

type Result<T> = std::result::Result<T, CouncilError>;

impl CouncilService {
    /// Records a member school's major matter citing the council's decision about it; the
    /// refusals say what is missing (G-09). Emits `major_matter.recorded`.
    pub async fn record_major_matter(&self, cmd: Command<NewMajorMatter>) -> Result<MajorMatter> {
        let body = &cmd.body;
        let texts = rules::texts(body)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "major_matter.record",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let group = body.group_id;
                let school = body.school_id;
                seats::live_council_for_share(conn, group).await?;
                rules::check_school(school, &seats::active_schools(conn, group).await?)?;
                let found = match body.decision_id {
                    Some(id) => motions::store::decision_for_share(conn, id)
                        .await?
                        .map(|d| CitedDecision {
                            id: d.id,
                            group: d.group_id,
                            category: d.category,
                            subject: d.subject_school_id,
                            decided_on: d.decided_on,
                        }),
                    None => None,
                };
                let decision = rules::check_citation(
                    group,
                    school,
                    body.effective_on,
                    body.decision_id,
                    found,
                )
                .map_err(|missing| CouncilError::DecisionRequired {
                    group,
                    school,
                    effective_on: body.effective_on,
                    missing,
                })?;
                let row = MajorMatterRow {
                    id: MajorMatterId::new(),
                    group_id: group,
                    school_id: school,
                    kind: body.kind,
                    title: texts.title.clone(),
                    description: texts.description.clone(),
                    effective_on: body.effective_on,
                    decision_id: decision.id,
                    recorded_by: cmd.actor.sub.clone(),
                    recorded_at: Utc::now(),
                };
                store::insert(conn, &row).await?;
                let event = MajorMatterRecorded {
                    major_matter_id: row.id,
                    group_id: group,
                    school_id: school,
                    kind: body.kind,
                    title: row.title.clone(),
                    effective_on: row.effective_on,
                    decision_id: decision.id,
                };
                outbox::enqueue(conn, &cmd.actor, Some(group), Some(school), &event).await?;
                let (mut listed, _) = store::list(conn, &Filter::Id(row.id), None).await?;
                let inserted = listed.pop().ok_or(diesel::result::Error::NotFound)?;
                Ok(view(inserted))
            },
        )
        .await
    }

    /// A group's major matters, or one school's, newest (by effective date) first.
    pub async fn list_major_matters(
        &self,
        cmd: Command<MajorMatterQuery>,
    ) -> Result<Page<MajorMatter>> {
        let q = cmd.body;
        let paging = q.paging.checked()?;
        let filter = Filter::Group {
            group: q.group_id,
            school: q.school_id,
        };
        let mut conn = self.conn().await?;
        let (rows, total) = store::list(&mut conn, &filter, Some(paging)).await?;
        let items = rows.into_iter().map(view).collect();
        Ok(Page { items, total })
    }
}

/// G-08: the major matters recorded on the days `first..=last` (a quarter), oldest first.
pub(crate) async fn recorded_in(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<MajorMatter>> {
    // A quarter the calendar holds always has a next day; an empty list would hide matters.
    let (from, to) = rules::days_span(first, last).ok_or_else(|| {
        Problem::validation(
            "period",
            "the quarter's days are outside the calendar",
            "季度日期超出日历范围",
        )
    })?;
    let filter = Filter::Recorded { group, from, to };
    let (rows, _) = store::list(conn, &filter, None).await?;
    Ok(rows.into_iter().map(view).collect())
}

fn view(l: Listed) -> MajorMatter {
    let r = l.row;
    MajorMatter {
        id: r.id,
        group_id: r.group_id,
        school_id: r.school_id,
        school_name: l.school_name,
        kind: r.kind,
        title: r.title,
        description: r.description,
        effective_on: r.effective_on,
        decision_id: r.decision_id,
        decision_title: l.decision_title,
        decided_on: l.decided_on,
        recorded_by: r.recorded_by,
        recorded_at: r.recorded_at,
    }
}
