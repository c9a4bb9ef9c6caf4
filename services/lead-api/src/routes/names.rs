//! Names for what people read. Exports and printed reports name groups, schools, counties
//! and people; the services' records hold ids and token subjects, so the names are looked
//! up here, once per document, from the membership service (groups through the cache).

use std::collections::{HashMap, HashSet};

use edu_contracts::Paging;
use edu_contracts::membership::{ListSchools, SchoolQuery};
use edu_domain::{GroupId, SchoolId};

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

/// The names of the groups and schools a document mentions.
#[derive(Debug, Default)]
pub(crate) struct Names {
    groups: HashMap<GroupId, String>,
    schools: HashMap<SchoolId, String>,
}

impl Names {
    /// Looks up every named group and school; one that is gone keeps its id.
    pub(crate) async fn of(
        state: &AppState,
        caller: &Caller,
        groups: impl IntoIterator<Item = GroupId>,
        schools: impl IntoIterator<Item = SchoolId>,
    ) -> Result<Self, ApiError> {
        let mut names = Self::default();
        let groups: HashSet<GroupId> = groups.into_iter().collect();
        for id in groups {
            if let Ok(group) = state.groups.get(&state.bus, &caller.actor(), id).await {
                names.groups.insert(id, group.name);
            }
        }
        let schools: Vec<SchoolId> = schools
            .into_iter()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        for chunk in schools.chunks(usize::from(Paging::MAX_LIMIT)) {
            let q = SchoolQuery {
                region: None,
                ids: chunk.to_vec(),
                paging: Paging::largest_from(0),
            };
            let page = state
                .bus
                .call::<ListSchools>(&caller.actor(), None, q)
                .await?;
            names
                .schools
                .extend(page.items.into_iter().map(|s| (s.id, s.name)));
        }
        Ok(names)
    }

    pub(crate) fn group(&self, id: GroupId) -> String {
        self.groups
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    pub(crate) fn school(&self, id: SchoolId) -> String {
        self.schools
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
}

/// The person a record names by token subject: the reader's own name when the subject is
/// the reader (the token's `name` claim), else the subject as recorded — no other name is
/// stored for it.
pub(crate) fn person(subject: &str, caller: &Caller) -> String {
    if subject == caller.0.sub && !caller.0.name.trim().is_empty() {
        caller.0.name.trim().to_owned()
    } else {
        subject.to_owned()
    }
}
