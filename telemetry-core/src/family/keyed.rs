//! The handles of a family whose sets are not fixed (a string or integer field): a
//! lock-free map shared by all threads, and in front of it each thread's table of the
//! entries it used last (`recent.rs`): a repeated set costs one hash and one comparison.
//!
//! A family never removes an entry from its map (it keeps every handle it bound), so an
//! entry a thread holds is never stale: the set maps to that handle for the family's life.

use std::borrow::Borrow;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

use foldhash::fast::RandomState;

use crate::recent::Recent;

/// Entries per thread and family: 512 bytes of pointers, allocated by a thread's first
/// record to the family.
const SLOTS: usize = 64;

/// One set with its handle, and its hash under the family's hasher.
pub(super) struct Entry<S, H> {
    hash: u64,
    pub(super) set: S,
    pub(super) handle: H,
}

/// The map's key: an entry, hashed and compared as its set, so that the map and the
/// threads' tables share one copy of each set.
struct Key<S, H>(Arc<Entry<S, H>>);

impl<S: Hash, H> Hash for Key<S, H> {
    fn hash<X: Hasher>(&self, state: &mut X) {
        self.0.set.hash(state);
    }
}

impl<S: PartialEq, H> PartialEq for Key<S, H> {
    fn eq(&self, other: &Self) -> bool {
        self.0.set == other.0.set
    }
}

impl<S: Eq, H> Eq for Key<S, H> {}

impl<S, H> Borrow<S> for Key<S, H> {
    fn borrow(&self) -> &S {
        &self.0.set
    }
}

/// The sets a family has seen, with their handles.
pub(super) struct Keyed<S: Send + Sync, H: Send + Sync> {
    hasher: RandomState,
    map: papaya::HashMap<Key<S, H>, (), RandomState>,
    recent: Recent<Entry<S, H>, SLOTS>,
}

impl<S, H> Keyed<S, H>
where
    S: Eq + Hash + Clone + Send + Sync,
    H: Clone + Send + Sync,
{
    pub(super) fn new() -> Self {
        let hasher = RandomState::default();
        Keyed {
            map: papaya::HashMap::builder().hasher(hasher.clone()).build(),
            hasher,
            recent: Recent::new(),
        }
    }

    /// The hash that [`cached`](Self::cached) and [`insert`](Self::insert) take.
    #[inline]
    pub(super) fn hash(&self, set: &S) -> u64 {
        self.hasher.hash_one(set)
    }

    /// Runs `record` on the handle of `set` if this thread's table has it; gives `record`
    /// back otherwise.
    #[inline]
    pub(super) fn cached<R, F: FnOnce(&H) -> R>(
        &self,
        hash: u64,
        set: &S,
        record: F,
    ) -> Result<R, F> {
        match self.recent.find(hash, |e| e.hash == hash && e.set == *set) {
            Some(entry) => Ok(record(&entry.handle)),
            None => Err(record),
        }
    }

    /// The entry of `set` in the shared map, remembered in this thread's table.
    pub(super) fn get(&self, hash: u64, set: &S) -> Option<Arc<Entry<S, H>>> {
        let map = self.map.pin();
        let entry = map.get_key_value(set).map(|(key, ())| key.0.clone())?;
        self.remember(hash, &entry);
        Some(entry)
    }

    /// Adds `set` with `handle` unless another thread added it first; returns the entry in
    /// the map either way, remembered in this thread's table.
    pub(super) fn insert(&self, hash: u64, set: S, handle: H) -> (Arc<Entry<S, H>>, bool) {
        let entry = Arc::new(Entry { hash, set, handle });
        let map = self.map.pin();
        let (entry, new) = match map.try_insert(Key(entry.clone()), ()) {
            Ok(()) => (entry, true),
            Err(_) => {
                let kept = map.get_key_value(&entry.set).map(|(key, ())| key.0.clone());
                (
                    kept.expect("an occupied key stays: a family never removes one"),
                    false,
                )
            }
        };
        self.remember(hash, &entry);
        (entry, new)
    }

    fn remember(&self, hash: u64, entry: &Arc<Entry<S, H>>) {
        // A family keeps every entry: none goes stale.
        self.recent.remember(hash, entry, |_| false);
    }

    /// Every set with its handle.
    pub(super) fn entries(&self) -> Vec<(S, H)> {
        self.map
            .pin()
            .iter()
            .map(|(key, ())| (key.0.set.clone(), key.0.handle.clone()))
            .collect()
    }

    pub(super) fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_needs_the_same_set_not_only_the_same_slot() {
        let keyed = Keyed::<String, u32>::new();
        let a = "a".to_owned();
        let hash = keyed.hash(&a);
        assert!(
            keyed.cached(hash, &a, |h| *h).is_err(),
            "nothing cached yet"
        );
        let (entry, new) = keyed.insert(hash, a.clone(), 7);
        assert!(new);
        assert_eq!(entry.handle, 7);
        assert_eq!(keyed.cached(hash, &a, |h| *h).ok(), Some(7));
        // Another set forced into the same slot (same hash) is not taken for `a`.
        assert!(keyed.cached(hash, &"b".to_owned(), |h| *h).is_err());
    }

    #[test]
    fn a_second_insert_keeps_the_first_handle() {
        let keyed = Keyed::<&'static str, u32>::new();
        let hash = keyed.hash(&"x");
        keyed.insert(hash, "x", 1);
        let (entry, new) = keyed.insert(hash, "x", 2);
        assert!(!new);
        assert_eq!(entry.handle, 1);
        assert_eq!(keyed.len(), 1);
        assert_eq!(keyed.entries(), vec![("x", 1)]);
    }

    #[test]
    fn other_threads_find_the_entry_in_the_map_then_in_their_table() {
        let keyed = Keyed::<u64, u64>::new();
        let hash = keyed.hash(&5);
        keyed.insert(hash, 5, 50);
        std::thread::scope(|s| {
            s.spawn(|| {
                assert!(
                    keyed.cached(hash, &5, |h| *h).is_err(),
                    "a new thread's table is empty"
                );
                assert_eq!(keyed.get(hash, &5).map(|e| e.handle), Some(50));
                assert_eq!(keyed.cached(hash, &5, |h| *h).ok(), Some(50));
            });
        });
    }

    #[test]
    fn a_set_colliding_with_a_held_slot_gets_it_once_it_keeps_coming() {
        let keyed = Keyed::<u64, u64>::new();
        // Find two sets that share a slot.
        let first = keyed.hash(&0);
        let slot = |hash: u64| hash >> (64 - SLOTS.trailing_zeros());
        let other = (1..).find(|n| slot(keyed.hash(n)) == slot(first)).unwrap();
        let other_hash = keyed.hash(&other);
        keyed.insert(first, 0, 0);
        keyed.insert(other_hash, other, 1);
        assert_eq!(keyed.cached(first, &0, |h| *h).ok(), Some(0), "kept");
        assert!(keyed.cached(other_hash, &other, |h| *h).is_err());
        // Found in the map again and again: the slot goes over within `ADMIT_EVERY` misses.
        let admitted = (0..16).any(|_| {
            assert_eq!(keyed.get(other_hash, &other).map(|e| e.handle), Some(1));
            keyed.cached(other_hash, &other, |h| *h).is_ok()
        });
        assert!(admitted);
        assert!(keyed.cached(first, &0, |h| *h).is_err(), "evicted");
        assert_eq!(
            keyed.get(first, &0).map(|e| e.handle),
            Some(0),
            "still in the map"
        );
    }
}
