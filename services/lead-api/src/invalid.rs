//! What a clerk reads when a request is malformed: a 400 `validation_failed` whose
//! `details.field` names the field (a dotted path for nested ones, `agenda[1].title`,
//! `term.start`) and whose messages say in Chinese and English what is wrong with it, never
//! the parser's own words ("line 1 column 198", "UUID parsing failed", "expected u8").
//!
//! serde reports what went wrong only as text, in the fixed phrases of `serde::de::Error`
//! (`missing field`, `invalid type`, `invalid value`, `unknown field`, `unknown variant`);
//! [`Fault::of`] reads those phrases, and the few that parsers of ids, dates and numbers use,
//! into a kind. The field comes from serde_path_to_error, not from the text.

use actix_web::HttpRequest;
use actix_web::error::PathError;
use edu_domain::Problem;
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// The field a path names, as clients write it: `agenda[1].title`; `None` at the root.
fn dotted(path: &serde_path_to_error::Path) -> Option<String> {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    (!out.is_empty()).then_some(out)
}

/// A field inside `parent` (the root when `None`).
fn child(parent: Option<&str>, name: &str) -> String {
    match parent {
        Some(p) => format!("{p}.{name}"),
        None => name.to_owned(),
    }
}

/// A JSON body that parsed as JSON but not as the request: the field and what is wrong.
pub fn body(err: &serde_path_to_error::Error<serde_json::Error>) -> Problem {
    described(dotted(err.path()), &err.inner().to_string(), "body")
}

/// A query string that does not fit the operation's parameters.
pub fn query(err: &serde_path_to_error::Error<serde_urlencoded::de::Error>) -> Problem {
    described(dotted(err.path()), &err.inner().to_string(), "query")
}

/// A body that is not JSON at all (cut short, a stray comma): where it broke goes to
/// `details` for whoever debugs the client, not into the messages.
pub fn malformed_json(err: &serde_json::Error) -> Problem {
    let (en, zh) = if err.is_eof() {
        (
            "the request body is not valid JSON: it ends too early",
            "请求内容不是有效的 JSON:内容不完整",
        )
    } else {
        (
            "the request body is not valid JSON",
            "请求内容不是有效的 JSON",
        )
    };
    with_details(
        Problem::validation("body", en, zh),
        json!({ "line": err.line(), "column": err.column() }),
    )
}

/// A path segment that does not parse (an id that is not one, a quarter misspelt). actix
/// does not say which segment failed: the one whose name says it is an id and that is not a
/// UUID, else the only segment that is no id.
pub fn path(req: &HttpRequest, err: &PathError) -> Problem {
    let PathError::Deserialize(cause) = err else {
        return Problem::validation("path", "the address is not valid", "请求地址无效");
    };
    let segments: Vec<(&str, &str)> = req.match_info().iter().collect();
    let is_id = |name: &str| name == "id" || name.ends_with("_id");
    let bad_id = segments
        .iter()
        .find(|(name, value)| is_id(name) && Uuid::parse_str(value).is_err());
    let others: Vec<_> = segments.iter().filter(|(name, _)| !is_id(name)).collect();
    let field = match (bad_id, others.as_slice()) {
        (Some((name, _)), _) => Some((*name).to_owned()),
        (None, [(name, _)]) => Some((*name).to_owned()),
        _ => None,
    };
    described(field, &cause.to_string(), "path")
}

/// The problem of one field, `field` being where serde stopped (`None` at the root: then
/// the name in a missing or unknown field's message completes it, or `fallback` stands).
fn described(field: Option<String>, cause: &str, fallback: &str) -> Problem {
    let fault = Fault::of(cause);
    // serde stops at the object that lacks a field, and at the key of an unknown one
    let at_key = |name: &str| field.as_deref().and_then(|f| f.rsplit('.').next()) == Some(name);
    let field = match fault.names_a_child(cause) {
        Some(name) if !at_key(name) => child(field.as_deref(), name),
        _ => field.unwrap_or_else(|| fallback.to_owned()),
    };
    fault.problem(&field)
}

/// The kinds of faults a clerk can act on.
#[derive(Debug, PartialEq)]
enum Fault {
    Missing,
    Unknown,
    Duplicate,
    /// An enum value that is not one of these.
    Variant(Vec<String>),
    /// A number outside what the field holds (the bounds, when the type says them).
    OutOfRange(Option<(i128, i128)>),
    /// A value of the wrong type; what was expected, in both languages.
    Type(&'static str, &'static str),
    Id,
    Date,
    Time,
    DateTime,
    /// A value the field's own type refused; its sentence when it is one a person wrote
    /// (the domain types'), not a parser's.
    Value(Option<String>),
}

/// What the parsers of dates and times (chrono) say.
const DATE_PHRASES: &[&str] = &[
    "input contains invalid characters",
    "premature end of input",
    "input is out of range",
    "trailing input",
    "input is not enough",
    "no possible date and time",
    "bad or unsupported format",
    "input is impossible",
];

/// Words that only a parser uses; a message containing one is not shown.
const PARSER_WORDS: &[&str] = &[
    "expected",
    "line ",
    "column",
    "parsing",
    "found `",
    "input",
    "invalid digit",
    "invalid type",
];

fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

fn integer_bounds(ty: &str) -> Option<Option<(i128, i128)>> {
    let bounds = match ty.trim() {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "u64" | "u128" | "usize" | "i64" | "i128" | "isize" => return Some(None),
        _ => return None,
    };
    Some(Some(bounds))
}

/// What a value of the expected type is, in Chinese and English.
fn noun(expected: &str) -> Option<(&'static str, &'static str)> {
    let e = expected.trim();
    if integer_bounds(e).is_some() || e.contains("integer") {
        Some(("整数", "a whole number"))
    } else if e == "f32" || e == "f64" || e.contains("number") || e.contains("float") {
        Some(("数字", "a number"))
    } else if e.contains("bool") {
        Some(("true 或 false", "true or false"))
    } else if e.contains("sequence") || e.contains("array") || e.contains("tuple") {
        Some(("列表", "a list"))
    } else if e.contains("struct") || e.contains("map") || e.contains("object") {
        Some(("对象", "an object"))
    } else if e.contains("string") || e.contains("str") || e.contains("char") {
        Some(("文本", "text"))
    } else {
        None
    }
}

impl Fault {
    fn of(cause: &str) -> Self {
        // a parser's position, when the text carries one, is no part of the fault
        let cause = cause.split(" at line ").next().unwrap_or(cause).trim();
        let quoted = backticked(cause);
        if cause.starts_with("missing field `") {
            Self::Missing
        } else if cause.starts_with("unknown field `") {
            Self::Unknown
        } else if cause.starts_with("duplicate field `") {
            Self::Duplicate
        } else if cause.starts_with("unknown variant `") {
            Self::Variant(quoted.iter().skip(1).map(|s| (*s).to_owned()).collect())
        } else if let Some(rest) = cause.strip_prefix("invalid type: ") {
            let expected = rest.split(", expected ").nth(1).unwrap_or_default();
            if expected.contains("UUID") {
                Self::Id
            } else {
                noun(expected).map_or(Self::Value(None), |(zh, en)| Self::Type(zh, en))
            }
        } else if let Some(rest) = cause.strip_prefix("invalid value: ") {
            let (unexpected, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
            let number = unexpected.starts_with("integer") || unexpected.starts_with("floating");
            match integer_bounds(expected) {
                Some(bounds) if number => Self::OutOfRange(bounds),
                _ if expected.contains("UUID") => Self::Id,
                _ => Self::Value(None),
            }
        } else if cause.starts_with("UUID parsing failed") || cause.contains("`urn:uuid:`") {
            Self::Id
        } else if cause.starts_with("number too large") || cause.starts_with("number too small") {
            Self::OutOfRange(None)
        } else if cause == "invalid digit found in string"
            || cause == "cannot parse integer from empty string"
        {
            Self::Type("整数", "a whole number")
        } else if cause == "invalid float literal" {
            Self::Type("数字", "a number")
        } else if cause.starts_with("provided string was not `true` or `false`") {
            Self::Type("true 或 false", "true or false")
        } else if DATE_PHRASES.iter().any(|p| cause.starts_with(p)) {
            Self::Date
        } else if cause.is_empty() || PARSER_WORDS.iter().any(|w| cause.contains(w)) {
            Self::Value(None)
        } else {
            Self::Value(Some(cause.to_owned()))
        }
    }

    /// The field a missing, unknown or repeated field's message names.
    fn names_a_child<'c>(&self, cause: &'c str) -> Option<&'c str> {
        match self {
            Self::Missing | Self::Unknown | Self::Duplicate => backticked(cause).first().copied(),
            _ => None,
        }
    }

    fn problem(self, field: &str) -> Problem {
        // a date parser's fault in a time or a timestamp says which format is wanted
        let last = field.rsplit('.').next().unwrap_or(field);
        let fault = match self {
            Self::Date if last.ends_with("time") => Self::Time,
            Self::Date if last.ends_with("_at") => Self::DateTime,
            other => other,
        };
        let mut extra = Map::new();
        let (en, zh) = match fault {
            Self::Missing => (
                format!("{field} is required"),
                format!("缺少必填项:{field}"),
            ),
            Self::Unknown => (
                format!("{field} is not a field this request accepts"),
                format!("请求中有不接受的字段:{field}"),
            ),
            Self::Duplicate => (
                format!("{field} is given twice"),
                format!("字段重复:{field}"),
            ),
            Self::Variant(allowed) => {
                let en = format!("{field} must be one of: {}", allowed.join(", "));
                let zh = format!("{field} 的取值无效,可选:{}", allowed.join("、"));
                extra.insert("allowed".into(), json!(allowed));
                (en, zh)
            }
            Self::OutOfRange(Some((min, max))) => {
                extra.insert("min".into(), json!(min));
                extra.insert("max".into(), json!(max));
                (
                    format!("{field} is out of range ({min}–{max})"),
                    format!("{field}:数值超出范围({min}–{max})"),
                )
            }
            Self::OutOfRange(None) => (
                format!("{field} is out of range"),
                format!("{field}:数值超出范围"),
            ),
            Self::Type(zh, en) => (format!("{field} must be {en}"), format!("{field} 应为{zh}")),
            Self::Id => (
                format!("{field} is not a valid id"),
                format!("{}编号格式不正确", id_label_zh(last)),
            ),
            Self::Date => (
                format!("{field} is not a valid date (YYYY-MM-DD)"),
                format!("{field} 日期格式不正确,应为 YYYY-MM-DD"),
            ),
            Self::Time => (
                format!("{field} is not a valid time (HH:MM)"),
                format!("{field} 时间格式不正确,应为 HH:MM"),
            ),
            Self::DateTime => (
                format!("{field} is not a valid time (e.g. 2025-09-01T08:00:00Z)"),
                format!("{field} 时间格式不正确,应如 2025-09-01T08:00:00Z"),
            ),
            Self::Value(Some(sentence)) => {
                (format!("{field}: {sentence}"), format!("{field} 的值无效"))
            }
            Self::Value(None) => (format!("{field} is not valid"), format!("{field} 的值无效")),
        };
        with_details(Problem::validation(field, &en, &zh), Value::Object(extra))
    }
}

/// What the id names, for the Chinese message ("学校编号格式不正确"); the field's own name
/// for ids without one.
fn id_label_zh(name: &str) -> String {
    let name = name.split('[').next().unwrap_or(name);
    let label = match name {
        "school_id" | "from_school_id" | "home_school_id" => "学校",
        "to_school_id" => "接收学校",
        "subject_school_id" => "相关学校",
        "group_id" => "集团",
        "teacher_id" => "教师",
        "meeting_id" => "会议",
        "motion_id" => "议题",
        "seat_id" => "席位",
        "posting_id" => "交流任职",
        "resource_id" => "资源",
        "decision_id" | "decision_ids" => "决议",
        "id" => "",
        other => return format!("{other} "),
    };
    label.to_owned()
}

fn with_details(mut problem: Problem, extra: Value) -> Problem {
    if let (Some(details), Value::Object(extra)) = (problem.details.as_object_mut(), extra) {
        details.extend(extra);
    }
    problem
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_phrases_become_kinds() {
        assert_eq!(Fault::of("missing field `held_on`"), Fault::Missing);
        assert_eq!(
            Fault::of("unknown variant `college`, expected one of `primary`, `junior`"),
            Fault::Variant(vec!["primary".into(), "junior".into()])
        );
        assert_eq!(
            Fault::of("invalid value: integer `300`, expected u8"),
            Fault::OutOfRange(Some((0, 255)))
        );
        assert_eq!(
            Fault::of("invalid type: string \"x\", expected u8 at line 1 column 9"),
            Fault::Type("整数", "a whole number")
        );
        assert_eq!(
            Fault::of("UUID parsing failed: invalid character: expected an optional prefix"),
            Fault::Id
        );
        assert_eq!(Fault::of("premature end of input"), Fault::Date);
        assert_eq!(
            Fault::of("region must be a six-digit administrative division code"),
            Fault::Value(Some(
                "region must be a six-digit administrative division code".into()
            ))
        );
    }

    #[test]
    fn messages_name_the_field_and_no_parser_words() {
        let p = Fault::of("invalid value: integer `300`, expected u8").problem("quorum.pct");
        assert_eq!(p.details["field"], "quorum.pct");
        assert_eq!(p.message, "quorum.pct is out of range (0–255)");
        assert_eq!(p.message_zh, "quorum.pct:数值超出范围(0–255)");
        let p = Fault::of("UUID parsing failed: x").problem("school_id");
        assert_eq!(p.message_zh, "学校编号格式不正确");
        assert_eq!(p.message, "school_id is not a valid id");
        let p = Fault::of("premature end of input").problem("start_time");
        assert!(p.message.contains("HH:MM"), "{}", p.message);
    }
}
