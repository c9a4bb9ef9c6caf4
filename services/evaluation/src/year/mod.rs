//! The bureau's data of a school year: each school's quality score and balance inputs
//! (entered one school at a time, or imported from a spreadsheet all-or-none), the
//! dimensions it scores by hand, and the lock a completed round puts on them (V-03).

pub(crate) mod store;

use std::collections::{BTreeMap, HashSet};

use chrono::Utc;
use diesel_async::AsyncConnection;
use edu_contracts::Command;
use edu_contracts::evaluation::{
    BalanceInputs, SchoolData, SchoolDataInput, SchoolDataRef, ScoredItem, ScoredItems,
    ScoredItemsInput,
};
use edu_contracts::evaluation_year::{
    SCHOOL_COLUMN, SchoolDataImport, SchoolDataImported, ScoredItemsRef, column_header,
};
use edu_contracts::rotation::CsvRowError;
use edu_domain::{Problem, RegionCode, SchoolId, SchoolYear, text};

use crate::balance::StageCvs;
use crate::error::EvaluationError;
use crate::scorecards::rules::SchoolYearData;
use crate::service::{EvaluationService, Result, corrupt, invalid, year_days};

fn finite_within(field: &str, v: f64, max: f64) -> Result<()> {
    if v.is_finite() && (0.0..=max).contains(&v) {
        Ok(())
    } else {
        Err(EvaluationError::Invalid(
            Problem::validation(
                field,
                "a number between 0 and its maximum",
                "数值须在 0 与上限之间",
            )
            .details(serde_json::json!({"field": field, "max": max})),
        ))
    }
}

/// Q-12 inputs within sane bounds (a school of at most 100,000 students).
fn check_balance(b: &BalanceInputs) -> Result<()> {
    if !(1..=100_000).contains(&b.enrolment) {
        return Err(invalid(
            "balance.enrolment",
            "enrolment is between 1 and 100000",
            "在校生数须在 1 到 100000 之间",
        ));
    }
    for (field, n) in [
        ("balance.teachers_above_degree", b.teachers_above_degree),
        ("balance.backbone_teachers", b.backbone_teachers),
        ("balance.pe_art_teachers", b.pe_art_teachers),
        ("balance.multimedia_rooms", b.multimedia_rooms),
    ] {
        finite_within(field, f64::from(n), 100_000.0)?;
    }
    finite_within("balance.teaching_area_m2", b.teaching_area_m2, 1e7)?;
    finite_within("balance.sports_area_m2", b.sports_area_m2, 1e7)?;
    finite_within("balance.equipment_value_yuan", b.equipment_value_yuan, 1e11)?;
    Ok(())
}

pub(crate) fn school_data_view(row: store::SchoolDataRow) -> Result<SchoolData> {
    Ok(SchoolData {
        school_id: row.school_id,
        region: row.region,
        stage: row.stage.parse().map_err(|e| corrupt("stage", e))?,
        school_year: SchoolYear(row.school_year),
        quality_score: row.quality_score,
        balance: row
            .balance
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| corrupt("balance", e))?,
        entered_by: row.entered_by,
        entered_at: row.entered_at,
    })
}

/// V-03: refused when a completed round of the year covers the data.
fn unlocked(school_year: i32, rounds: Vec<uuid::Uuid>) -> Result<()> {
    if rounds.is_empty() {
        Ok(())
    } else {
        Err(EvaluationError::DataLocked {
            school_year,
            rounds,
        })
    }
}

/// A school's data as stored, once its figures are within their bounds.
fn checked_row(b: &SchoolDataInput, by: &str) -> Result<store::SchoolDataRow> {
    if let Some(q) = b.quality_score {
        finite_within("quality_score", q, 100.0)?;
    }
    if let Some(balance) = &b.balance {
        check_balance(balance)?;
    }
    let balance = b
        .balance
        .as_ref()
        .map(serde_json::to_value)
        .transpose()
        .map_err(|e| corrupt("balance", e))?;
    Ok(store::SchoolDataRow {
        school_id: b.school_id,
        school_year: b.school_year.0,
        region: b.region.clone(),
        stage: b.stage.as_str().to_owned(),
        quality_score: b.quality_score,
        balance,
        entered_by: by.to_owned(),
        entered_at: Utc::now(),
    })
}

/// A refusal of one row as the sheet shows it: its line, its column's header, and why.
fn row_error(line: u64, e: EvaluationError) -> Result<CsvRowError> {
    let EvaluationError::Invalid(p) = e else {
        return Err(e);
    };
    let column = p.details["field"]
        .as_str()
        .map_or(SCHOOL_COLUMN, column_header)
        .to_owned();
    Ok(CsvRowError {
        line,
        column,
        reason: format!("{} / {}", p.message_zh, p.message),
    })
}

impl EvaluationService {
    /// The dimensions the bureau scored by hand for a group and year (none yet: empty).
    pub async fn get_scored_items(&self, cmd: Command<ScoredItemsRef>) -> Result<ScoredItems> {
        let b = &cmd.body;
        year_days(b.school_year)?;
        let mut conn = self.conn().await?;
        let items = match store::scored_items_of(&mut conn, b.group_id, b.school_year.0).await? {
            Some(v) => serde_json::from_value(v).map_err(|e| corrupt("scored items", e))?,
            None => Vec::new(),
        };
        Ok(ScoredItems {
            group_id: b.group_id,
            school_year: b.school_year,
            items,
        })
    }

    /// Many schools' data of a school year, all-or-none: every row is checked as a single
    /// entry is (bounds; a school in a completed round's group is locked, V-03; a school at
    /// most once), and either every row is stored or none, with every refused row listed
    /// (`xlsx_invalid`, `details.rows`: line, column, reason). Each row replaces the school's
    /// data of the year, as a single entry does.
    pub async fn import_school_data(
        &self,
        cmd: Command<SchoolDataImport>,
    ) -> Result<SchoolDataImported> {
        let b = &cmd.body;
        year_days(b.school_year)?;
        if b.rows.is_empty() {
            return Err(invalid(
                "rows",
                "the sheet has no school",
                "表格中没有学校数据",
            ));
        }
        let mut errors = Vec::new();
        let mut rows = Vec::with_capacity(b.rows.len());
        let mut seen = HashSet::new();
        for r in &b.rows {
            if r.data.school_year != b.school_year || r.data.region != b.region {
                return Err(invalid(
                    "rows",
                    "every row is of the import's year and region",
                    "每行须为本次导入的学年和地区",
                ));
            }
            if !seen.insert(r.data.school_id) {
                errors.push(CsvRowError {
                    line: r.line,
                    column: SCHOOL_COLUMN.to_owned(),
                    reason: "同一学校出现多次 / the school appears more than once".to_owned(),
                });
                continue;
            }
            match checked_row(&r.data, &cmd.actor.sub) {
                Ok(row) => rows.push((r.line, row)),
                Err(e) => errors.push(row_error(r.line, e)?),
            }
        }
        let mut conn = self.conn().await?;
        let stored = conn
            .transaction(async |conn| {
                let mut stored = Vec::with_capacity(rows.len());
                for (line, row) in &rows {
                    if !store::completed_for_school(conn, row.school_id, row.school_year)
                        .await?
                        .is_empty()
                    {
                        errors.push(CsvRowError {
                            line: *line,
                            column: SCHOOL_COLUMN.to_owned(),
                            reason: "该校所在集团本学年考核已完成,数据已锁定 / the school's group has a completed evaluation this year: its data is final".to_owned(),
                        });
                        continue;
                    }
                    stored.push(store::save_school_data(conn, row).await?);
                }
                if !errors.is_empty() {
                    errors.sort_by_key(|e| e.line);
                    return Err(EvaluationError::Rows(std::mem::take(&mut errors)));
                }
                Ok(stored)
            })
            .await?;
        Ok(SchoolDataImported {
            school_year: b.school_year,
            schools: stored
                .into_iter()
                .map(school_data_view)
                .collect::<Result<_>>()?,
        })
    }
    /// The bureau's data of a school for a year (PUT semantics: the last entry counts).
    pub async fn save_school_data(&self, cmd: Command<SchoolDataInput>) -> Result<SchoolData> {
        let b = &cmd.body;
        year_days(b.school_year)?;
        let row = checked_row(b, &cmd.actor.sub)?;
        let mut conn = self.conn().await?;
        unlocked(
            b.school_year.0,
            store::completed_for_school(&mut conn, b.school_id, b.school_year.0).await?,
        )?;
        school_data_view(store::save_school_data(&mut conn, &row).await?)
    }

    /// What the bureau entered for a school and year (the drill-down of quality figures).
    pub async fn get_school_data(&self, cmd: Command<SchoolDataRef>) -> Result<SchoolData> {
        let mut conn = self.conn().await?;
        let row = store::school_data_of(&mut conn, cmd.body.school_id, cmd.body.school_year.0)
            .await?
            .ok_or_else(|| {
                EvaluationError::Invalid(Problem::not_found(
                    "school data of that year",
                    "该校该学年的考核数据",
                ))
            })?;
        school_data_view(row)
    }

    /// The dimensions the bureau scores by hand (V-01), with evidence.
    pub async fn save_scored_items(&self, cmd: Command<ScoredItemsInput>) -> Result<ScoredItems> {
        let b = &cmd.body;
        year_days(b.school_year)?;
        let mut seen = HashSet::new();
        let mut items = Vec::with_capacity(b.items.len());
        for item in &b.items {
            if !item.dimension.takes_scored_item() {
                return Err(invalid(
                    "items.dimension",
                    "this dimension is computed from the records, not scored by hand",
                    "该维度由业务记录计算,不能人工评分",
                ));
            }
            if !seen.insert(item.dimension) {
                return Err(invalid(
                    "items.dimension",
                    "each dimension at most once",
                    "每个维度只能评分一次",
                ));
            }
            finite_within("items.score", item.score, 100.0)?;
            items.push(ScoredItem {
                dimension: item.dimension,
                score: item.score,
                evidence: text::required("items.evidence", &item.evidence, 1000)?,
            });
        }
        let value = serde_json::to_value(&items).map_err(|e| corrupt("items", e))?;
        let mut conn = self.conn().await?;
        crate::ledger::group(&mut conn, b.group_id)
            .await?
            .ok_or(EvaluationError::GroupNotFound)?;
        unlocked(
            b.school_year.0,
            store::completed_for_group(&mut conn, b.group_id, b.school_year.0).await?,
        )?;
        store::save_scored_items(
            &mut conn,
            (b.group_id, b.school_year.0),
            &value,
            &cmd.actor.sub,
        )
        .await?;
        Ok(ScoredItems {
            group_id: b.group_id,
            school_year: b.school_year,
            items,
        })
    }
}

/// The region's school data of the year and the year before, and the county's CV of each
/// indicator per stage (V-17: across every school of the county with data, enrolment-weighted
/// with the schools spanning stages split, §8.12).
pub(crate) async fn county_data(
    conn: &mut edu_db::PooledConn,
    region: &RegionCode,
    year: SchoolYear,
) -> Result<(
    BTreeMap<SchoolId, SchoolYearData>,
    BTreeMap<SchoolId, SchoolYearData>,
    StageCvs,
)> {
    let mut this_year = BTreeMap::new();
    let mut last_year = BTreeMap::new();
    for row in store::region_school_data(conn, region, &[year.0, year.0 - 1]).await? {
        let y = row.school_year;
        let data = school_data_view(row)?;
        let entry = SchoolYearData {
            stage: data.stage,
            quality_score: data.quality_score,
            balance: data.balance,
        };
        if y == year.0 {
            this_year.insert(data.school_id, entry);
        } else {
            last_year.insert(data.school_id, entry);
        }
    }
    let county = StageCvs::of(
        this_year
            .values()
            .filter_map(|d| d.balance.as_ref().map(|b| (d.stage, b))),
    );
    Ok((this_year, last_year, county))
}
