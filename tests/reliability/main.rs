//! Reliability under faults and bad input, against real processes, PostgreSQL and NATS
//!. Each test starts what it breaks on its own ports and database.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod bad_input;
mod bus_access;
mod cluster;
mod dev_bus;
mod faults;
mod support;
