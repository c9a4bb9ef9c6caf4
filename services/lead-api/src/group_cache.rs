//! The groups the API checks scope against, cached in memory and kept fresh by the
//! membership service's events, so a group-scoped request costs no membership round trip.
//!
//! The membership service stays the owner: a cached group is only ever a copy of its reply
//! to `GetGroup`, dropped as soon as an event about that group arrives (core NATS
//! subscription on `edu.events.membership.>`; every membership event names its group). A
//! change becomes visible here when its event is relayed (milliseconds); this instance's own
//! membership writes drop the group at once, so a caller reads its own writes. Scope checks
//! may therefore lag a change made through another instance by that relay delay; the data
//! rules never do, they are enforced by the owning services on their own data.
//!
//! Nothing is cached while the subscription is down, and everything is dropped when NATS
//! reconnects (events may have been missed meanwhile); entries also expire after [`TTL`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use edu_bus::Bus;
use edu_contracts::ServiceName;
use edu_contracts::envelope::Actor;
use edu_contracts::membership::{GetGroup, Group, GroupRef};
use edu_domain::{GroupId, Problem};
use futures::StreamExt;
use serde::Deserialize;

/// The longest a cached group is used, whatever the events say.
pub const TTL: Duration = Duration::from_secs(60);
/// Entries kept at most; beyond it the cache starts over.
const CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct GroupCache {
    entries: Mutex<HashMap<GroupId, (Group, Instant)>>,
    /// Bumped by every invalidation: a reply fetched across one is not cached.
    generation: AtomicU64,
    /// The invalidating subscription is up.
    live: AtomicBool,
}

/// The one envelope field the cache reads.
#[derive(Deserialize)]
struct About {
    group_id: Option<GroupId>,
}

impl GroupCache {
    /// A cache fed by the bus's membership events (the task ends with the connection).
    pub async fn subscribe(bus: &Bus) -> anyhow::Result<Arc<Self>> {
        let cache = Arc::new(Self::default());
        let mut events = bus
            .client()
            .subscribe(bus.config().service_events(ServiceName::Membership))
            .await?;
        bus.client().flush().await?;
        let mut reconnects = bus.reconnects();
        cache.live.store(true, Ordering::Release);
        let this = Arc::clone(&cache);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    event = events.next() => match event {
                        Some(msg) => match serde_json::from_slice::<About>(&msg.payload) {
                            Ok(About { group_id: Some(group) }) => this.forget(group),
                            Ok(About { group_id: None }) => {}
                            Err(_) => this.clear(),
                        },
                        None => break,
                    },
                    changed = reconnects.changed() => match changed {
                        Ok(()) => this.clear(),
                        Err(_) => break,
                    },
                }
            }
            this.live.store(false, Ordering::Release);
            this.clear();
        });
        Ok(cache)
    }

    /// The group, from the cache or from the membership service.
    pub async fn get(&self, bus: &Bus, actor: &Actor, group_id: GroupId) -> Result<Group, Problem> {
        if let Some(group) = self.cached(group_id) {
            return Ok(group);
        }
        let generation = self.generation.load(Ordering::Acquire);
        let group = bus
            .call::<GetGroup>(actor, None, GroupRef { group_id })
            .await?;
        if self.live.load(Ordering::Acquire) {
            let mut entries = self.lock();
            // Checked under the lock `forget` takes, so an invalidation is never undone.
            if self.generation.load(Ordering::Acquire) == generation {
                if entries.len() >= CAPACITY {
                    entries.clear();
                }
                entries.insert(group_id, (group.clone(), Instant::now()));
            }
        }
        Ok(group)
    }

    /// Drops a group (it changed).
    pub fn forget(&self, group_id: GroupId) {
        let mut entries = self.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.remove(&group_id);
    }

    fn clear(&self) {
        let mut entries = self.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }

    fn cached(&self, group_id: GroupId) -> Option<Group> {
        let entries = self.lock();
        entries
            .get(&group_id)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(group, _)| group.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<GroupId, (Group, Instant)>> {
        // The map stays consistent whatever a panicking holder did: every change is one call.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
