//! The domain's types as PostgreSQL columns (feature `diesel`): an id is a `uuid` column, a
//! region code and a closed vocabulary are `text` in their one spelling. A row then reads
//! back as the domain's own type, and a value the column should never hold (an unknown
//! spelling, a malformed region code) is a deserialization error, never a silent default.

use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Text, Uuid as SqlUuid};

use crate::ids::{
    BookingId, EventId, FacilityId, GroupId, MembershipId, PersuadeOutId, PostingId, RegionCode,
    ResourceId, SchoolId, TeacherId, TrainingId, UploadId, WarningId,
};
use crate::model::MemberRole;

/// `uuid` columns for the id newtypes.
macro_rules! uuid_columns {
    ($($id:ty),+ $(,)?) => {$(
        impl ToSql<SqlUuid, Pg> for $id {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <uuid::Uuid as ToSql<SqlUuid, Pg>>::to_sql(&self.0, out)
            }
        }

        impl FromSql<SqlUuid, Pg> for $id {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                <uuid::Uuid as FromSql<SqlUuid, Pg>>::from_sql(bytes).map(Self)
            }
        }
    )+};
}

uuid_columns!(
    BookingId,
    EventId,
    FacilityId,
    GroupId,
    MembershipId,
    PersuadeOutId,
    PostingId,
    ResourceId,
    SchoolId,
    TeacherId,
    TrainingId,
    UploadId,
    WarningId,
);

/// `text` columns for the closed vocabularies, in their `as_str` spelling.
macro_rules! spelled_columns {
    ($($spelled:ty),+ $(,)?) => {$(
        impl ToSql<Text, Pg> for $spelled {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl FromSql<Text, Pg> for $spelled {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                text.parse::<$spelled>().map_err(Into::into)
            }
        }
    )+};
}

spelled_columns!(MemberRole);

impl ToSql<Text, Pg> for RegionCode {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
    }
}

impl FromSql<Text, Pg> for RegionCode {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
        Self::parse(&text).map_err(|p| p.message.into())
    }
}
