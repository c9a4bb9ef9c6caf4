//! Search latency of the catalogue on 100,000 resources, through the bus as the lead-school
//! API calls it (NATS request/reply → service → PostgreSQL → reply).
//!
//! `cargo run --release -p edu-bench --bin search_bench -- [resources] [requests]`
//!
//! It starts the membership and catalogue services on a fresh database and a private bus
//! namespace (the test kit's), creates one group with a lead and a member school, seeds
//! `resources` (default 100,000) published resources into that one group in bulk (1,000-row
//! INSERTs with the same tokens the service computes), runs `ANALYZE`, then sends
//! `requests` (default 1,000) sequential searches of each query shape as the member school
//! and prints p50/p99 per shape and over all. Everything is dropped at the end.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails loudly

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use edu_contracts::Actor;
use edu_contracts::catalogue::{Paging, ResourceFilter, ResourceSearch, SearchResources};
use edu_contracts::membership::{
    Admission, AdmitMember, CreateGroup, CreateSchool, NewGroup, NewSchool,
};
use edu_domain::{GroupModel, QualityTier, RegionCode, ResourceKind, Role, SchoolId, Stage};
use edu_testkit::{TestBus, TestDb};

/// Words titles, descriptions and tags are drawn from.
const WORDS: &[&str] = &[
    "函数",
    "实验",
    "方程",
    "几何",
    "概率",
    "统计",
    "阅读",
    "写作",
    "古诗",
    "文言文",
    "听力",
    "语法",
    "电路",
    "力学",
    "光学",
    "化学反应",
    "酸碱",
    "生物",
    "细胞",
    "遗传",
    "地理",
    "气候",
    "历史",
    "朝代",
    "思想品德",
    "德育",
    "劳动",
    "美术",
    "音乐",
    "体育",
    "编程",
    "信息技术",
    "单元",
    "复习",
    "练习",
    "教学设计",
    "课件",
    "微课",
    "探究",
    "合作学习",
    "分层作业",
    "评价",
    "大单元",
    "项目式",
    "跨学科",
    "校本",
    "拓展",
    "实践",
    "安全",
    "心理健康",
    "家校",
    "班会",
    "三角形",
    "勾股定理",
    "二次根式",
    "因式分解",
    "不等式",
    "坐标系",
    "浮力",
    "压强",
    "电功率",
    "欧姆定律",
    "氧化还原",
    "元素周期",
    "光合作用",
    "生态系统",
    "地球仪",
    "经纬度",
];
const LATIN: &[&str] = &[
    "PPT",
    "Python",
    "Scratch",
    "STEM",
    "English",
    "reading",
    "grammar",
    "phonics",
    "quiz",
    "worksheet",
    "project",
    "lab",
];
const SUBJECTS: &[&str] = &[
    "数学",
    "语文",
    "英语",
    "物理",
    "化学",
    "生物",
    "地理",
    "历史",
    "道德与法治",
    "信息技术",
];
const GRADES: &[&str] = &["七年级", "八年级", "九年级"];

/// xorshift64*: deterministic data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn array(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("ARRAY[{}]::text[]", inner.join(","))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let resources: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let requests: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1_000);

    let db = TestDb::new().await?;
    let bus = TestBus::new().await?;
    edu_testkit::serve!(db, bus; edu_membership::start => "membership", edu_catalogue::start => "catalogue");
    let system = Actor::system("bench");
    let region = RegionCode::parse("411627")?;
    let mut schools = Vec::new();
    for name in ["基准龙头中学", "基准成员中学"] {
        let body = NewSchool {
            name: name.into(),
            stage: Stage::Junior,
            region: region.clone(),
            principal_name: "校长".into(),
            legal_person: name.into(),
        };
        schools.push(bus.bus.call::<CreateSchool>(&system, None, body).await?.id);
    }
    let group = bus
        .bus
        .call::<CreateGroup>(
            &system,
            None,
            NewGroup {
                name: "基准教育集团".into(),
                model: GroupModel::Alliance,
                lead_school_id: schools[0],
                plaque_date: NaiveDate::from_ymd_opt(2024, 9, 1).unwrap_or_default(),
                scale_cap: None,
                cap_exception_reason: None,
            },
        )
        .await?
        .id;
    bus.bus
        .call::<AdmitMember>(
            &system,
            None,
            Admission {
                group_id: group,
                school_id: schools[1],
            },
        )
        .await?;
    let member = Actor {
        sub: "bench-member".into(),
        role: Some(Role::MemberAdmin),
        region: Some(region),
        school_id: Some(schools[1]),
    };
    let search = |filter: ResourceFilter| ResourceSearch {
        group_id: group,
        filter,
        paging: Paging {
            limit: 20,
            offset: 0,
        },
    };
    // The catalogue learns the group from the membership events.
    let deadline = Instant::now() + Duration::from_secs(15);
    while bus
        .bus
        .call::<SearchResources>(&member, None, search(ResourceFilter::default()))
        .await
        .is_err()
    {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the catalogue never saw the group"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let seeding = Instant::now();
    let mut conn = AsyncPgConnection::establish(&db.config("catalogue").schema_url()).await?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let owners: [SchoolId; 2] = [schools[0], schools[1]];
    for batch in 0..resources.div_ceil(1000) {
        let mut sql = String::from(
            "INSERT INTO resources (id, group_id, owner_school_id, kind, subject, stage, grade, \
             course_type, tier, status, title, description, tags, latest_version, search_text, \
             search_tokens) VALUES ",
        );
        let rows = (resources - batch * 1000).min(1000);
        for r in 0..rows {
            let subject = rng.pick(SUBJECTS);
            let title = format!(
                "{}{}{}{}",
                rng.pick(WORDS),
                rng.pick(WORDS),
                if rng.next().is_multiple_of(4) {
                    rng.pick(LATIN)
                } else {
                    ""
                },
                rng.pick(WORDS)
            );
            let description = (0..8).fold(String::new(), |mut s, _| {
                s.push_str(rng.pick(WORDS));
                s.push(if rng.next().is_multiple_of(3) {
                    ','
                } else {
                    ' '
                });
                s
            });
            let tags = vec![rng.pick(WORDS).to_owned(), rng.pick(WORDS).to_owned()];
            let text = edu_catalogue::rules::search_text(subject, &title, &description, &tags);
            let tokens = edu_catalogue::rules::index_tokens(&text);
            let kind = ResourceKind::ALL[(rng.next() % ResourceKind::ALL.len() as u64) as usize];
            let tier = QualityTier::ALL[(rng.next() % QualityTier::ALL.len() as u64) as usize];
            if r > 0 {
                sql.push(',');
            }
            write!(
                sql,
                "('{}','{}','{}','{}',{},'junior',{},'national','{}','published',{},{},{},1,{},{})",
                uuid::Uuid::now_v7(),
                group,
                owners[(rng.next() % 2) as usize],
                kind.as_str(),
                quote(subject),
                quote(rng.pick(GRADES)),
                tier.as_str(),
                quote(&title),
                quote(&description),
                array(&tags),
                quote(&text),
                array(&tokens),
            )?;
        }
        conn.batch_execute(&sql).await?;
    }
    conn.batch_execute("ANALYZE resources").await?;
    println!(
        "seeded {resources} resources in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let q = |q: &str| ResourceFilter {
        q: Some(q.into()),
        ..Default::default()
    };
    let shapes: Vec<(&str, ResourceFilter)> = vec![
        ("q=函数 (2-char CJK)", q("函数")),
        ("q=实验 (2-char CJK)", q("实验")),
        ("q=勾股定理 (4-char CJK)", q("勾股定理")),
        ("q=浮力 压强 (two words)", q("浮力 压强")),
        ("q=python (Latin prefix)", q("python")),
        (
            "q=实验 + subject + tier",
            ResourceFilter {
                q: Some("实验".into()),
                subject: Some("物理".into()),
                tier: Some(QualityTier::County),
                ..Default::default()
            },
        ),
        (
            "filters only (subject, grade, kind)",
            ResourceFilter {
                subject: Some("数学".into()),
                grade: Some("八年级".into()),
                kind: Some(ResourceKind::LessonPlan),
                ..Default::default()
            },
        ),
        ("q=量子纠缠 (no match)", q("量子纠缠")),
    ];
    let mut all = Vec::new();
    println!("| query | matches | p50 ms | p99 ms |");
    println!("|---|---|---|---|");
    for (name, filter) in shapes {
        let mut latencies = Vec::with_capacity(requests);
        let mut total = 0;
        // Warm-up, not measured.
        for _ in 0..20 {
            bus.bus
                .call::<SearchResources>(&member, None, search(filter.clone()))
                .await?;
        }
        for _ in 0..requests {
            let start = Instant::now();
            let page = bus
                .bus
                .call::<SearchResources>(&member, None, search(filter.clone()))
                .await?;
            latencies.push(start.elapsed());
            total = page.total;
        }
        latencies.sort();
        println!(
            "| {name} | {total} | {:.2} | {:.2} |",
            ms(percentile(&latencies, 0.50)),
            ms(percentile(&latencies, 0.99)),
        );
        all.extend(latencies);
    }
    all.sort();
    println!(
        "| **all shapes** | | **{:.2}** | **{:.2}** |",
        ms(percentile(&all, 0.50)),
        ms(percentile(&all, 0.99)),
    );
    Ok(())
}
