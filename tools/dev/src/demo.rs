//! Demo data for `edugroup-dev up`: one county (太康县, 411627) with two groups and a few
//! schools that are not yet in a group, written through the services' own operations with
//! idempotency keys, so running `up` again changes nothing.

use chrono::NaiveDate;
use edu_bus::Bus;
use edu_contracts::Actor;
use edu_contracts::council::{
    AgendaItem, Attendance, Ballot, CastVotes, Council, CouncilComposition, DecisionCategory,
    GetCouncil, GetMeeting, GroupScope, LeaderPost, MeetingKind, MeetingRef, NewMeeting, NewMotion,
    ProposeMotion, RecordAttendance, ScheduleMeeting, SeatAppointment, SeatRole, SetCouncil, Vote,
    VoteChoice,
};
use edu_contracts::membership::{
    Admission, AdmitMember, CreateGroup, CreateSchool, Group, NewGroup, NewSchool, School,
};
use edu_domain::{GroupId, GroupModel, Problem, RegionCode, SchoolId, Stage};

pub const REGION: &str = "411627";

/// What the demo created, for printing tokens.
pub struct Demo {
    pub alliance: Group,
    pub tight: Group,
    pub free_junior_schools: usize,
    /// The teacher whose demo token the console offers: the first on the first member
    /// school's roster (the token's `sub` is the roster's 工号).
    pub teacher: DemoTeacher,
}

/// A roster row a demo token speaks for.
pub struct DemoTeacher {
    pub school_id: SchoolId,
    pub staff_no: String,
    pub name: String,
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
    let region = RegionCode::parse(REGION)?;
    // the demo county's trail records what the demo wrote
    let actor = Actor::system_in("demo", region.clone());
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
    catalogue(bus, &region, &alliance, &junior[..3]).await?;
    let firsts = rosters(bus, &actor, &region, &junior[..3]).await?;
    let teacher = firsts.into_iter().nth(1).ok_or_else(Problem::internal)?;
    for (i, member) in primary[1..3].iter().enumerate() {
        let admission = Admission {
            group_id: tight.id,
            school_id: member.id,
        };
        bus.call::<AdmitMember>(&actor, Some(format!("demo-admit-tight-{i}")), admission)
            .await?;
    }
    council(bus, &actor, alliance.id).await?;
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
        teacher,
    })
}

/// The council seeds itself from membership events: waits (a few seconds at most) until it
/// has a vice-chair for each of the group's members.
async fn seeded_council(bus: &Bus, actor: &Actor, group: GroupId) -> Result<Council, Problem> {
    let mut tries = 0;
    loop {
        let council = bus
            .call::<GetCouncil>(actor, None, GroupScope { group_id: group })
            .await;
        let ready = council.as_ref().is_ok_and(|c| {
            c.seats
                .iter()
                .filter(|s| s.role == SeatRole::ViceChair)
                .count()
                == 2
        });
        tries += 1;
        if ready || tries > 100 {
            return council;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The alliance group's council: a secretary-general (G-05), and a March council meeting
/// with everyone present that decided a member school's major matter (G-09). Running `up`
/// again finds the meeting already decided and changes nothing.
async fn council(bus: &Bus, actor: &Actor, group: GroupId) -> Result<(), Problem> {
    let council = seeded_council(bus, actor, group).await?;
    let mut seats: Vec<SeatAppointment> = council
        .seats
        .iter()
        .filter(|s| matches!(s.role, SeatRole::Chair | SeatRole::ViceChair))
        .map(|s| SeatAppointment {
            role: s.role,
            school_id: s.school_id,
            holder_name: s.holder_name.clone(),
            post: s.post,
        })
        .collect();
    seats.push(SeatAppointment {
        role: SeatRole::SecretaryGeneral,
        school_id: council.lead_school_id,
        holder_name: "周文".into(),
        post: LeaderPost::VicePrincipal,
    });
    let composition = CouncilComposition {
        group_id: group,
        seats,
    };
    let council = bus.call::<SetCouncil>(actor, None, composition).await?;
    let meeting = NewMeeting {
        group_id: group,
        kind: MeetingKind::Council,
        title: "2026年3月理事会议".into(),
        held_on: NaiveDate::from_ymd_opt(2026, 3, 12).unwrap_or_default(),
        start_time: chrono::NaiveTime::from_hms_opt(14, 30, 0),
        duration_minutes: Some(120),
        place: Some("太康县第一初级中学 行政楼三楼会议室".into()),
        online_link: None,
        agenda: vec![
            AgendaItem {
                title: "审议2026年春季学期教师交流轮岗方案".into(),
                owner: "集团办公室".into(),
                documents: Vec::new(),
            },
            AgendaItem {
                title: "审议第二初级中学申报省级课程改革实验校".into(),
                owner: "李明".into(),
                documents: Vec::new(),
            },
        ],
    };
    let meeting = bus
        .call::<ScheduleMeeting>(actor, Some("demo-council-2026-03".into()), meeting)
        .await?;
    // a replayed key answers the first reply: ask for the meeting as it is now
    let meeting = bus
        .call::<GetMeeting>(
            actor,
            None,
            MeetingRef {
                meeting_id: meeting.id,
            },
        )
        .await?;
    if !meeting.motions.is_empty() {
        return Ok(());
    }
    let present: Vec<_> = council.seats.iter().map(|s| s.id).collect();
    let attendance = Attendance {
        meeting_id: meeting.id,
        present: present.clone(),
    };
    bus.call::<RecordAttendance>(actor, None, attendance)
        .await?;
    let subject = council
        .seats
        .iter()
        .find(|s| s.role == SeatRole::ViceChair)
        .map(|s| s.school_id);
    let motion = NewMotion {
        meeting_id: meeting.id,
        title: "同意第二初级中学申报省级课程改革实验校".into(),
        category: DecisionCategory::MemberMajorMatter,
        major: true,
        subject_school_id: subject,
    };
    let motion = bus
        .call::<ProposeMotion>(actor, Some("demo-council-2026-03-motion".into()), motion)
        .await?;
    let votes = present
        .into_iter()
        .map(|seat_id| Vote {
            seat_id,
            choice: VoteChoice::Yes,
            reason: None,
        })
        .collect();
    let ballot = Ballot {
        motion_id: motion.id,
        votes,
    };
    bus.call::<CastVotes>(actor, None, ballot).await?;
    Ok(())
}

/// Teacher rosters of the alliance group's three schools for this school year, so that the
/// posting planner has people to plan with: the lead school's 12 staff (six of them
/// county- or city-level backbone teachers), 8 at each member. Imports are keyed by staff number: running `up` again
/// updates the same teachers. Answers each school's first teacher.
async fn rosters(
    bus: &Bus,
    actor: &Actor,
    region: &RegionCode,
    schools: &[School],
) -> Result<Vec<DemoTeacher>, Problem> {
    use edu_contracts::rotation::{ImportTeachers, TeacherImport};
    use edu_domain::SchoolYear;

    const SURNAMES: [&str; 12] = [
        "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙",
    ];
    const GIVEN: [&str; 12] = [
        "雪梅", "志强", "海燕", "建华", "晓东", "丽娟", "春生", "秀英", "文博", "玉兰", "国庆",
        "慧敏",
    ];
    const SUBJECTS: [&str; 6] = ["语文", "数学", "英语", "物理", "化学", "道德与法治"];
    let year = SchoolYear::containing(chrono::Local::now().date_naive());
    let mut firsts = Vec::new();
    for (n, school) in schools.iter().enumerate() {
        let staff = if n == 0 { 12 } else { 8 };
        let mut csv = String::from("工号,姓名,岗位,学科,骨干级别,符合交流条件\n");
        for i in 0..staff {
            let post = match i {
                0 => "校级领导",
                1 | 2 => "中层管理人员",
                _ => "学科教师",
            };
            let backbone = match (n, i % 3) {
                (0, 0) => "县级",
                (0, 1) if i < 6 => "市级",
                _ => "无",
            };
            let (staff_no, name) = (
                format!("T{n}{i:02}"),
                format!(
                    "{}{}",
                    SURNAMES[(i + n * 5) % SURNAMES.len()],
                    GIVEN[(i * 7 + n) % GIVEN.len()]
                ),
            );
            csv.push_str(&format!(
                "{staff_no},{name},{post},{},{backbone},是\n",
                SUBJECTS[i % SUBJECTS.len()],
            ));
            if i == 0 {
                firsts.push(DemoTeacher {
                    school_id: school.id,
                    staff_no,
                    name,
                });
            }
        }
        let import = TeacherImport {
            school_id: school.id,
            region: region.clone(),
            school_year: year,
            csv,
        };
        bus.call::<ImportTeachers>(actor, None, import).await?;
    }
    Ok(firsts)
}

/// The alliance group's library: resources of the lead and both members (Chinese titles, so
/// that searching 函数 or 实验 finds something), approved by the lead office, and a lab. The
/// catalogue learns the group from membership events: the first submission is retried until
/// it has. Running `up` again finds every key used and changes nothing.
async fn catalogue(
    bus: &Bus,
    region: &RegionCode,
    group: &Group,
    schools: &[School],
) -> Result<(), Problem> {
    use edu_contracts::catalogue::{
        Decision, NewFacility, NewResource, RegisterFacility, ReviewBody, ReviewResource,
        SubmitResource, VersionContent,
    };
    use edu_domain::{CourseType, ErrorCode, FacilityKind, QualityTier, ResourceKind, Role};

    let office = |role: Role, school: &School| Actor {
        sub: format!("system:demo-{}", school.id),
        role: Some(role),
        region: Some(region.clone()),
        school_id: Some(school.id),
    };
    let lead = office(Role::LeadAdmin, &schools[0]);
    let items = [
        (
            0,
            ResourceKind::LessonPlan,
            "数学",
            QualityTier::City,
            "一次函数的图像与性质",
            "八年级大单元教学设计:从实验数据画出函数图像",
            vec!["函数", "大单元"],
        ),
        (
            1,
            ResourceKind::Courseware,
            "数学",
            QualityTier::County,
            "二次函数与实际问题",
            "用二次函数解决利润与抛物线问题的课件",
            vec!["函数"],
        ),
        (
            0,
            ResourceKind::Material,
            "物理",
            QualityTier::County,
            "测量小灯泡的电功率",
            "分组实验指导与实验报告模板",
            vec!["实验", "电学"],
        ),
        (
            2,
            ResourceKind::TeachingAid,
            "化学",
            QualityTier::School,
            "酸碱中和反应实验安全指南",
            "化学实验室安全规范与演示实验教具清单",
            vec!["实验", "安全"],
        ),
        (
            1,
            ResourceKind::LessonPlan,
            "语文",
            QualityTier::County,
            "《背影》群文阅读教学设计",
            "九年级语文群文阅读:父爱主题",
            vec!["阅读"],
        ),
        (
            0,
            ResourceKind::MoralEducation,
            "德育",
            QualityTier::School,
            "校园红色故事德育课程",
            "一校一特色的德育校本课程",
            vec!["德育", "校本"],
        ),
    ];
    for (n, (owner, kind, subject, tier, title, description, tags)) in items.into_iter().enumerate()
    {
        let body = NewResource {
            group_id: group.id,
            kind,
            subject: subject.into(),
            stage: Stage::Junior,
            grade: String::new(),
            course_type: if kind == ResourceKind::MoralEducation {
                CourseType::Featured
            } else {
                CourseType::National
            },
            tier,
            content: VersionContent {
                title: title.into(),
                description: description.into(),
                authors: vec!["教研组".into()],
                tags: tags.into_iter().map(str::to_owned).collect(),
                upload_id: None,
                change_note: None,
            },
        };
        let owner = office(Role::MemberAdmin, &schools[owner]);
        let key = Some(format!("demo-resource-{n}"));
        let mut tries = 0;
        let resource = loop {
            match bus
                .call::<SubmitResource>(&owner, key.clone(), body.clone())
                .await
            {
                Err(p) if p.code == ErrorCode::NotFound && tries < 100 => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                other => break other?,
            }
        };
        let review = edu_contracts::catalogue::Review {
            resource_id: resource.summary.id,
            review: ReviewBody {
                decision: Decision::Approve,
                note: None,
            },
        };
        match bus.call::<ReviewResource>(&lead, None, review).await {
            Err(p) if p.code != ErrorCode::ResourceStateInvalid => return Err(p),
            _ => {}
        }
    }
    let lab = NewFacility {
        group_id: group.id,
        name: "物理实验室".into(),
        kind: FacilityKind::Lab,
        description: "48 座,含分组实验器材".into(),
        capacity: Some(48),
    };
    bus.call::<RegisterFacility>(&lead, Some("demo-facility-lab".into()), lab)
        .await?;
    Ok(())
}
