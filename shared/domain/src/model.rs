//! The closed vocabularies of the rules: group models, school stages, roles, member roles,
//! exit reasons. Each has one stable snake_case spelling used in JSON and in the database.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Defines `as_str`, `Display`, `FromStr` and `ALL` from one table of spellings, so JSON
/// (serde `rename_all`) and the database text columns can never disagree.
#[macro_export]
#[doc(hidden)]
macro_rules! spelled {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!("unknown {}: {other}", stringify!($name))),
                }
            }
        }
    };
}

/// 组建模式 — how a group is organised (F-05).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupModel {
    /// 联盟型: members keep their legal person and leadership (F-06).
    Alliance,
    /// 紧密型: one legal person, one leadership team, several campuses (F-07).
    Tight,
    /// 托管型: members keep their legal person, managed by the lead school (F-06).
    Trusteeship,
}
spelled!(GroupModel { Alliance => "alliance", Tight => "tight", Trusteeship => "trusteeship" });

impl GroupModel {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Alliance => "联盟型",
            Self::Tight => "紧密型",
            Self::Trusteeship => "托管型",
        }
    }

    /// F-06/F-07: whether a member keeps its own legal person (法人) in this model.
    pub fn member_keeps_legal_person(self) -> bool {
        !matches!(self, Self::Tight)
    }

    /// F-06/F-07: whether a member keeps its own leadership body (领导机构) and management:
    /// relatively independent in alliance and trusteeship groups, one team in a tight one.
    pub fn member_keeps_own_leadership(self) -> bool {
        !matches!(self, Self::Tight)
    }

    /// F-06/F-07: the plaque a member school adds: "…教育集团成员学校" or "…教育集团校区".
    pub fn plaque_text(self, group_name: &str) -> String {
        match self {
            Self::Tight => format!("{group_name}校区"),
            Self::Alliance | Self::Trusteeship => format!("{group_name}成员学校"),
        }
    }
}

/// 学段 — school stage (F-03).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 小学
    Primary,
    /// 初中
    Junior,
    /// 九年一贯制
    NineYear,
    /// 十二年一贯制
    TwelveYear,
    /// 高中
    Senior,
}
spelled!(Stage {
    Primary => "primary",
    Junior => "junior",
    NineYear => "nine_year",
    TwelveYear => "twelve_year",
    Senior => "senior",
});

impl Stage {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Primary => "小学",
            Self::Junior => "初中",
            Self::NineYear => "九年一贯制",
            Self::TwelveYear => "十二年一贯制",
            Self::Senior => "高中",
        }
    }
}

/// Who a caller is (DESIGN.md, "Auth and tenancy").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 县教育局: its region's groups, policy, evaluation.
    Bureau,
    /// 龙头学校集团办公室: its group.
    LeadAdmin,
    /// 成员学校: its school, and what its group shares.
    MemberAdmin,
    /// 教师: own postings, the group's catalogue.
    Teacher,
    /// 审计: read-only, region.
    Auditor,
}
spelled!(Role {
    Bureau => "bureau",
    LeadAdmin => "lead_admin",
    MemberAdmin => "member_admin",
    Teacher => "teacher",
    Auditor => "auditor",
});

impl Role {
    /// Roles that act for one school and so need a `school_id` claim.
    pub fn is_school_bound(self) -> bool {
        matches!(self, Self::LeadAdmin | Self::MemberAdmin | Self::Teacher)
    }
}

/// A school's place in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// 龙头学校
    Lead,
    /// 成员学校 / 校区
    Member,
}
spelled!(MemberRole { Lead => "lead", Member => "member" });

/// Why a membership ended (DOMAIN.md §1: history is kept, nothing is deleted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    /// 自愿退出
    Voluntary,
    /// 劝退
    PersuadedOut,
    /// 集团撤销: every membership ends when the group is dissolved. Spelled
    /// `group_dissolved` in events written before; both read.
    #[serde(alias = "group_dissolved")]
    Dissolution,
    /// 教育局决定
    BureauDecision,
    /// 考核评估结果 (X-02, V-05): the bureau confirmed the exit an evaluation proposed.
    Evaluation,
}
spelled!(ExitReason {
    Voluntary => "voluntary",
    PersuadedOut => "persuaded_out",
    Dissolution => "dissolution",
    BureauDecision => "bureau_decision",
    Evaluation => "evaluation",
});

/// A group's life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupStatus {
    Active,
    /// 撤销: accepts no change.
    Dissolved,
}
spelled!(GroupStatus { Active => "active", Dissolved => "dissolved" });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip_and_match_serde() -> Result<(), Box<dyn std::error::Error>> {
        for m in GroupModel::ALL {
            assert_eq!(m.as_str().parse::<GroupModel>()?, *m);
            assert_eq!(serde_json::to_value(m)?, serde_json::json!(m.as_str()));
        }
        for s in Stage::ALL {
            assert_eq!(s.as_str().parse::<Stage>()?, *s);
            assert_eq!(serde_json::to_value(s)?, serde_json::json!(s.as_str()));
        }
        for r in Role::ALL {
            assert_eq!(serde_json::to_value(r)?, serde_json::json!(r.as_str()));
        }
        for r in ExitReason::ALL {
            assert_eq!(serde_json::to_value(r)?, serde_json::json!(r.as_str()));
        }
        assert!("federation".parse::<GroupModel>().is_err());
        Ok(())
    }

    #[test]
    fn plaque_and_legal_person_follow_the_model() {
        // F-06: alliance and trusteeship members keep their legal person, plaque 成员学校.
        assert!(GroupModel::Alliance.member_keeps_legal_person());
        assert!(GroupModel::Trusteeship.member_keeps_legal_person());
        assert_eq!(
            GroupModel::Alliance.plaque_text("太康一中教育集团"),
            "太康一中教育集团成员学校"
        );
        // F-07: tight groups are one legal person; members are campuses, plaque 校区.
        assert!(!GroupModel::Tight.member_keeps_legal_person());
        assert_eq!(
            GroupModel::Tight.plaque_text("太康一中教育集团"),
            "太康一中教育集团校区"
        );
    }
}
