//! The catalogue service over the bus, against real PostgreSQL and NATS, with the real
//! membership service feeding its projection. Rules are cited by their RULES.md ids.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

#[path = "../common/mod.rs"]
mod common;

use common::*;

mod brand;
mod files;
mod library;
mod membership;
