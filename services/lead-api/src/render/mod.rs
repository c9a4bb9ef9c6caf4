//! Every page, chart and printable document the API writes, in one place: the console's
//! page, the rotation chart (SVG), the evaluation report with its charts and the council's
//! quarterly report. Markup is written with `maud`, which escapes every value spliced into
//! it, so no text a person typed can become markup; only the constant print styles go in
//! unescaped. Handlers gather the data and pick the HTTP response; the markup lives here.
//!
//! No page carries an inline script or a `style` attribute (the content security policy
//! allows neither); a printable document's one `<style>` element is allowed by its hash.

mod charts;
mod console;
mod council_report;
mod scorecard;

use maud::{DOCTYPE, Markup, PreEscaped, html};

pub use charts::{Figure, Lang, RotationChart, rotation_chart};
pub use console::console_page;
pub use council_report::quarterly_report;
pub use scorecard::scorecard_report;

/// A document meant for print: its HTML and the one style element it carries, which the
/// response's content security policy allows by hash.
#[derive(Debug)]
pub struct Printable {
    pub html: String,
    pub style: &'static str,
}

/// The frame of a printable document: `<head>` with its title and print style, then `body`.
fn printable(title: &str, style: &'static str, body: Markup) -> Printable {
    let page = html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                title { (title) }
                // a constant of this crate, hashed into the page's CSP: never escaped, or
                // the quotes of its font names would no longer be CSS nor match the hash
                style { (PreEscaped(style)) }
            }
            body { (body) }
        }
    };
    Printable {
        html: page.into_string(),
        style,
    }
}

/// Text over several lines: each line escaped, a `<br>` between them.
fn lines<'a>(text: impl IntoIterator<Item = &'a str>) -> Markup {
    html! {
        @for (i, line) in text.into_iter().enumerate() {
            @if i > 0 { br; }
            (line)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_the_style_is_kept_as_written() {
        let style = "body{font-family:\"SimSun\",serif}";
        let page = printable(
            "<b>\"一中\" & '二中'</b>",
            style,
            lines(["<i>一</i>", "二 & 三"]),
        );
        assert!(
            page.html
                .starts_with("<!DOCTYPE html><html lang=\"zh-CN\">")
        );
        assert!(
            page.html
                .contains("<title>&lt;b&gt;&quot;一中&quot; &amp; '二中'&lt;/b&gt;</title>"),
            "{}",
            page.html
        );
        assert!(page.html.contains(&format!("<style>{style}</style>")));
        assert!(
            page.html
                .contains("<body>&lt;i&gt;一&lt;/i&gt;<br>二 &amp; 三</body>"),
            "{}",
            page.html
        );
        assert_eq!(page.style, style);
    }
}
