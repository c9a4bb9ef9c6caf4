//! The body and query extractors of the routes: actix's `Json` and `Query` with refusals a
//! clerk understands. Each one deserializes through serde_path_to_error, so a refusal names
//! the field it is about (`agenda[1].title`), and [`crate::invalid`] words it.
//!
//! The routes import [`web`]: actix's `web` module with these two in place of actix's own,
//! so a handler keeps writing `web::Json<T>` and `web::Query<T>` (and utoipa still reads a
//! `Json<T>` argument as the request body).

use std::ops::{Deref, DerefMut};

use actix_web::body::EitherBody;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, Responder};
use futures::future::{LocalBoxFuture, Ready, ready};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::invalid;

/// actix's `web` with this module's [`Json`] and [`Query`].
pub mod web {
    pub use actix_web::web::*;

    pub use super::{Json, Query};
}

/// A JSON request body (limit and content type as the app's `JsonConfig` says), or a JSON
/// response.
#[derive(Debug)]
pub struct Json<T>(pub T);

/// The query string's parameters.
#[derive(Debug)]
pub struct Query<T>(pub T);

macro_rules! wrapper {
    ($name:ident) => {
        impl<T> $name<T> {
            pub fn into_inner(self) -> T {
                self.0
            }
        }

        impl<T> Deref for $name<T> {
            type Target = T;
            fn deref(&self) -> &T {
                &self.0
            }
        }

        impl<T> DerefMut for $name<T> {
            fn deref_mut(&mut self) -> &mut T {
                &mut self.0
            }
        }
    };
}
wrapper!(Json);
wrapper!(Query);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    /// Reads the body as JSON with actix (its limit, content type and syntax refusals come
    /// from the app's `JsonConfig`), then into `T`, keeping the path to a field that does
    /// not fit.
    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let value = actix_web::web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let value = value.await?.into_inner();
            serde_path_to_error::deserialize(value)
                .map(Json)
                .map_err(|e| ApiError(invalid::body(&e)).into())
        })
    }
}

impl<T: Serialize> Responder for Json<T> {
    type Body = EitherBody<String>;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse<Self::Body> {
        actix_web::web::Json(self.0).respond_to(req)
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs = form_urlencoded::parse(req.query_string().as_bytes());
        let de = serde_urlencoded::Deserializer::new(pairs);
        ready(
            serde_path_to_error::deserialize(de)
                .map(Query)
                .map_err(|e| ApiError(invalid::query(&e)).into()),
        )
    }
}
