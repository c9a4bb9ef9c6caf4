//! Parse-don't-validate helpers for free text that ends up in PostgreSQL: trimmed,
//! non-empty, bounded in characters (not bytes, Chinese is 3 bytes a character), and
//! free of NUL and other control characters that PostgreSQL or a printed report rejects.

use crate::error::Problem;

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
}
