//! The console's one page: a header the scripts fill in, a main area, and the scripts in
//! the order they build on each other (the page scripts before `app.js`, which starts it).

use maud::{DOCTYPE, html};

/// The scripts the page loads, in this order.
const SCRIPTS: &[&str] = &[
    "lists.js",
    "forms.js",
    "names.js",
    "history.js",
    "postings.js",
    "teacher.js",
    "council.js",
    "charter.js",
    "evaluation.js",
    "consent.js",
    "library.js",
    "todo.js",
    "rules.js",
    "office.js",
    "coverage.js",
    "funds.js",
    "app.js",
];

/// The console page (控制台).
pub fn console_page() -> String {
    let page = html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "集团化办学管理平台" }
                link rel="icon" href="data:,";
                link rel="stylesheet" href="/console/app.css";
            }
            body {
                header #top {
                    a .brand href="#/" #brand { "集团化办学管理平台" }
                    button type="button" #menu-toggle .link aria-controls="nav" aria-expanded="false" { "菜单" }
                    nav #nav aria-label="主导航" {}
                    a #todo-count .todo-count hidden {}
                    span #who {}
                    button type="button" #lang-switch .link { "English" }
                    button type="button" #sign-out .link hidden { "退出" }
                }
                main #main aria-live="polite" { p .muted { "加载中… Loading…" } }
                noscript { p { "本控制台需要启用 JavaScript。The console needs JavaScript." } }
                @for script in SCRIPTS {
                    script src=(format_args!("/console/{script}")) {}
                }
            }
        }
    };
    page.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_every_script_once_and_app_js_last() {
        let page = console_page();
        for script in SCRIPTS {
            let tag = format!("<script src=\"/console/{script}\"></script>");
            assert_eq!(page.matches(&tag).count(), 1, "{tag} in {page}");
        }
        assert!(page.ends_with("<script src=\"/console/app.js\"></script></body></html>"));
        // the content security policy allows no inline script or style attribute
        assert!(
            !page.contains("<script>") && !page.contains("style="),
            "{page}"
        );
    }
}
