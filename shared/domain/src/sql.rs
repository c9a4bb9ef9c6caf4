//! The domain's types as PostgreSQL columns (feature `diesel`): an id is a `uuid` column, a
//! region code and a closed vocabulary are `text` in their one spelling. A row then reads
//! back as the domain's own type, and a value the column should never hold (an unknown
//! spelling, a malformed region code) is a deserialization error, never a silent default.

use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use crate::ids::{
    BookingId, EventId, FacilityId, GroupId, MembershipId, PersuadeOutId, PostingId, RegionCode,
    ResourceId, SchoolId, TeacherId, TrainingId, UploadId, WarningId,
};
use crate::model::MemberRole;

/// `uuid` columns for id newtypes (`struct XId(pub Uuid)`). Exported so that a crate defining
/// its own ids (edu-contracts' council ids) makes them columns the same way; the crate that
/// calls it derives `AsExpression`/`FromSqlRow`, so it depends on `diesel` itself.
#[macro_export]
macro_rules! uuid_columns {
    ($($id:ty),+ $(,)?) => {$(
        impl ::diesel::serialize::ToSql<::diesel::sql_types::Uuid, ::diesel::pg::Pg> for $id {
            fn to_sql<'b>(
                &'b self,
                out: &mut ::diesel::serialize::Output<'b, '_, ::diesel::pg::Pg>,
            ) -> ::diesel::serialize::Result {
                ::diesel::serialize::ToSql::<::diesel::sql_types::Uuid, ::diesel::pg::Pg>::to_sql(
                    &self.0, out,
                )
            }
        }

        impl ::diesel::deserialize::FromSql<::diesel::sql_types::Uuid, ::diesel::pg::Pg> for $id {
            fn from_sql(bytes: ::diesel::pg::PgValue<'_>) -> ::diesel::deserialize::Result<Self> {
                ::diesel::deserialize::FromSql::<::diesel::sql_types::Uuid, ::diesel::pg::Pg>::from_sql(
                    bytes,
                )
                .map(Self)
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

/// `text` columns for closed vocabularies (`spelled!`), in their `as_str` spelling; a stored
/// spelling the enum does not know is a deserialization error. Exported like `uuid_columns!`.
#[macro_export]
macro_rules! spelled_columns {
    ($($spelled:ty),+ $(,)?) => {$(
        impl ::diesel::serialize::ToSql<::diesel::sql_types::Text, ::diesel::pg::Pg> for $spelled {
            fn to_sql<'b>(
                &'b self,
                out: &mut ::diesel::serialize::Output<'b, '_, ::diesel::pg::Pg>,
            ) -> ::diesel::serialize::Result {
                ::diesel::serialize::ToSql::<::diesel::sql_types::Text, ::diesel::pg::Pg>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }

        impl ::diesel::deserialize::FromSql<::diesel::sql_types::Text, ::diesel::pg::Pg> for $spelled {
            fn from_sql(bytes: ::diesel::pg::PgValue<'_>) -> ::diesel::deserialize::Result<Self> {
                let text: String =
                    ::diesel::deserialize::FromSql::<::diesel::sql_types::Text, ::diesel::pg::Pg>::from_sql(
                        bytes,
                    )?;
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
