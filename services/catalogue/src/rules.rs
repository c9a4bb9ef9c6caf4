//! The catalogue's rules as pure functions: who reaches what (R-05, R-11, exit and
//! dissolution), the brand rule's target check (R-11/M7), publication, versions,
//! booking slots, and the search tokens that make two-character Chinese words
//! findable through a GIN index.

use chrono::{DateTime, Duration, Utc};
use edu_domain::{Policy, Problem, ResourceStatus, Role, SchoolId};

/// What the service knows of a group from the membership events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFacts {
    pub region: String,
    pub lead_school_id: SchoolId,
    pub dissolved: bool,
}

/// Who asks: from the command's actor, with whether the actor's school is an active school
/// of the group in question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// `None` for the system itself.
    pub role: Option<Role>,
    pub region: Option<String>,
    pub school_id: Option<SchoolId>,
    /// The actor's school in this group: `Some(true)` active, `Some(false)` it left (or the
    /// group was dissolved), `None` never a school of the group.
    pub school_active: Option<bool>,
}

/// How far a viewer reaches into a group's library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The lead school's office: everything, and it reviews.
    Lead,
    /// An active school of the group: what is published, and its own.
    Member,
    /// A school that left (or whose group was dissolved): only its own contributions.
    OwnOnly,
    /// The group's bureau or auditors (and the system): everything, read-only.
    Oversight,
}

/// The viewer's reach into a group, or `None` when the group is none of its business (the
/// caller is then told the group or resource does not exist).
pub fn reach(viewer: &Viewer, group: &GroupFacts) -> Option<Reach> {
    match viewer.role {
        None => Some(Reach::Oversight),
        Some(Role::Bureau | Role::Auditor) => {
            (viewer.region.as_deref() == Some(group.region.as_str())).then_some(Reach::Oversight)
        }
        Some(Role::LeadAdmin | Role::MemberAdmin | Role::Teacher) => {
            let school = viewer.school_id?;
            // §5 exit: a school that left, or a dissolved group's schools, keep their own only.
            if !viewer.school_active? || group.dissolved {
                return Some(Reach::OwnOnly);
            }
            if viewer.role == Some(Role::LeadAdmin) && school == group.lead_school_id {
                Some(Reach::Lead)
            } else {
                Some(Reach::Member)
            }
        }
    }
}

/// Whether a viewer with `reach` sees one resource.
pub fn sees(
    reach: Reach,
    viewer_school: Option<SchoolId>,
    owner: SchoolId,
    status: ResourceStatus,
) -> bool {
    let own = viewer_school == Some(owner);
    match reach {
        Reach::Lead | Reach::Oversight => true,
        Reach::Member => own || status == ResourceStatus::Published,
        Reach::OwnOnly => own,
    }
}

/// An office of a school (not a teacher, not the bureau): who writes to the library.
pub fn is_school_office(role: Option<Role>) -> bool {
    matches!(role, Some(Role::LeadAdmin | Role::MemberAdmin))
}

/// a submitted resource waits for the lead office when the policy asks for review.
pub fn initial_status(policy: &Policy) -> ResourceStatus {
    if policy.catalogue_review_required {
        ResourceStatus::PendingReview
    } else {
        ResourceStatus::Published
    }
}

/// Adopters stay on their version; they are told when a newer one exists.
pub fn newer_version_available(adopted: Option<i32>, latest: i32) -> bool {
    adopted.is_some_and(|v| v < latest)
}

/// The brand rule (品牌不得转让和二次输出) every refused transfer cites.
pub const BRAND_RULE: &str = "R-11";

/// R-11 (invariant 17): a group's refused transfers are read by those who answer for its
/// brand: the lead office, and the group's bureau and auditors. A member school is told of
/// its own refusal in the answer it got.
pub fn reads_refusals(reach: Reach) -> bool {
    matches!(reach, Reach::Lead | Reach::Oversight)
}

/// R-11/M7: where a share may go. Inside the group: its own group, or an active school of
/// it. Anything else is a transfer or re-export of the group's brand.
pub fn share_stays_in_group(target_is_own_group: bool, target_school_active: bool) -> bool {
    target_is_own_group || target_school_active
}

/// The longest single booking (a week covers a study trip or an exam period).
pub const MAX_BOOKING: Duration = Duration::days(7);

/// a slot is `[start, end)`, not empty, at most [`MAX_BOOKING`], and not over already.
pub fn check_slot(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), Problem> {
    if start >= end {
        return Err(Problem::validation(
            "end",
            "a booking ends after it starts",
            "预约结束时间必须晚于开始时间",
        ));
    }
    if end - start > MAX_BOOKING {
        return Err(Problem::validation(
            "end",
            "a booking lasts at most 7 days",
            "单次预约最长 7 天",
        ));
    }
    if end <= now {
        return Err(Problem::validation(
            "start",
            "the slot is already over",
            "该时段已经结束",
        ));
    }
    Ok(())
}

// ---- search ------------------------------------------------------------------------------

/// Latin words are indexed by their prefixes up to this many characters.
const MAX_PREFIX: usize = 12;
/// At most this many words in a query.
pub const MAX_QUERY_TERMS: usize = 16;

/// Full-width ASCII (ＡＢＣ１２３) as ASCII, then lowercase: the same text the index and the
/// query see.
fn normalize(c: char) -> impl Iterator<Item = char> {
    let c = match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    };
    c.to_lowercase()
}

/// Han, kana and hangul: scripts written without spaces, indexed by character bigrams.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF
        | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

#[derive(Debug, PartialEq, Eq)]
enum Run {
    Cjk(Vec<char>),
    Word(Vec<char>),
}

fn runs(text: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut current: Option<Run> = None;
    for c in text.chars().flat_map(normalize) {
        let cjk = is_cjk(c);
        let word = !cjk && c.is_alphanumeric();
        current = match (current.take(), cjk, word) {
            (Some(Run::Cjk(mut v)), true, _) => {
                v.push(c);
                Some(Run::Cjk(v))
            }
            (Some(Run::Word(mut v)), _, true) => {
                v.push(c);
                Some(Run::Word(v))
            }
            (previous, _, _) => {
                out.extend(previous);
                if cjk {
                    Some(Run::Cjk(vec![c]))
                } else if word {
                    Some(Run::Word(vec![c]))
                } else {
                    None
                }
            }
        };
    }
    out.extend(current);
    out
}

fn bigrams(chars: &[char]) -> impl Iterator<Item = String> + '_ {
    chars.windows(2).map(|w| w.iter().collect())
}

/// How the search text is made now: rows indexed under an older version are indexed again
/// when the service starts (`search_version` of the `resources` table).
pub const SEARCH_VERSION: i16 = 1;

/// The normalized text a resource is searched in: its subject (a school looking for 数学
/// expects the maths resources, whatever their titles say), and its latest title,
/// description and tags.
pub fn search_text(subject: &str, title: &str, description: &str, tags: &[String]) -> String {
    let joined = format!("{subject}\n{title}\n{description}\n{}", tags.join("\n"));
    joined.chars().flat_map(normalize).collect()
}

/// The index tokens of a text: each CJK run as its overlapping bigrams, each other word as
/// its prefixes of 1..=12 characters. Sorted, unique. (A one-character CJK query has no
/// token; it is answered by the recheck alone, within the other filters.)
pub fn index_tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    for run in runs(text) {
        match run {
            Run::Cjk(chars) => tokens.extend(bigrams(&chars)),
            Run::Word(chars) => {
                for n in 1..=chars.len().min(MAX_PREFIX) {
                    tokens.push(chars[..n].iter().collect());
                }
            }
        }
    }
    tokens.sort();
    tokens.dedup();
    tokens
}

/// A parsed query: index tokens every match contains (`search_tokens @> tokens`, served by
/// the GIN index), and the terms each match's text must still be checked to contain: CJK
/// runs of 3 or more characters (their bigrams must be adjacent, in order), single CJK
/// characters (no token) and Latin words longer than a prefix token. A two-character CJK
/// word or a short Latin word is its own token and needs no recheck.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub tokens: Vec<String>,
    pub terms: Vec<String>,
}

pub fn parse_query(q: &str) -> Result<Query, Problem> {
    let q = edu_domain::text::optional("q", q, 100)?.unwrap_or_default();
    let words = runs(&q);
    if words.len() > MAX_QUERY_TERMS {
        return Err(Problem::validation(
            "q",
            "a search has at most 16 words",
            "搜索词最多 16 个",
        ));
    }
    let mut query = Query::default();
    for run in words {
        match run {
            Run::Cjk(chars) => {
                query.tokens.extend(bigrams(&chars));
                if chars.len() != 2 {
                    query.terms.push(chars.iter().collect());
                }
            }
            Run::Word(chars) => {
                query
                    .tokens
                    .push(chars[..chars.len().min(MAX_PREFIX)].iter().collect());
                if chars.len() > MAX_PREFIX {
                    query.terms.push(chars.iter().collect());
                }
            }
        }
    }
    query.tokens.sort();
    query.tokens.dedup();
    query.terms.sort();
    query.terms.dedup();
    Ok(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn school(n: u128) -> SchoolId {
        SchoolId(uuid::Uuid::from_u128(n))
    }

    fn group() -> GroupFacts {
        GroupFacts {
            region: "411627".into(),
            lead_school_id: school(1),
            dissolved: false,
        }
    }

    fn viewer(role: Role, school_id: Option<SchoolId>, active: Option<bool>) -> Viewer {
        Viewer {
            role: Some(role),
            region: Some("411627".into()),
            school_id,
            school_active: active,
        }
    }

    /// Does the text of `doc` match `q` the way the SQL does (tokens ⊆ index, terms ⊆ text)?
    fn matches(doc: &str, q: &str) -> bool {
        let text = search_text("", doc, "", &[]);
        let index = index_tokens(&text);
        let query = parse_query(q).unwrap_or_default();
        query.tokens.iter().all(|t| index.contains(t))
            && query.terms.iter().all(|t| text.contains(t.as_str()))
    }

    #[test]
    fn two_character_chinese_words_are_found() {
        assert!(matches("一次函数的图像与性质", "函数"));
        assert!(matches("物理实验:测量小灯泡的电功率", "实验"));
        assert!(matches("一次函数的图像与性质", "函数 图像"));
        assert!(!matches("一次函数的图像与性质", "实验"));
        // Both characters present but not adjacent: the recheck refuses it.
        assert!(!matches("函的数", "函数"));
        // A single character is found by the recheck alone.
        assert!(matches("函数", "函"));
    }

    #[test]
    fn the_subject_is_searched_with_the_text() {
        let text = search_text("数学", "勾股定理", "直角三角形", &["几何".to_owned()]);
        let index = index_tokens(&text);
        for q in ["数学", "勾股", "几何", "三角"] {
            let query = parse_query(q).unwrap_or_default();
            assert!(query.tokens.iter().all(|t| index.contains(t)), "{q}");
        }
        // Fields do not run into each other: the last character of one and the first of
        // the next make no word.
        assert!(!index.contains(&"学勾".to_owned()));
    }

    #[test]
    fn latin_words_match_by_prefix_case_and_width_insensitively() {
        assert!(matches("Quadratic Functions in 3D", "function"));
        assert!(matches("Quadratic Functions", "FUNC"));
        assert!(matches("Ｐｈｙｓｉｃｓ lab", "physics"));
        assert!(!matches("Quadratic Functions", "unction"));
        assert!(matches("PPT课件: 勾股定理", "ppt 勾股"));
    }

    #[test]
    fn index_tokens_are_bigrams_and_prefixes() {
        assert_eq!(
            index_tokens("函数ab"),
            vec!["a".to_owned(), "ab".into(), "函数".into()]
        );
        assert_eq!(
            index_tokens("三角形"),
            vec!["三角".to_owned(), "角形".into()]
        );
    }

    #[test]
    fn queries_are_bounded() {
        assert!(parse_query(&"词 ".repeat(17)).is_err());
        assert!(parse_query(&"a".repeat(101)).is_err());
        assert!(parse_query("a\u{0}b").is_err());
        assert_eq!(parse_query("  ").ok(), Some(Query::default()));
    }

    #[test]
    fn members_see_published_and_their_own() {
        // every school of the group uses the library; R-03: pending ones wait for review.
        let member = viewer(Role::MemberAdmin, Some(school(2)), Some(true));
        let r = reach(&member, &group());
        assert_eq!(r, Some(Reach::Member));
        assert!(sees(
            Reach::Member,
            Some(school(2)),
            school(3),
            ResourceStatus::Published
        ));
        assert!(!sees(
            Reach::Member,
            Some(school(2)),
            school(3),
            ResourceStatus::PendingReview
        ));
        assert!(sees(
            Reach::Member,
            Some(school(2)),
            school(2),
            ResourceStatus::PendingReview
        ));
        let lead = viewer(Role::LeadAdmin, Some(school(1)), Some(true));
        assert_eq!(reach(&lead, &group()), Some(Reach::Lead));
    }

    #[test]
    fn a_school_that_left_keeps_only_its_own() {
        // §5 (DOMAIN.md): a school that leaves loses access but keeps its own contributions.
        let gone = viewer(Role::MemberAdmin, Some(school(2)), Some(false));
        assert_eq!(reach(&gone, &group()), Some(Reach::OwnOnly));
        // A school that was never in the group is told nothing exists.
        let stranger = viewer(Role::MemberAdmin, Some(school(9)), None);
        assert_eq!(reach(&stranger, &group()), None);
        assert!(!sees(
            Reach::OwnOnly,
            Some(school(2)),
            school(3),
            ResourceStatus::Published
        ));
        assert!(sees(
            Reach::OwnOnly,
            Some(school(2)),
            school(2),
            ResourceStatus::Published
        ));
    }

    #[test]
    fn a_dissolved_library_is_the_bureaus_to_read() {
        let mut g = group();
        g.dissolved = true;
        let lead = viewer(Role::LeadAdmin, Some(school(1)), Some(true));
        assert_eq!(reach(&lead, &g), Some(Reach::OwnOnly));
        let bureau = viewer(Role::Bureau, None, None);
        assert_eq!(reach(&bureau, &g), Some(Reach::Oversight));
        let mut other = bureau.clone();
        other.region = Some("411621".into());
        assert_eq!(reach(&other, &g), None);
    }

    #[test]
    fn shares_stay_inside_the_group() {
        // R-11/M7: no transfer or re-export of the group's brand.
        assert!(share_stays_in_group(true, false));
        assert!(share_stays_in_group(false, true));
        assert!(!share_stays_in_group(false, false));
    }

    #[test]
    fn refused_transfers_are_read_by_those_answering_for_the_brand() {
        // the lead office and the bureau's oversight; not members, not a school that left.
        assert!(reads_refusals(Reach::Lead));
        assert!(reads_refusals(Reach::Oversight));
        assert!(!reads_refusals(Reach::Member));
        assert!(!reads_refusals(Reach::OwnOnly));
    }

    #[test]
    fn review_follows_the_policy() {
        // the lead office approves before group-wide visibility, when the policy asks.
        let mut p = Policy::default();
        assert_eq!(initial_status(&p), ResourceStatus::PendingReview);
        p.catalogue_review_required = false;
        assert_eq!(initial_status(&p), ResourceStatus::Published);
    }

    #[test]
    fn adopters_are_told_of_newer_versions() {
        assert!(newer_version_available(Some(1), 2));
        assert!(!newer_version_available(Some(2), 2));
        assert!(!newer_version_available(None, 2));
    }

    #[test]
    fn slots_are_bounded() {
        let now = Utc::now();
        let h = Duration::hours(1);
        assert!(check_slot(now + h, now + h * 2, now).is_ok());
        assert!(check_slot(now + h, now + h, now).is_err());
        assert!(check_slot(now + h, now + Duration::days(8), now).is_err());
        assert!(check_slot(now - h * 3, now - h, now).is_err());
    }
}
