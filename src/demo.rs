//! Demo data for `edugroup up`: one county (太康县, 411627) with two groups and a few
//! schools that are not yet in a group, written through the services' own operations with
//! idempotency keys, so running `up` again changes nothing.

use chrono::NaiveDate;
use edu_bus::Bus;
use edu_contracts::Actor;
use edu_contracts::membership::{
    Admission, AdmitMember, CreateGroup, CreateSchool, Group, NewGroup, NewSchool, School,
};
use edu_domain::{GroupModel, Problem, RegionCode, Stage};

pub const REGION: &str = "411627";

/// What the demo created, for printing tokens.
pub struct Demo {
    pub alliance: Group,
    pub tight: Group,
    pub free_junior_schools: usize,
}

async fn school(
    bus: &Bus,
    actor: &Actor,
    region: &RegionCode,
    key: String,
    (name, principal): (&str, &str),
    stage: Stage,
) -> Result<School, Problem> {
    let body = NewSchool {
        name: name.to_owned(),
        stage,
        region: region.clone(),
        principal_name: principal.to_owned(),
        legal_person: name.to_owned(),
    };
    bus.call::<CreateSchool>(actor, Some(key), body).await
}

pub async fn seed(bus: &Bus) -> Result<Demo, Problem> {
    let actor = Actor::system("demo");
    let region = RegionCode::parse(REGION)?;
    let juniors = [
        ("太康县第一初级中学", "王建国"),
        ("太康县第二初级中学", "李明"),
        ("太康县第三初级中学", "张伟"),
        ("太康县城郊乡初级中学", "刘洋"),
        ("太康县逊母口镇初级中学", "陈静"),
        ("太康县老冢镇初级中学", "杨帆"),
        ("太康县马头镇初级中学", "赵磊"),
        ("太康县高朗乡初级中学", "黄丽"),
        ("太康县毛庄镇初级中学", "周强"),
        ("太康县板桥镇初级中学", "吴敏"),
    ];
    let primaries = [
        ("太康县城关镇第一小学", "孙芳"),
        ("太康县城关镇第二小学", "朱军"),
        ("太康县城关镇第三小学", "胡燕"),
        ("太康县常营镇中心小学", "郭涛"),
    ];
    let mut junior = Vec::new();
    for (i, s) in juniors.into_iter().enumerate() {
        junior.push(
            school(
                bus,
                &actor,
                &region,
                format!("demo-junior-{i}"),
                s,
                Stage::Junior,
            )
            .await?,
        );
    }
    let mut primary = Vec::new();
    for (i, s) in primaries.into_iter().enumerate() {
        primary.push(
            school(
                bus,
                &actor,
                &region,
                format!("demo-primary-{i}"),
                s,
                Stage::Primary,
            )
            .await?,
        );
    }
    let plaque = NaiveDate::from_ymd_opt(2024, 9, 1).unwrap_or_default();
    let alliance = bus
        .call::<CreateGroup>(
            &actor,
            Some("demo-group-alliance".into()),
            NewGroup {
                name: "太康县第一初级中学教育集团".into(),
                model: GroupModel::Alliance,
                lead_school_id: junior[0].id,
                plaque_date: plaque,
                scale_cap: None,
                cap_exception_reason: None,
            },
        )
        .await?;
    let tight = bus
        .call::<CreateGroup>(
            &actor,
            Some("demo-group-tight".into()),
            NewGroup {
                name: "太康县城关镇第一小学教育集团".into(),
                model: GroupModel::Tight,
                lead_school_id: primary[0].id,
                plaque_date: plaque,
                scale_cap: None,
                cap_exception_reason: None,
            },
        )
        .await?;
    for (i, member) in junior[1..3].iter().enumerate() {
        let admission = Admission {
            group_id: alliance.id,
            school_id: member.id,
        };
        bus.call::<AdmitMember>(&actor, Some(format!("demo-admit-alliance-{i}")), admission)
            .await?;
    }
    for (i, member) in primary[1..3].iter().enumerate() {
        let admission = Admission {
            group_id: tight.id,
            school_id: member.id,
        };
        bus.call::<AdmitMember>(&actor, Some(format!("demo-admit-tight-{i}")), admission)
            .await?;
    }
    let alliance = bus
        .call::<edu_contracts::membership::GetGroup>(
            &actor,
            None,
            edu_contracts::membership::GroupRef {
                group_id: alliance.id,
            },
        )
        .await?;
    let tight = bus
        .call::<edu_contracts::membership::GetGroup>(
            &actor,
            None,
            edu_contracts::membership::GroupRef { group_id: tight.id },
        )
        .await?;
    Ok(Demo {
        alliance,
        tight,
        free_junior_schools: junior.len() - 3,
    })
}
