//! Identifier newtypes. Every entity id is a UUIDv7 (time ordered); the region code is
//! the six-digit administrative division code of a county (行政区划代码).

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::Problem;

/// Declares a UUIDv7 id newtype: serialised as its UUID, a `uuid` column with the `diesel`
/// feature of the crate that declares it. Exported so that edu-contracts declares its ids
/// (meetings, motions, rounds, …) the same way.
#[macro_export]
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema,
        )]
        #[cfg_attr(feature = "diesel", derive(::diesel::expression::AsExpression, ::diesel::deserialize::FromSqlRow))]
        #[cfg_attr(feature = "diesel", diesel(sql_type = ::diesel::sql_types::Uuid))]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub ::uuid::Uuid);

        impl $name {
            /// A fresh, time-ordered identifier.
            pub fn new() -> Self {
                Self(::uuid::Uuid::now_v7())
            }
        }

        impl ::std::default::Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::uuid::Error;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                ::uuid::Uuid::parse_str(s).map(Self)
            }
        }

        impl ::std::convert::From<::uuid::Uuid> for $name {
            fn from(id: ::uuid::Uuid) -> Self {
                Self(id)
            }
        }
    };
}

uuid_id!(
    /// A school (学校), lead or member.
    SchoolId
);
uuid_id!(
    /// A warning (警告) the lead school issued to a member (X-01, L8).
    WarningId
);
uuid_id!(
    /// A persuade-out (劝退) of a member school (X-01, §8.7).
    PersuadeOutId
);
uuid_id!(
    /// An education group (教育集团).
    GroupId
);
uuid_id!(
    /// One membership record: a school in a group from a join to an exit.
    MembershipId
);
uuid_id!(
    /// A domain event; also the JetStream `Nats-Msg-Id`.
    EventId
);
uuid_id!(
    /// A teacher (教师), employed by a home school.
    TeacherId
);
uuid_id!(
    /// A training session or teaching showcase held by the lead school.
    TrainingId
);
uuid_id!(
    /// One posting (交流任职/挂职/跟岗) of one teacher for one term.
    PostingId
);

uuid_id!(
    /// A resource of a group's course catalogue (课程资源), with its immutable versions.
    ResourceId
);
uuid_id!(
    /// A file upload to the catalogue, in chunks, until its hash is verified.
    UploadId
);
uuid_id!(
    /// A shared facility (场馆, 实验室, 设施设备) of a group school.
    FacilityId
);
uuid_id!(
    /// One booking of a facility for a time slot.
    BookingId
);

/// A county's six-digit administrative division code, e.g. `411627` (太康县).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, pattern = "^[0-9]{6}$", example = "411627")]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(s: &str) -> Result<Self, Problem> {
        if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(Problem::validation(
                "region",
                "region must be a six-digit administrative division code",
                "地区代码必须是六位行政区划代码",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RegionCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s).map_err(|p| p.message)
    }
}

impl From<RegionCode> for String {
    fn from(r: RegionCode) -> Self {
        r.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_code_accepts_six_digits_only() {
        assert!(RegionCode::parse("411627").is_ok());
        for bad in ["", "41162", "4116270", "41162a", "４１１６２７"] {
            let err = RegionCode::parse(bad).err().map(|p| p.code);
            assert_eq!(err, Some(crate::ErrorCode::ValidationFailed), "{bad}");
        }
    }

    #[test]
    fn ids_are_transparent_in_json() -> Result<(), serde_json::Error> {
        let id = SchoolId::new();
        assert_eq!(serde_json::to_string(&id)?, format!("\"{id}\""));
        Ok(())
    }
}
