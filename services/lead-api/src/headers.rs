//! The security headers of every response: a Content-Security-Policy without
//! `unsafe-inline` (the console's scripts and styles are files of their own, its pages set
//! styles through the CSSOM), `nosniff`, no framing by other pages, no referrer leaving the
//! site, and HSTS when the deployment says it runs behind TLS. A handler that needs another
//! policy sets its own header; these fill in what is missing.

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::DefaultHeaders;

/// What a page of this origin may load and do.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; \
     object-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
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

#[cfg(test)]
mod tests {
    use actix_web::http::header;
    use actix_web::{App, HttpResponse, test, web};

    use super::defaults;

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
}
