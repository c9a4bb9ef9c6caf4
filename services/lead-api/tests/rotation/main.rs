//! Teacher rotation (交流轮岗, RULES.md §3) through the real actix `App`, against the real
//! membership and rotation services, PostgreSQL and NATS.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

#[path = "../common/mod.rs"]
mod common;

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::test;
use common::rotation::{
    HEADER, autumn_2025, group_of_two, import, next_autumn, posting, propose, teacher, train,
    training,
};
use common::{OTHER_REGION, REGION, assert_one_created, assert_refusal, env};
use edu_domain::{Role, SchoolId};
use serde_json::{Value, json};

mod figures;
mod postings;
mod roster;
