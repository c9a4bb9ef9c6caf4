//! The lead-school API through the real actix `App`, against the real membership service,
//! PostgreSQL and NATS (each test with its own database and bus namespace).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

#[path = "../common/mod.rs"]
mod common;

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::test;
use common::{OTHER_REGION, REGION, assert_one_created, assert_refusal, env, until};
use edu_domain::{Role, SchoolId};
use serde_json::json;

mod membership;
mod protocol;
