//! The group's shared facilities: a school's office offers its labs, venues and
//! equipment to the group, and the offices of the group's schools book them; two bookings of
//! one facility never overlap (the exclusion constraint of `bookings` decides between
//! simultaneous ones).

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use edu_bus::membership_view::{self as view, Lock};
use edu_bus::outbox;
use edu_contracts::catalogue::{
    Booking, BookingQuery, Facility, FacilityQuery, NewBooking, NewFacility, Page,
};
use edu_contracts::events::FacilityBooked;
use edu_contracts::{Actor, Command};
use edu_db::idempotency;
use edu_domain::{BookingId, BookingStatus, FacilityId, GroupId, Problem, text};

use super::{CatalogueService, Reader, Result, reach, writer};
use crate::error::CatalogueError;
use crate::rules::{self, Reach};
use crate::store::{self, BookingRow, FacilityRow};

impl CatalogueService {
    pub async fn register_facility(&self, cmd: Command<NewFacility>) -> Result<Facility> {
        let body = &cmd.body;
        let name = text::required("name", &body.name, 100)?;
        let description =
            text::optional("description", &body.description, 1000)?.unwrap_or_default();
        let capacity = body
            .capacity
            .map(|c| {
                i32::try_from(c).map_err(|_| {
                    Problem::validation("capacity", "capacity is too large", "容量过大")
                })
            })
            .transpose()?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "facility.register",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let school = writer(conn, &cmd.actor, body.group_id).await?;
                let row = FacilityRow {
                    id: FacilityId::new(),
                    group_id: body.group_id,
                    owner_school_id: school,
                    name: name.clone(),
                    kind: body.kind.as_str().to_owned(),
                    description: description.clone(),
                    capacity,
                    created_at: Utc::now(),
                };
                store::insert_facility(conn, &row).await?;
                Ok(row.view()?)
            },
        )
        .await
    }

    /// The schools of the group (and its bureau) see its facilities; a school that left
    /// does not.
    async fn facility_reader(
        conn: &mut AsyncPgConnection,
        actor: &Actor,
        group: GroupId,
    ) -> Result<Reader> {
        let reader = reach(conn, actor, group, Lock::None).await?;
        if reader.reach == Reach::OwnOnly {
            return Err(CatalogueError::GroupNotFound);
        }
        Ok(reader)
    }

    pub async fn list_facilities(&self, cmd: Command<FacilityQuery>) -> Result<Page<Facility>> {
        let paging = cmd.body.paging.checked()?;
        let mut conn = self.conn().await?;
        Self::facility_reader(&mut conn, &cmd.actor, cmd.body.group_id).await?;
        let (rows, total) = store::facilities_of(&mut conn, cmd.body.group_id, paging).await?;
        let items = rows
            .iter()
            .map(FacilityRow::view)
            .collect::<diesel::QueryResult<_>>()?;
        Ok(Page { items, total })
    }

    /// a school of the group books a facility of the group for a slot; the exclusion
    /// constraint makes two overlapping bookings impossible, however simultaneous.
    pub async fn book(&self, cmd: Command<NewBooking>) -> Result<Booking> {
        let body = &cmd.body.booking;
        let purpose = text::required("purpose", &body.purpose, 200)?;
        rules::check_slot(body.start, body.end, Utc::now())?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "booking.create",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let facility = store::facility_for_booking(conn, cmd.body.facility_id)
                    .await?
                    .ok_or(CatalogueError::FacilityNotFound)?;
                let group = facility.group_id;
                let school = writer(conn, &cmd.actor, group).await.map_err(|e| match e {
                    CatalogueError::GroupNotFound => CatalogueError::FacilityNotFound,
                    other => other,
                })?;
                // The facility left with its school.
                let owner = facility.owner_school_id;
                if view::school_active(conn, group, owner, Lock::Share).await? != Some(true) {
                    return Err(CatalogueError::FacilityNotFound);
                }
                let row = BookingRow {
                    id: BookingId::new(),
                    facility_id: facility.id,
                    group_id: facility.group_id,
                    school_id: school,
                    starts_at: body.start,
                    ends_at: body.end,
                    purpose: purpose.clone(),
                    status: BookingStatus::Confirmed.as_str().to_owned(),
                    created_at: Utc::now(),
                };
                store::insert_booking(conn, &row).await?;
                let event = FacilityBooked {
                    booking_id: row.id,
                    facility_id: row.facility_id,
                    group_id: group,
                    owner_school_id: owner,
                    booking_school_id: school,
                    start: row.starts_at,
                    end: row.ends_at,
                };
                outbox::enqueue(conn, &cmd.actor, Some(group), Some(school), &event).await?;
                Ok(row.view()?)
            },
        )
        .await
    }

    pub async fn list_bookings(&self, cmd: Command<BookingQuery>) -> Result<Page<Booking>> {
        let paging = cmd.body.paging.checked()?;
        let mut conn = self.conn().await?;
        let facility = store::facility(&mut conn, cmd.body.facility_id)
            .await?
            .ok_or(CatalogueError::FacilityNotFound)?;
        Self::facility_reader(&mut conn, &cmd.actor, facility.group_id)
            .await
            .map_err(|_| CatalogueError::FacilityNotFound)?;
        let (rows, total) = store::bookings_of(&mut conn, cmd.body.facility_id, paging).await?;
        let items = rows
            .iter()
            .map(BookingRow::view)
            .collect::<diesel::QueryResult<_>>()?;
        Ok(Page { items, total })
    }
}
