//! Parse-don't-validate helpers for free text that ends up in PostgreSQL: trimmed,
//! non-empty, bounded in characters (not bytes, Chinese is 3 bytes a character), and
//! free of NUL and other control characters that PostgreSQL or a printed report rejects.

use std::borrow::Cow;

use crate::error::Problem;

/// What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell of a CSV or XLSX file a person opens in a spreadsheet. Text that begins with `=`,
/// `+`, `-`, `@`, a tab or a carriage return would run there as a formula
/// (`=HYPERLINK(…)`), so it gets a leading `'`, which spreadsheets show as text; numbers
/// (`-3.5`, `+1.2`) stay numbers.
pub fn spreadsheet_cell(text: &str) -> Cow<'_, str> {
    let is_number = text.parse::<f64>().is_ok_and(f64::is_finite);
    if text.starts_with(FORMULA_STARTS) && !is_number {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A cell read back from a file [`spreadsheet_cell`] wrote: the `'` it added is removed, so
/// an export imported again is the same data.
pub fn from_spreadsheet_cell(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// Trims `raw` and checks it is 1..=`max_chars` characters without control characters.
pub fn required(field: &str, raw: &str, max_chars: usize) -> Result<String, Problem> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Problem::validation(
            field,
            &format!("{field} must not be empty"),
            &format!("{field} 不能为空"),
        ));
    }
    optional(field, s, max_chars).map(|s| s.unwrap_or_default())
}

/// Like [`required`] but an empty string means "not given".
pub fn optional(field: &str, raw: &str, max_chars: usize) -> Result<Option<String>, Problem> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().count() > max_chars {
        return Err(Problem::validation(
            field,
            &format!("{field} must be at most {max_chars} characters"),
            &format!("{field} 不能超过 {max_chars} 个字符"),
        ));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err(Problem::validation(
            field,
            &format!("{field} must not contain control characters"),
            &format!("{field} 不能包含控制字符"),
        ));
    }
    Ok(Some(s.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds_by_characters() {
        assert_eq!(
            required("name", "  太康县第一初级中学 ", 10).ok(),
            Some("太康县第一初级中学".into())
        );
        assert!(required("name", "一二三四五六七八九十一", 10).is_err());
        assert!(required("name", "   ", 10).is_err());
        assert!(required("name", "a\0b", 10).is_err());
        assert_eq!(optional("note", "  ", 10).ok(), Some(None));
    }

    #[test]
    fn formulas_are_neutralised_and_numbers_and_text_kept() {
        for formula in [
            "=HYPERLINK(\"http://x\",\"点我\")",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1:A2)",
            "\t=1",
            "\r=1",
        ] {
            let cell = spreadsheet_cell(formula);
            assert!(cell.starts_with('\''), "{formula:?}");
            assert_eq!(from_spreadsheet_cell(&cell), formula);
        }
        for kept in ["王芳", "-3.5", "+1.2", "T001", "'quoted", ""] {
            assert_eq!(spreadsheet_cell(kept), kept);
            assert_eq!(from_spreadsheet_cell(kept), kept);
        }
    }
}
