//! The security headers of every response: a Content-Security-Policy without
//! `unsafe-inline` (the console's scripts and styles are files of their own, its pages set
//! styles through the CSSOM), `nosniff`, no framing by other pages, no referrer leaving the
//! site, and HSTS when the deployment says it runs behind TLS. A handler that needs another
//! policy (a printable report's own print style) sets its own header; these fill in what is
//! missing.

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::DefaultHeaders;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::render::Printable;

/// What a page of this origin may load and do.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; \
     object-src 'self'; frame-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'self'";

/// HSTS for a year, subdomains included (sent only when configured: behind TLS).
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The headers, as a middleware; `hsts` when the API is reached over HTTPS only.
pub fn defaults(hsts: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ));
    if hsts {
        headers.add((header::STRICT_TRANSPORT_SECURITY, HSTS))
    } else {
        headers
    }
}

/// The policy of a printable page that carries its print style with it: that one `<style>`
/// element is allowed by the SHA-256 of its content (CSP 3 hash source), nothing else inline.
pub fn policy_with_style(style: &str) -> String {
    let hash = STANDARD.encode(Sha256::digest(style.as_bytes()));
    CONTENT_SECURITY_POLICY.replacen(
        "style-src 'self'",
        &format!("style-src 'self' 'sha256-{hash}'"),
        1,
    )
}

/// A printable page: HTML with its print style allowed by its hash.
pub fn printable(page: Printable) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            policy_with_style(page.style),
        ))
        .body(page.html)
}

#[cfg(test)]
mod tests {
    use actix_web::http::header;
    use actix_web::{App, HttpResponse, test, web};

    use super::{defaults, policy_with_style};

    #[actix_web::test]
    async fn every_response_carries_the_headers_and_hsts_only_when_asked() {
        for hsts in [false, true] {
            let app = test::init_service(
                App::new()
                    .wrap(defaults(hsts))
                    .route("/", web::get().to(HttpResponse::Ok)),
            )
            .await;
            let response = test::call_service(&app, test::TestRequest::get().to_request()).await;
            let h = response.headers();
            let csp = h
                .get(header::CONTENT_SECURITY_POLICY)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            assert!(!csp.contains("unsafe-inline"), "{csp}");
            assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
            assert!(csp.contains("script-src 'self'"), "{csp}");
            assert_eq!(
                h.get(header::X_CONTENT_TYPE_OPTIONS)
                    .and_then(|v| v.to_str().ok()),
                Some("nosniff")
            );
            assert_eq!(
                h.get(header::REFERRER_POLICY).and_then(|v| v.to_str().ok()),
                Some("no-referrer")
            );
            assert_eq!(h.contains_key(header::STRICT_TRANSPORT_SECURITY), hsts);
        }
    }

    #[actix_web::test]
    async fn a_print_style_is_allowed_by_its_hash_and_nothing_else_inline() {
        // printf 'body{margin:0}' | openssl dgst -sha256 -binary | base64
        let policy = policy_with_style("body{margin:0}");
        assert!(
            policy
                .contains("style-src 'self' 'sha256-IAdwN3biDCQ3brrgp1m8kBEsPQYyqfREKOEfeoREopc='")
        );
        assert!(!policy.contains("unsafe-inline"));
        assert!(policy.contains("frame-ancestors 'none'"));
    }
}
