//! A school's teacher roster as CSV: UTF-8 (a BOM is accepted and written, for Excel in
//! China), Chinese or English headers and values. Parsing collects every problem with its
//! line and column, so an office fixes the file in one go.

use std::collections::HashSet;

use edu_contracts::rotation::CsvRowError;
use edu_domain::{BackboneLevel, Post, text};

/// One valid row.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterRow {
    pub staff_no: String,
    pub name: String,
    pub post: Post,
    pub subject: String,
    pub backbone: BackboneLevel,
    pub eligible: bool,
}

/// Rows accepted in one upload.
pub const MAX_ROWS: usize = 5000;

const COLUMNS: [(&str, &str); 6] = [
    ("工号", "staff_no"),
    ("姓名", "name"),
    ("岗位", "post"),
    ("学科", "subject"),
    ("骨干级别", "backbone"),
    ("符合交流条件", "eligible"),
];

fn parse_post(s: &str) -> Option<Post> {
    match s {
        "校级领导" => Some(Post::SchoolLeader),
        "中层管理人员" | "中层" => Some(Post::MiddleManager),
        "学科教师" | "教师" => Some(Post::SubjectTeacher),
        other => other.parse().ok(),
    }
}

fn parse_backbone(s: &str) -> Option<BackboneLevel> {
    match s {
        "" | "无" => Some(BackboneLevel::None),
        "校级" => Some(BackboneLevel::School),
        "县级" => Some(BackboneLevel::County),
        "市级" => Some(BackboneLevel::City),
        "省级" => Some(BackboneLevel::Province),
        other => other.parse().ok(),
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "是" | "yes" | "true" | "1" | "y" => Some(true),
        "否" | "no" | "false" | "0" | "n" => Some(false),
        _ => None,
    }
}

/// Parses a roster; all rows or the list of what is wrong.
pub fn parse(csv_text: &str) -> Result<Vec<RosterRow>, Vec<CsvRowError>> {
    let body = csv_text.strip_prefix('\u{feff}').unwrap_or(csv_text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(body.as_bytes());
    let mut errors = Vec::new();
    let error = |line: u64, column: &str, reason: String| CsvRowError {
        line,
        column: column.to_owned(),
        reason,
    };
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![error(1, "", format!("unreadable header: {e}"))]),
    };
    let mut index = [0usize; 6];
    for (i, (zh, en)) in COLUMNS.iter().enumerate() {
        match headers
            .iter()
            .position(|h| h == *zh || h.eq_ignore_ascii_case(en))
        {
            Some(at) => index[i] = at,
            None => errors.push(error(1, zh, format!("missing column {zh} ({en})"))),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or_default();
                errors.push(error(line, "", format!("unreadable row: {e}")));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or_default();
        if rows.len() + errors.len() >= MAX_ROWS {
            errors.push(error(line, "", format!("at most {MAX_ROWS} rows per file")));
            break;
        }
        // a cell this system exported comes back without the `'` that kept it text
        let cell = |i: usize| text::from_spreadsheet_cell(record.get(index[i]).unwrap_or(""));
        let mut bad =
            |column: usize, reason: String| errors.push(error(line, COLUMNS[column].0, reason));
        let staff_no = text::required("staff_no", cell(0), 32)
            .map_err(|p| bad(0, p.message))
            .ok();
        let name = text::required("name", cell(1), 50)
            .map_err(|p| bad(1, p.message))
            .ok();
        let post = parse_post(cell(2));
        if post.is_none() {
            bad(
                2,
                format!(
                    "unknown post {:?}: 校级领导, 中层管理人员 or 学科教师",
                    cell(2)
                ),
            );
        }
        let subject = text::optional("subject", cell(3), 30)
            .map_err(|p| bad(3, p.message))
            .ok();
        let backbone = parse_backbone(cell(4));
        if backbone.is_none() {
            bad(
                4,
                format!(
                    "unknown backbone level {:?}: 无, 校级, 县级, 市级 or 省级",
                    cell(4)
                ),
            );
        }
        let eligible = parse_bool(cell(5));
        if eligible.is_none() {
            bad(5, format!("{:?} is not 是 or 否", cell(5)));
        }
        if let Some(no) = &staff_no
            && !seen.insert(no.clone())
        {
            bad(0, format!("staff number {no} appears twice"));
            continue;
        }
        if let (
            Some(staff_no),
            Some(name),
            Some(post),
            Some(subject),
            Some(backbone),
            Some(eligible),
        ) = (staff_no, name, post, subject, backbone, eligible)
        {
            rows.push(RosterRow {
                staff_no,
                name,
                post,
                subject: subject.unwrap_or_default(),
                backbone,
                eligible,
            });
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// Writes a roster with a BOM and Chinese headers and values; what a school typed is
/// neutralised for the spreadsheet it will be opened in.
pub fn write(rows: &[RosterRow]) -> String {
    let mut out = String::from("\u{feff}");
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(COLUMNS.iter().map(|c| c.0));
    for r in rows {
        let _ = writer.write_record([
            text::spreadsheet_cell(&r.staff_no).as_ref(),
            text::spreadsheet_cell(&r.name).as_ref(),
            r.post.name_zh(),
            text::spreadsheet_cell(&r.subject).as_ref(),
            r.backbone.name_zh(),
            if r.eligible { "是" } else { "否" },
        ]);
    }
    out.push_str(&String::from_utf8_lossy(
        &writer.into_inner().unwrap_or_default(),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\u{feff}工号,姓名,岗位,学科,骨干级别,符合交流条件\nT001,王芳,学科教师,数学,县级,是\nT002,李强,中层管理人员,语文,无,否\n";

    #[test]
    fn parses_chinese_and_english_and_round_trips() {
        let rows = parse(GOOD).unwrap_or_default();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].backbone, BackboneLevel::County);
        assert!(rows[0].eligible && !rows[1].eligible);
        let english = "staff_no,name,post,subject,backbone,eligible\nT9,Amy,subject_teacher,english,city,yes\n";
        assert_eq!(
            parse(english).map(|r| r[0].backbone).ok(),
            Some(BackboneLevel::City)
        );
        assert_eq!(parse(&write(&rows)).ok(), Some(rows));
    }

    #[test]
    fn formulas_typed_into_a_roster_leave_as_text_and_come_back_unchanged() {
        let typed = "\u{feff}工号,姓名,岗位,学科,骨干级别,符合交流条件\n@T1,\"=HYPERLINK(\"\"http://evil\"\",\"\"点我\"\")\",学科教师,+数学,无,是\n";
        let rows = parse(typed).unwrap_or_default();
        assert_eq!(rows.len(), 1);
        let exported = write(&rows);
        assert!(exported.contains("'@T1"), "{exported}");
        assert!(exported.contains("\"'=HYPERLINK("), "{exported}");
        assert!(exported.contains("'+数学"), "{exported}");
        assert_eq!(parse(&exported).ok(), Some(rows));
    }

    #[test]
    fn reports_every_bad_cell_with_its_line() {
        let bad = "工号,姓名,岗位,学科,骨干级别,符合交流条件\nT001,王芳,学科教师,数学,县级,是\nT002,,校长,语文,国家级,也许\nT001,张三,学科教师,数学,无,否\n";
        let errors = parse(bad).err().unwrap_or_default();
        let at: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.column.as_str())).collect();
        assert_eq!(
            at,
            vec![
                (3, "姓名"),
                (3, "岗位"),
                (3, "骨干级别"),
                (3, "符合交流条件"),
                (4, "工号")
            ]
        );
        let missing = parse("工号,姓名\nT1,王\n").err().unwrap_or_default();
        assert_eq!(missing.len(), 4);
    }
}
