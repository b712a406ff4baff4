//! A small table per thread of the entries it used last, in front of a shared map.
//!
//! A lookup in a shared lock-free map pins an epoch first (papaya's guard: two atomic
//! exchanges), which costs more than the record it leads to. A thread mostly records to the
//! same few series again and again, so it keeps the entries it found last in a
//! direct-mapped table indexed by their hash: finding an entry there is a hash and one
//! comparison, with no atomic read-modify-write. A miss goes to the map and fills the slot (an `Arc` clone, never an
//! allocation once the thread's table exists).
//!
//! A thread that cycles through more keys than its table holds would otherwise pay for a
//! slot change (an `Arc` clone and a drop: two atomic operations) on nearly every record,
//! on top of the map's path. So a slot held by a usable entry is handed over only on every
//! [`ADMIT_EVERY`]th such miss: a key that keeps coming back still gets in within a few
//! records, and a cycling workload pays for few swaps.
//!
//! The table only holds entries; whether one still stands for the key (its series was not
//! removed) is the caller's check, made on every hit and before a slot is handed over.

use std::cell::{Ref, RefCell};
use std::sync::Arc;

use thread_local::ThreadLocal;

/// Of the misses that find their slot held by a usable entry, one in this many takes it.
const ADMIT_EVERY: u32 = 8;

struct Table<T, const SLOTS: usize> {
    slots: [Option<Arc<T>>; SLOTS],
    /// Misses on held slots, counted to admit one in [`ADMIT_EVERY`].
    held_misses: u32,
}

/// Each thread's last `SLOTS` (a power of two) entries, one per slot.
pub(crate) struct Recent<T: Send + Sync, const SLOTS: usize> {
    threads: ThreadLocal<RefCell<Box<Table<T, SLOTS>>>>,
}

impl<T: Send + Sync, const SLOTS: usize> Recent<T, SLOTS> {
    pub(crate) fn new() -> Self {
        const { assert!(SLOTS.is_power_of_two()) };
        Recent {
            threads: ThreadLocal::new(),
        }
    }

    /// The entry in `hash`'s slot of this thread's table, if `matches` accepts it.
    #[inline]
    pub(crate) fn find(&self, hash: u64, matches: impl FnOnce(&T) -> bool) -> Option<Ref<'_, T>> {
        // A shared borrow: should the caller's record ever come back here on this thread,
        // `remember` skips filling a slot rather than fail.
        let table = self.threads.get()?.try_borrow().ok()?;
        Ref::filter_map(table, |t| {
            t.slots[slot::<SLOTS>(hash)]
                .as_deref()
                .filter(|e| matches(e))
        })
        .ok()
    }

    /// Offers `entry` for `hash`'s slot of this thread's table after a miss: it takes an
    /// empty slot or one whose entry is `stale`, and otherwise one offer in
    /// [`ADMIT_EVERY`]. The first call on a thread allocates its table.
    pub(crate) fn remember(&self, hash: u64, entry: &Arc<T>, stale: impl FnOnce(&T) -> bool) {
        let table = self.threads.get_or(|| {
            RefCell::new(Box::new(Table {
                slots: std::array::from_fn(|_| None),
                held_misses: 0,
            }))
        });
        let Ok(mut table) = table.try_borrow_mut() else {
            return;
        };
        let table = &mut **table;
        let slot = &mut table.slots[slot::<SLOTS>(hash)];
        let admit = match slot.as_deref() {
            None => true,
            Some(held) if stale(held) => true,
            Some(_) => {
                table.held_misses = table.held_misses.wrapping_add(1);
                table.held_misses % ADMIT_EVERY == 0
            }
        };
        if admit {
            *slot = Some(entry.clone());
        }
    }
}

/// The slot of `hash`: its top bits (the low bits also pick the map's bucket, and the
/// hashes here are well mixed throughout).
#[inline]
fn slot<const SLOTS: usize>(hash: u64) -> usize {
    match SLOTS.trailing_zeros() {
        0 => 0,
        bits => (hash >> (64 - bits)) as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_needs_a_matching_entry_in_the_slot() {
        let recent = Recent::<u32, 4>::new();
        assert!(recent.find(0, |_| true).is_none(), "nothing yet");
        recent.remember(0, &Arc::new(7), |_| false);
        assert_eq!(recent.find(0, |e| *e == 7).as_deref(), Some(&7));
        assert!(
            recent.find(0, |e| *e == 8).is_none(),
            "another key in the same slot"
        );
        // The next slot (top bits 01) is still empty.
        assert!(recent.find(1 << 62, |_| true).is_none());
        recent.remember(u64::MAX, &Arc::new(9), |_| false);
        assert_eq!(recent.find(u64::MAX, |_| true).as_deref(), Some(&9));
    }

    #[test]
    fn a_held_slot_goes_to_a_stale_entrys_successor_at_once_and_else_one_offer_in_eight() {
        let recent = Recent::<u32, 1>::new();
        recent.remember(1, &Arc::new(1), |_| false);
        recent.remember(2, &Arc::new(2), |held| *held == 1);
        assert_eq!(
            recent.find(1, |_| true).as_deref(),
            Some(&2),
            "stale: replaced"
        );
        for offer in 1..ADMIT_EVERY {
            recent.remember(3, &Arc::new(3), |_| false);
            assert_eq!(
                recent.find(3, |_| true).as_deref(),
                Some(&2),
                "offer {offer}"
            );
        }
        recent.remember(3, &Arc::new(3), |_| false);
        assert_eq!(recent.find(3, |_| true).as_deref(), Some(&3), "admitted");
    }

    #[test]
    fn each_thread_has_its_own_table() {
        let recent = Recent::<u32, 2>::new();
        recent.remember(0, &Arc::new(1), |_| false);
        std::thread::scope(|s| {
            s.spawn(|| {
                assert!(recent.find(0, |_| true).is_none());
                recent.remember(0, &Arc::new(2), |_| false);
                assert_eq!(recent.find(0, |_| true).as_deref(), Some(&2));
            });
        });
        assert_eq!(recent.find(0, |_| true).as_deref(), Some(&1));
    }

    #[test]
    fn a_hit_while_the_table_is_borrowed_still_reads_and_remember_skips() {
        let recent = Recent::<u32, 2>::new();
        recent.remember(0, &Arc::new(1), |_| false);
        let held = recent.find(0, |_| true).expect("hit");
        recent.remember(0, &Arc::new(2), |_| true); // skipped: the table is borrowed
        assert_eq!(recent.find(0, |_| true).as_deref(), Some(&1));
        drop(held);
    }
}
