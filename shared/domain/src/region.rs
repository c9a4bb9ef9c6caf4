//! County names (县级行政区划) for what people read: exports, printed reports and the console
//! name a county, machines keep its code. The table holds the counties of 周口市 the project
//! serves; any other code reads as `行政区划 <code>` rather than failing.

use std::borrow::Cow;

use crate::RegionCode;

/// Six-digit codes (GB/T 2260) of 周口市's county-level divisions and their names.
const COUNTIES: &[(&str, &str)] = &[
    ("411602", "川汇区"),
    ("411603", "淮阳区"),
    ("411621", "扶沟县"),
    ("411622", "西华县"),
    ("411623", "商水县"),
    ("411624", "沈丘县"),
    ("411625", "郸城县"),
    ("411627", "太康县"),
    ("411628", "鹿邑县"),
    ("411681", "项城市"),
];

impl RegionCode {
    /// The county's name, e.g. 太康县 for `411627`; `行政区划 <code>` for a code the table
    /// does not know.
    pub fn name_zh(&self) -> Cow<'static, str> {
        COUNTIES
            .iter()
            .find(|(code, _)| *code == self.as_str())
            .map_or_else(
                || Cow::Owned(format!("行政区划 {}", self.as_str())),
                |(_, name)| Cow::Borrowed(*name),
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counties_read_by_name_and_unknown_codes_by_their_code() {
        let name = |code: &str| RegionCode::parse(code).map(|r| r.name_zh().into_owned());
        assert_eq!(name("411627").ok().as_deref(), Some("太康县"));
        assert_eq!(name("411621").ok().as_deref(), Some("扶沟县"));
        assert_eq!(name("110101").ok().as_deref(), Some("行政区划 110101"));
    }
}
