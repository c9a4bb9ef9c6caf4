//! Reading the bureau's spreadsheet of a school year's data: the first sheet, a header row
//! naming the columns (Chinese headers of `SCHOOL_DATA_COLUMNS`, or their field names),
//! then one row per school. Every cell that cannot be read is listed with its line, column
//! and reason; nothing is sent on while any is.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use edu_contracts::evaluation::BalanceInputs;
use edu_contracts::evaluation_year::{SCHOOL_COLUMN, SCHOOL_DATA_COLUMNS};
use edu_contracts::rotation::CsvRowError;

/// One school's row as read: its line, how it names the school, its quality score and its
/// balance inputs (all eight, or none).
#[derive(Debug, Clone, PartialEq)]
pub struct SheetRow {
    pub line: u64,
    pub school: String,
    pub quality_score: Option<f64>,
    pub balance: Option<BalanceInputs>,
}

fn problem(line: u64, column: &str, zh: &str, en: &str) -> CsvRowError {
    CsvRowError {
        line,
        column: column.to_owned(),
        reason: format!("{zh} / {en}"),
    }
}

fn text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.trim().to_owned(),
        Data::Empty => String::new(),
        other => other.to_string().trim().to_owned(),
    }
}

/// A cell as a number: none when empty.
fn number(cell: &Data) -> Result<Option<f64>, ()> {
    match cell {
        Data::Empty => Ok(None),
        Data::Int(i) => Ok(Some(*i as f64)),
        Data::Float(f) => Ok(Some(*f)),
        Data::String(s) if s.trim().is_empty() => Ok(None),
        Data::String(s) => s.trim().parse::<f64>().map(Some).map_err(|_| ()),
        _ => Err(()),
    }
}

/// A count: a whole number from 0 to u32::MAX.
fn count(v: f64) -> Option<u32> {
    (v.is_finite() && v.fract() == 0.0 && v >= 0.0 && v <= f64::from(u32::MAX)).then_some(v as u32)
}

/// The rows of the workbook's first sheet, or every problem found in it.
pub fn read(bytes: &[u8]) -> Result<Vec<SheetRow>, Vec<CsvRowError>> {
    let whole = |zh: &str, en: &str| vec![problem(1, SCHOOL_COLUMN, zh, en)];
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| {
        whole(
            "文件不是有效的 Excel 工作簿(.xlsx)",
            "the file is not an Excel workbook (.xlsx)",
        )
    })?;
    let range = match book.worksheet_range_at(0) {
        Some(Ok(range)) => range,
        _ => return Err(whole("工作簿中没有工作表", "the workbook has no sheet")),
    };
    let first_line = u64::from(range.start().map_or(0, |(row, _)| row)) + 1;
    let mut rows = range.rows();
    let Some(header) = rows.next() else {
        return Err(whole("工作表为空", "the sheet is empty"));
    };
    // column index of the school and of each figure
    let mut school_col = None;
    let mut cols: BTreeMap<usize, usize> = BTreeMap::new();
    for (i, cell) in header.iter().enumerate() {
        let name = text(cell);
        if name == SCHOOL_COLUMN || name.eq_ignore_ascii_case("school") {
            school_col = Some(i);
        } else if let Some(k) = SCHOOL_DATA_COLUMNS
            .iter()
            .position(|(field, zh)| name == *zh || name.eq_ignore_ascii_case(field))
        {
            cols.insert(k, i);
        }
    }
    let Some(school_col) = school_col else {
        return Err(whole(
            "表头缺少“学校”列",
            "the header has no 学校 (school) column",
        ));
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (n, row) in rows.enumerate() {
        let line = first_line + 1 + n as u64;
        let cell = |i: usize| row.get(i).unwrap_or(&Data::Empty);
        let mut values: [Option<f64>; 9] = [None; 9];
        let mut ok = true;
        for (k, i) in &cols {
            let (field, zh) = SCHOOL_DATA_COLUMNS[*k];
            match number(cell(*i)) {
                Ok(v) => values[*k] = v,
                Err(()) => {
                    ok = false;
                    errors.push(problem(
                        line,
                        zh,
                        "不是数字",
                        &format!("{field}: not a number"),
                    ));
                }
            }
        }
        let school = text(cell(school_col));
        if school.is_empty() {
            if values.iter().all(Option::is_none) && ok {
                continue; // a blank line
            }
            errors.push(problem(
                line,
                SCHOOL_COLUMN,
                "未填写学校",
                "no school named",
            ));
            continue;
        }
        let given: Vec<usize> = (1..9).filter(|k| values[*k].is_some()).collect();
        let balance = if given.is_empty() {
            None
        } else if given.len() < 8 {
            for k in (1..9).filter(|k| values[*k].is_none()) {
                let (field, zh) = SCHOOL_DATA_COLUMNS[k];
                errors.push(problem(
                    line,
                    zh,
                    "均衡数据须八项一并填写",
                    &format!("{field}: the eight balance figures are entered together"),
                ));
            }
            ok = false;
            None
        } else {
            let v = |k: usize| values[k].unwrap_or_default();
            let mut counts = [0u32; 5];
            for (slot, k) in [1, 2, 3, 4, 8].into_iter().enumerate() {
                match count(v(k)) {
                    Some(c) => counts[slot] = c,
                    None => {
                        ok = false;
                        let (field, zh) = SCHOOL_DATA_COLUMNS[k];
                        errors.push(problem(
                            line,
                            zh,
                            "须为非负整数",
                            &format!("{field}: a whole number of at least 0"),
                        ));
                    }
                }
            }
            Some(BalanceInputs {
                enrolment: counts[0],
                teachers_above_degree: counts[1],
                backbone_teachers: counts[2],
                pe_art_teachers: counts[3],
                teaching_area_m2: v(5),
                sports_area_m2: v(6),
                equipment_value_yuan: v(7),
                multimedia_rooms: counts[4],
            })
        };
        if ok {
            out.push(SheetRow {
                line,
                school,
                quality_score: values[0],
                balance,
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if out.is_empty() {
        return Err(whole("工作表中没有学校数据", "the sheet has no school row"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

    use super::*;

    fn sheet(rows: &[&[&str]]) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match v.parse::<f64>() {
                    Ok(n) => ws.write_number(r, c, n).map(|_| ()),
                    Err(_) => ws.write_string(r, c, *v).map(|_| ()),
                }
                .unwrap();
            }
        }
        book.save_to_buffer().unwrap()
    }

    const HEADER: [&str; 10] = [
        "学校",
        "质量得分",
        "在校生数",
        "高于规定学历教师数",
        "县级及以上骨干教师数",
        "体育艺术专任教师数",
        "教学及辅助用房面积",
        "体育运动场馆面积",
        "教学仪器设备值",
        "网络多媒体教室数",
    ];

    #[test]
    fn a_full_row_and_a_quality_only_row_read() {
        let rows = read(&sheet(&[
            &HEADER,
            &[
                "一中", "81.5", "1200", "70", "12", "10", "6000", "12000", "3000000", "30",
            ],
            &["二中", "66", "", "", "", "", "", "", "", ""],
        ]))
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].balance.as_ref().unwrap().enrolment, 1200);
        assert_eq!(
            (rows[1].quality_score, rows[1].balance.is_none()),
            (Some(66.0), true)
        );
    }

    #[test]
    fn every_bad_cell_is_listed_with_its_line_and_column() {
        let err = read(&sheet(&[
            &HEADER,
            &[
                "一中", "八十", "1200", "70", "12", "10", "6000", "12000", "3000000", "30",
            ],
            &["二中", "66", "1200", "", "", "", "", "", "", ""],
            &["", "60"],
            &[
                "三中", "70", "12.5", "70", "12", "10", "6000", "12000", "3000000", "30",
            ],
        ]))
        .unwrap_err();
        let at: Vec<(u64, &str)> = err.iter().map(|e| (e.line, e.column.as_str())).collect();
        assert!(at.contains(&(2, "质量得分")), "{err:?}");
        assert!(at.contains(&(3, "高于规定学历教师数")), "{err:?}");
        assert!(at.contains(&(4, "学校")), "{err:?}");
        assert!(at.contains(&(5, "在校生数")), "{err:?}");
        assert!(read(b"not a workbook").is_err());
    }
}
