//! The series of one family: label sets, each once, in the order they were added.
//!
//! Most families hold a handful of series (a derived struct's fields hold one each), and a
//! hash map costs two allocations before its first series; a family of 10,000 series must
//! not compare label sets pairwise. So a family holds its first series inline, then a list
//! searched linearly, and past [`LINEAR`] series the list with an index by hash
//! ([`Indexed`]: insertion-ordered, no sorting of label sets).
//!
//! Finding duplicates is most of the work of grouping a large family, and most label sets
//! are attribute sets as they are ([`Labels::Plain`]). Two of those are the same label set
//! exactly when they are the same attribute set, and an attribute set carries a hash made
//! when it was built. So while every label set of a family is plain, the index hashes the
//! attribute sets (one 64-bit word each) instead of every label name and value; the first
//! other label set turns the index over to hashing labels.

use std::hash::BuildHasher;

use telemetry_core::Attributes;

use super::family::Sample;
use super::labels::Labels;

/// The most series found by comparing label sets one by one.
const LINEAR: usize = 8;

/// Fixed seed: label sets come from our own collections (bounded by the cardinality limit),
/// and a reproducible layout makes output reproducible.
type Hasher = foldhash::fast::FixedState;

#[derive(Debug)]
pub(crate) enum SeriesMap<'a> {
    /// None or one series (a derived struct's field), held inline: no allocation.
    One(Option<(Labels<'a>, Sample<'a>)>),
    Few(Vec<(Labels<'a>, Sample<'a>)>),
    Many(Indexed<'a>),
}

impl Default for SeriesMap<'_> {
    fn default() -> Self {
        SeriesMap::One(None)
    }
}

impl<'a> SeriesMap<'a> {
    /// Makes room for `additional` more series (an index at once when they will not be few).
    pub(crate) fn reserve(&mut self, additional: usize) {
        match self {
            SeriesMap::One(one) if usize::from(one.is_some()) + additional <= 1 => {}
            SeriesMap::One(one) => {
                let mut list = Vec::with_capacity(1 + additional);
                list.extend(one.take());
                *self = SeriesMap::Few(list);
                self.reserve(additional);
            }
            SeriesMap::Few(list) if list.len() + additional <= LINEAR => list.reserve(additional),
            SeriesMap::Few(list) => {
                *self = SeriesMap::Many(Indexed::from_list(std::mem::take(list), additional));
            }
            SeriesMap::Many(indexed) => indexed.reserve(additional),
        }
    }

    /// Adds a series; `Err` gives `labels` back when a series with them is present already.
    /// `set` is the attribute set `labels` were made from, if they are it as it is.
    pub(crate) fn insert_new(
        &mut self,
        labels: Labels<'a>,
        sample: Sample<'a>,
        set: Option<&Attributes>,
    ) -> Result<(), Labels<'a>> {
        if let SeriesMap::One(one) = self {
            match one {
                None => {
                    *one = Some((labels, sample));
                    return Ok(());
                }
                Some((l, _)) if *l == labels => return Err(labels),
                Some(_) => self.reserve(1),
            }
        }
        if let SeriesMap::Few(list) = self {
            if list.iter().any(|(l, _)| *l == labels) {
                return Err(labels);
            }
            if list.len() < LINEAR {
                list.push((labels, sample));
                return Ok(());
            }
            self.reserve(1);
        }
        let SeriesMap::Many(indexed) = self else {
            unreachable!("one series or a list past LINEAR series was turned over just above")
        };
        indexed.insert_new(labels, sample, set)
    }

    pub(crate) fn get_mut(&mut self, labels: &Labels<'a>) -> Option<&mut Sample<'a>> {
        match self {
            SeriesMap::One(one) => one.as_mut().filter(|(l, _)| l == labels).map(|(_, s)| s),
            SeriesMap::Few(list) => list.iter_mut().find(|(l, _)| l == labels).map(|(_, s)| s),
            SeriesMap::Many(indexed) => indexed.get_mut(labels),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        match self {
            SeriesMap::One(one) => one.is_none(),
            SeriesMap::Few(list) => list.is_empty(),
            SeriesMap::Many(indexed) => indexed.list.is_empty(),
        }
    }

    /// The series in the order they were added.
    pub(crate) fn iter(&self) -> Iter<'_, 'a> {
        match self {
            SeriesMap::One(one) => Iter(one.as_slice().iter()),
            SeriesMap::Few(list) => Iter(list.iter()),
            SeriesMap::Many(indexed) => Iter(indexed.list.iter()),
        }
    }
}

/// Many series: the list in insertion order, and an index into it by hash.
#[derive(Debug)]
pub(crate) struct Indexed<'a> {
    list: Vec<(Labels<'a>, Sample<'a>)>,
    /// The hash of each series, by position: the index keeps only positions.
    hashes: Vec<u64>,
    index: hashbrown::HashTable<u32>,
    /// Whether `hashes` are of attribute sets (every label set is plain) or of labels.
    by_set: bool,
}

impl<'a> Indexed<'a> {
    /// The index of `list`, with room for `additional` more. A list that has series
    /// already is hashed by labels (their attribute sets are not at hand).
    fn from_list(list: Vec<(Labels<'a>, Sample<'a>)>, additional: usize) -> Self {
        let mut indexed = Indexed {
            hashes: Vec::new(),
            index: hashbrown::HashTable::new(),
            by_set: list.is_empty(),
            list,
        };
        indexed.reserve(additional);
        if !indexed.by_set {
            indexed.rehash();
        }
        indexed
    }

    fn reserve(&mut self, additional: usize) {
        self.list.reserve(additional);
        self.hashes.reserve(additional);
        let hashes = &self.hashes;
        self.index.reserve(additional, |&at| hashes[at as usize]);
    }

    /// Hashes every series by its labels from now on.
    fn rehash(&mut self) {
        self.hashes.clear();
        self.hashes.extend(
            self.list
                .iter()
                .map(|(labels, _)| Hasher::default().hash_one(labels)),
        );
        self.index.clear();
        let hashes = &self.hashes;
        for (at, &hash) in hashes.iter().enumerate() {
            self.index
                .insert_unique(hash, position(at), |&at| hashes[at as usize]);
        }
    }

    /// The hash of `labels` in this index; turns it over to hashing labels when they are
    /// not `set` as it is.
    fn hash(&mut self, labels: &Labels<'a>, set: Option<&Attributes>) -> u64 {
        if self.by_set {
            match set {
                Some(set) if matches!(labels, Labels::Plain(_)) => {
                    return Hasher::default().hash_one(set);
                }
                _ => {
                    self.by_set = false;
                    self.rehash();
                }
            }
        }
        Hasher::default().hash_one(labels)
    }

    fn insert_new(
        &mut self,
        labels: Labels<'a>,
        sample: Sample<'a>,
        set: Option<&Attributes>,
    ) -> Result<(), Labels<'a>> {
        let hash = self.hash(&labels, set);
        let list = &self.list;
        if self
            .index
            .find(hash, |&at| list[at as usize].0 == labels)
            .is_some()
        {
            return Err(labels);
        }
        let hashes = &self.hashes;
        self.index
            .insert_unique(hash, position(list.len()), |&at| hashes[at as usize]);
        self.list.push((labels, sample));
        self.hashes.push(hash);
        Ok(())
    }

    fn get_mut(&mut self, labels: &Labels<'a>) -> Option<&mut Sample<'a>> {
        let hash = self.hash(labels, None);
        let list = &self.list;
        let at = *self
            .index
            .find(hash, |&at| list[at as usize].0 == *labels)?;
        Some(&mut self.list[at as usize].1)
    }
}

/// A position in the list as the index keeps it. A family holds at most a stream's
/// cardinality limit of series per metric, far below `u32::MAX`.
fn position(at: usize) -> u32 {
    u32::try_from(at).expect("fewer than 2^32 series in one family")
}

impl<'s, 'a> IntoIterator for &'s SeriesMap<'a> {
    type Item = (&'s Labels<'a>, &'s Sample<'a>);
    type IntoIter = Iter<'s, 'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The series of a [`SeriesMap`].
pub(crate) struct Iter<'s, 'a>(std::slice::Iter<'s, (Labels<'a>, Sample<'a>)>);

impl<'s, 'a> Iterator for Iter<'s, 'a> {
    type Item = (&'s Labels<'a>, &'s Sample<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(labels, sample)| (labels, sample))
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use telemetry_core::Number;

    use super::*;

    fn labels(i: usize) -> Labels<'static> {
        Labels::Built(vec![(Cow::Borrowed("id"), Cow::Owned(i.to_string()))])
    }

    fn sample(i: usize) -> Sample<'static> {
        Sample::Number {
            value: Number::U64(i as u64),
            created: None,
        }
    }

    fn values(series: &SeriesMap<'_>) -> Vec<u64> {
        series
            .iter()
            .map(|(_, s)| match s {
                Sample::Number {
                    value: Number::U64(v),
                    ..
                } => *v,
                _ => unreachable!(),
            })
            .collect()
    }

    #[test]
    fn each_label_set_once_in_insertion_order_on_both_sides_of_the_switch() {
        for reserved in [0, 1, 3, 100] {
            let mut series = SeriesMap::default();
            series.reserve(reserved);
            for i in (0..20).rev() {
                assert!(series.insert_new(labels(i), sample(i), None).is_ok());
                // A repeat is refused whether the series is in the list part or the map.
                assert!(series.insert_new(labels(i), sample(99), None).is_err());
                assert!(series.insert_new(labels(19), sample(99), None).is_err());
            }
            assert!(matches!(series, SeriesMap::Many(_)));
            assert_eq!(values(&series), (0..20).rev().collect::<Vec<_>>());
            let Some(Sample::Number { value, .. }) = series.get_mut(&labels(7)) else {
                panic!("series 7 is present");
            };
            assert_eq!(*value, Number::U64(7));
        }
    }

    #[test]
    fn one_series_is_held_inline_and_a_second_makes_a_list() {
        let mut series = SeriesMap::default();
        assert!(series.is_empty());
        series.reserve(1);
        series.insert_new(labels(1), sample(1), None).expect("new");
        assert!(matches!(series, SeriesMap::One(Some(_))));
        assert!(series.insert_new(labels(1), sample(9), None).is_err());
        assert!(series.get_mut(&labels(1)).is_some() && series.get_mut(&labels(2)).is_none());
        series.insert_new(labels(2), sample(2), None).expect("new");
        assert!(matches!(series, SeriesMap::Few(_)));
        assert_eq!(values(&series), [1, 2]);
    }

    #[test]
    fn few_series_stay_a_list() {
        let mut series = SeriesMap::default();
        series.reserve(LINEAR);
        for i in 0..LINEAR {
            series.insert_new(labels(i), sample(i), None).expect("new");
        }
        assert!(matches!(series, SeriesMap::Few(_)));
        assert!(series.insert_new(labels(0), sample(0), None).is_err());
        assert_eq!(series.iter().count(), LINEAR);
        assert!(series.get_mut(&labels(LINEAR)).is_none());
    }

    /// A family of plain label sets, indexed by their attribute sets, then a built label
    /// set equal to one of them: it is found (the index turned over to hashing labels).
    #[test]
    fn plain_sets_are_indexed_by_attribute_set_until_a_built_one_comes() {
        use telemetry_core::KeyValue;

        let sets: Vec<Attributes> = (0..20)
            .map(|i| Attributes::new([KeyValue::new("id", i.to_string())]))
            .collect();
        let mut series = SeriesMap::default();
        series.reserve(sets.len());
        for (i, set) in sets.iter().enumerate() {
            let labels = Labels::of(set, None, None);
            assert!(matches!(labels, Labels::Plain(_)));
            assert!(series.insert_new(labels, sample(i), Some(set)).is_ok());
        }
        let SeriesMap::Many(indexed) = &series else {
            panic!("an index from the start")
        };
        assert!(indexed.by_set);
        // A copy of a set (another allocation, the same pairs) is a duplicate.
        let copy = Attributes::new([KeyValue::new("id", "7")]);
        assert!(series
            .insert_new(Labels::of(&copy, None, None), sample(99), Some(&copy))
            .is_err());
        // The same labels built, not borrowed: found too, once the index hashes labels.
        assert!(series.insert_new(labels(7), sample(99), None).is_err());
        let SeriesMap::Many(indexed) = &series else {
            panic!()
        };
        assert!(!indexed.by_set);
        assert!(series.insert_new(labels(20), sample(20), None).is_ok());
        let fresh = Attributes::new([KeyValue::new("id", "21")]);
        assert!(series
            .insert_new(Labels::of(&fresh, None, None), sample(21), Some(&fresh))
            .is_ok());
        assert!(series
            .insert_new(Labels::of(&copy, None, None), sample(99), Some(&copy))
            .is_err());
        assert_eq!(values(&series), (0..22).collect::<Vec<_>>());
        let Some(Sample::Number { value, .. }) = series.get_mut(&labels(21)) else {
            panic!("series 21 is present");
        };
        assert_eq!(*value, Number::U64(21));
    }

    /// Random families of plain and built label sets with repeats, against a plain list
    /// searched linearly: the same series kept, in the same order, the same refused.
    #[test]
    fn any_mix_of_plain_and_built_sets_matches_a_linear_search() {
        use telemetry_core::KeyValue;

        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |below: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % below
        };
        let sets: Vec<Attributes> = (0..40)
            .map(|i| Attributes::new([KeyValue::new("id", i.to_string())]))
            .collect();
        for round in 0..200 {
            let (count, built_share) = (next(60), next(4));
            let mut series = SeriesMap::default();
            series.reserve(next(2) as usize * count as usize);
            let mut expected: Vec<(Labels<'_>, usize)> = Vec::new();
            for n in 0..count as usize {
                let i = next(40) as usize;
                let (labels, set) = if next(4) < built_share {
                    (labels(i), None)
                } else {
                    (Labels::of(&sets[i], None, None), Some(&sets[i]))
                };
                let fresh = !expected.iter().any(|(l, _)| *l == labels);
                if fresh {
                    expected.push((labels.clone(), n));
                }
                let got = series.insert_new(labels, sample(n), set).is_ok();
                assert_eq!(got, fresh, "round {round}, insert {n}");
            }
            let want: Vec<u64> = expected.iter().map(|(_, n)| *n as u64).collect();
            assert_eq!(values(&series), want, "round {round}");
        }
    }
}
