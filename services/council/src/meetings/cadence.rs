//! The cadence of a group's meetings in a year: a council meeting every month (G-06), and the
//! yearly work-planning and summary meetings (G-15) and results showcase (V-06) with the
//! member schools that attended them (M2).

use std::collections::BTreeSet;

use chrono::Datelike;
use edu_contracts::Command;
use edu_contracts::council::{
    Cadence, CadenceQuery, MeetingId, MeetingKind, MonthCadence, MonthState, YearlyMeeting,
};
use edu_domain::SchoolId;

use super::rules;
use super::store::{self, MeetingFilter};
use crate::error::CouncilError;
use crate::seats;
use crate::service::{CouncilService, Result, today};

impl CouncilService {
    pub async fn cadence(&self, cmd: Command<CadenceQuery>) -> Result<Cadence> {
        let CadenceQuery { group_id, year } = cmd.body;
        let (from, to) = rules::year_days(year)?;
        let mut conn = self.conn().await?;
        let council = seats::store::council(&mut conn, group_id, seats::store::Lock::None)
            .await?
            .ok_or(CouncilError::CouncilNotFound)?;
        let filter = MeetingFilter {
            group: group_id,
            from: Some(from),
            to: Some(to),
            kind: None,
            held_only: true,
        };
        let (held, _) = store::list_meetings(&mut conn, &filter, None).await?;
        let ids: Vec<MeetingId> = held.iter().map(|m| m.id).collect();
        let seats = store::meeting_seats(&mut conn, &ids).await?;
        let day = today();
        let mut months = Vec::with_capacity(12);
        for month in 1..=12 {
            let meeting_ids: Vec<MeetingId> = held
                .iter()
                .filter(|m| m.kind == MeetingKind::Council && m.held_on.month() == month)
                .map(|m| m.id)
                .collect();
            let state = rules::month_state(
                year,
                month,
                meeting_ids.len(),
                council.plaque_date,
                council.frozen_on,
                day,
            );
            months.push(MonthCadence {
                month,
                state,
                meeting_ids,
            });
        }
        let members: Vec<SchoolId> = seats::active_schools(&mut conn, group_id)
            .await?
            .into_iter()
            .filter(|s| !s.lead)
            .map(|s| s.id)
            .collect();
        let yearly = [
            MeetingKind::WorkPlanning,
            MeetingKind::AnnualSummary,
            MeetingKind::ResultsShowcase,
        ]
        .into_iter()
        .map(|kind| {
            let these: Vec<MeetingId> = held
                .iter()
                .filter(|m| m.kind == kind)
                .map(|m| m.id)
                .collect();
            let attended: BTreeSet<SchoolId> = seats
                .iter()
                .filter(|s| s.present && these.contains(&s.meeting_id))
                .map(|s| s.school_id)
                .collect();
            YearlyMeeting {
                kind,
                held: !these.is_empty(),
                meeting_ids: these.into_iter().collect(),
                members_attended: members
                    .iter()
                    .copied()
                    .filter(|m| attended.contains(m))
                    .collect(),
                members_absent: members
                    .iter()
                    .copied()
                    .filter(|m| !attended.contains(m))
                    .collect(),
            }
        })
        .collect();
        let months_missing = months
            .iter()
            .filter(|m| m.state == MonthState::Missing)
            .map(|m| m.month)
            .collect();
        Ok(Cadence {
            group_id,
            year,
            months,
            months_missing,
            yearly,
        })
    }
}
