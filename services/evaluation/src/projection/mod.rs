//! The ledger's facts, projected from every service's events (consumer `evaluation-ledger`,
//! idempotent by event id through the inbox): the membership view every service keeps
//! (`edu_bus::membership_view`: groups, schools and their stays), meetings
//! and reports (council), trainings and postings (rotation), published resources
//! (catalogue), the region policy versions, and the "changed" items of the feed; for the
//! annual evaluation also adoptions and the settlement of proposed
//! consequences by the bureau's decisions in membership.

pub(crate) mod store;

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use edu_bus::consumer::{Applied, EventHandler, payload};
use edu_bus::membership_view::{self as view, Change};
use edu_contracts::events::{
    MeetingHeld, MemberWarned, PostingCancelled, PostingConfirmed, PostingEnded, ReportOverdue,
    ReportSubmitted, ResourceAdopted, ResourcePublished, TrainingHeld,
};
use edu_contracts::{Event, EventEnvelope};
use edu_domain::ExitReason;
use futures::future::BoxFuture;

use crate::consequences::store as consequence_store;
use store::{NotificationRow, PostingRow, ReportRow};

/// The durable consumer's name.
pub const CONSUMER: &str = "evaluation-ledger";

pub struct LedgerProjection;

/// A "changed" item of the feed for the event's school, or its group, or a region.
fn changed(
    event: &EventEnvelope,
    rule: Option<&str>,
    title: String,
    title_zh: String,
) -> NotificationRow {
    NotificationRow {
        event_id: event.id.0,
        region: None,
        group_id: event.group_id,
        school_id: event.school_id,
        rule: rule.map(str::to_owned),
        title,
        title_zh,
        at: event.occurred_at,
    }
}

/// The ledger's reaction to a change of the membership view: the "changed" items of the
/// feed, and the settlement of the consequences an evaluation proposed.
async fn membership_changed(
    conn: &mut AsyncPgConnection,
    event: &EventEnvelope,
    change: Change,
) -> QueryResult<()> {
    match change {
        Change::Exited { event: e, .. } => {
            if e.reason == ExitReason::Evaluation {
                // the exit the bureau confirmed has happened.
                consequence_store::consequence_settled(
                    conn,
                    e.group_id,
                    "member_exit",
                    Some(e.school_id),
                    "effective",
                    event.occurred_at,
                )
                .await?;
            }
            let row = changed(
                event,
                Some("X-02"),
                format!("membership ended ({})", e.reason.as_str()),
                format!("成员资格已终止({})", e.reason.as_str()),
            );
            store::notify(conn, &row).await
        }
        Change::Dissolved { event: e, .. } => {
            // a proposed dissolution happened.
            consequence_store::consequence_settled(
                conn,
                e.group_id,
                "dissolution",
                None,
                "effective",
                event.occurred_at,
            )
            .await?;
            let row = changed(
                event,
                Some("X-02"),
                format!("the group was dissolved: {}", e.reason),
                format!("教育集团已撤销:{}", e.reason),
            );
            store::notify(conn, &row).await
        }
        Change::PersuadeOutProposed(e) => {
            let row = changed(
                event,
                Some("X-01"),
                format!(
                    "the lead school proposed a persuade-out; the bureau decides: {}",
                    e.reason
                ),
                format!("龙头学校提出劝退,待教育局确认:{}", e.reason),
            );
            store::notify(conn, &row).await
        }
        Change::PersuadeOutDecided(e) => {
            // the evaluation's proposed exit of this member takes effect (or is turned
            // down) with the bureau's decision on the persuade-out.
            consequence_store::consequence_settled(
                conn,
                e.group_id,
                "member_exit",
                Some(e.school_id),
                if e.confirmed { "effective" } else { "rejected" },
                event.occurred_at,
            )
            .await?;
            let (en, zh) = if e.confirmed {
                ("the bureau confirmed the persuade-out", "教育局已确认劝退")
            } else {
                ("the bureau rejected the persuade-out", "教育局未同意劝退")
            };
            store::notify(
                conn,
                &changed(event, Some("X-01"), en.to_owned(), zh.to_owned()),
            )
            .await
        }
        Change::PolicyPublished(e) => {
            let mut row = changed(
                event,
                None,
                format!(
                    "region policy version {} takes effect on {}: {}",
                    e.version, e.effective_from, e.reason
                ),
                format!(
                    "本地区政策第 {} 版自 {} 起施行:{}",
                    e.version, e.effective_from, e.reason
                ),
            );
            row.region = Some(e.region.clone());
            store::notify(conn, &row).await
        }
        Change::Established { .. } | Change::Admitted { .. } => Ok(()),
    }
}

impl EventHandler for LedgerProjection {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a EventEnvelope,
    ) -> BoxFuture<'a, QueryResult<Applied>> {
        Box::pin(async move {
            if let Some(change) = view::apply(conn, event).await? {
                membership_changed(conn, event, change).await?;
                return Ok(Applied::Changed);
            }
            let day = event.occurred_at.date_naive();
            let applied = match event.event_type.as_str() {
                MemberWarned::TYPE => {
                    let e: MemberWarned = payload(event)?;
                    let row = changed(
                        event,
                        Some("X-01"),
                        format!("the lead school issued a warning: {}", e.reason),
                        format!("龙头学校发出警告:{}", e.reason),
                    );
                    store::notify(conn, &row).await
                }
                MeetingHeld::TYPE => {
                    let e: MeetingHeld = payload(event)?;
                    store::meeting_held(
                        conn,
                        e.meeting_id.0,
                        e.group_id,
                        e.kind.as_str(),
                        e.held_on,
                        &e.schools_present,
                    )
                    .await?;
                    let row = changed(
                        event,
                        None,
                        format!("{} held on {}", e.kind.as_str(), e.held_on),
                        format!("{} 已于 {} 召开", e.kind.name_zh(), e.held_on),
                    );
                    store::notify(conn, &row).await
                }
                ReportSubmitted::TYPE => {
                    let e: ReportSubmitted = payload(event)?;
                    let row = ReportRow {
                        group_id: e.group_id,
                        year: e.period.year,
                        quarter: i32::from(e.period.quarter),
                        report_id: e.report_id.0,
                        submitted_on: day,
                        due_on: e.due_on,
                        late: e.late,
                    };
                    store::report_submitted(conn, &row).await
                }
                ReportOverdue::TYPE => {
                    let e: ReportOverdue = payload(event)?;
                    let row = changed(
                        event,
                        Some("G-08"),
                        format!(
                            "the written report of {} was due on {} and is overdue",
                            e.period, e.due_on
                        ),
                        format!("{} 书面汇报应于 {} 前提交,已逾期", e.period, e.due_on),
                    );
                    store::notify(conn, &row).await
                }
                TrainingHeld::TYPE => {
                    let e: TrainingHeld = payload(event)?;
                    store::training_held(
                        conn,
                        e.training_id,
                        e.group_id,
                        e.kind.as_str(),
                        e.held_on,
                    )
                    .await
                }
                PostingConfirmed::TYPE => {
                    let p = payload::<PostingConfirmed>(event)?.posting;
                    let row = PostingRow {
                        posting_id: p.posting_id,
                        group_id: p.group_id,
                        from_school_id: p.from_school_id,
                        to_school_id: p.to_school_id,
                        kind: p.kind.as_str().to_owned(),
                        start_date: p.start,
                        end_date: p.end,
                        cancelled: false,
                        backbone: p.backbone,
                    };
                    store::posting_confirmed(conn, &row).await
                }
                PostingCancelled::TYPE => {
                    let p = payload::<PostingCancelled>(event)?.posting;
                    store::posting_cancelled(conn, p.posting_id).await
                }
                PostingEnded::TYPE => {
                    let e: PostingEnded = payload(event)?;
                    store::posting_ended(conn, e.posting.posting_id, e.ended_on).await
                }
                ResourcePublished::TYPE => {
                    let r = payload::<ResourcePublished>(event)?.resource;
                    store::resource_published(
                        conn,
                        r.resource_id,
                        r.group_id,
                        r.owner_school_id,
                        day,
                    )
                    .await
                }
                ResourceAdopted::TYPE => {
                    let e: ResourceAdopted = payload(event)?;
                    let r = &e.resource;
                    store::resource_adopted(
                        conn,
                        event.id.0,
                        (
                            r.resource_id,
                            r.group_id,
                            r.owner_school_id,
                            e.adopting_school_id,
                        ),
                        day,
                    )
                    .await
                }
                _ => return Ok(Applied::Ignored),
            };
            applied.map(|()| Applied::Changed)
        })
    }
}
