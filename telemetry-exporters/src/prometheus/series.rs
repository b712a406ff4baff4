//! The series of one family: label sets, each once, in the order they were added.
//!
//! Most families hold a handful of series (a derived struct's fields hold one each), and a
//! hash map costs two allocations before its first series; a family of 10,000 series must
//! not compare label sets pairwise. So a family holds its first series inline, then a list
//! searched linearly, and becomes a hash map (insertion-ordered, no sorting of label sets)
//! past [`LINEAR`] series.

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
    Many(indexmap::IndexMap<Labels<'a>, Sample<'a>, Hasher>),
}

impl Default for SeriesMap<'_> {
    fn default() -> Self {
        SeriesMap::One(None)
    }
}

impl<'a> SeriesMap<'a> {
    /// Makes room for `additional` more series (a map at once when they will not be few).
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
                let mut map = indexmap::IndexMap::with_capacity_and_hasher(
                    list.len() + additional,
                    Hasher::default(),
                );
                map.extend(list.drain(..));
                *self = SeriesMap::Many(map);
            }
            SeriesMap::Many(map) => map.reserve(additional),
        }
    }

    /// Adds a series; `Err` gives `labels` back when a series with them is present already.
    pub(crate) fn insert_new(
        &mut self,
        labels: Labels<'a>,
        sample: Sample<'a>,
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
        let SeriesMap::Many(map) = self else {
            unreachable!("one series or a list past LINEAR series was turned over just above")
        };
        match map.entry(labels) {
            indexmap::map::Entry::Vacant(v) => {
                v.insert(sample);
                Ok(())
            }
            indexmap::map::Entry::Occupied(o) => Err(o.key().clone()),
        }
    }

    pub(crate) fn get_mut(&mut self, labels: &Labels<'a>) -> Option<&mut Sample<'a>> {
        match self {
            SeriesMap::One(one) => one.as_mut().filter(|(l, _)| l == labels).map(|(_, s)| s),
            SeriesMap::Few(list) => list.iter_mut().find(|(l, _)| l == labels).map(|(_, s)| s),
            SeriesMap::Many(map) => map.get_mut(labels),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        match self {
            SeriesMap::One(one) => one.is_none(),
            SeriesMap::Few(list) => list.is_empty(),
            SeriesMap::Many(map) => map.is_empty(),
        }
    }

    /// The series in the order they were added.
    pub(crate) fn iter(&self) -> Iter<'_, 'a> {
        match self {
            SeriesMap::One(one) => Iter::One(one.iter()),
            SeriesMap::Few(list) => Iter::Few(list.iter()),
            SeriesMap::Many(map) => Iter::Many(map.iter()),
        }
    }
}

impl<'s, 'a> IntoIterator for &'s SeriesMap<'a> {
    type Item = (&'s Labels<'a>, &'s Sample<'a>);
    type IntoIter = Iter<'s, 'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The series of a [`SeriesMap`].
pub(crate) enum Iter<'s, 'a> {
    One(std::option::Iter<'s, (Labels<'a>, Sample<'a>)>),
    Few(std::slice::Iter<'s, (Labels<'a>, Sample<'a>)>),
    Many(indexmap::map::Iter<'s, Labels<'a>, Sample<'a>>),
}

impl<'s, 'a> Iterator for Iter<'s, 'a> {
    type Item = (&'s Labels<'a>, &'s Sample<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::One(it) => it.next().map(|(labels, sample)| (labels, sample)),
            Iter::Few(it) => it.next().map(|(labels, sample)| (labels, sample)),
            Iter::Many(it) => it.next(),
        }
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
                assert!(series.insert_new(labels(i), sample(i)).is_ok());
                // A repeat is refused whether the series is in the list part or the map.
                assert!(series.insert_new(labels(i), sample(99)).is_err());
                assert!(series.insert_new(labels(19), sample(99)).is_err());
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
        series.insert_new(labels(1), sample(1)).expect("new");
        assert!(matches!(series, SeriesMap::One(Some(_))));
        assert!(series.insert_new(labels(1), sample(9)).is_err());
        assert!(series.get_mut(&labels(1)).is_some() && series.get_mut(&labels(2)).is_none());
        series.insert_new(labels(2), sample(2)).expect("new");
        assert!(matches!(series, SeriesMap::Few(_)));
        assert_eq!(values(&series), [1, 2]);
    }

    #[test]
    fn few_series_stay_a_list() {
        let mut series = SeriesMap::default();
        series.reserve(LINEAR);
        for i in 0..LINEAR {
            series.insert_new(labels(i), sample(i)).expect("new");
        }
        assert!(matches!(series, SeriesMap::Few(_)));
        assert!(series.insert_new(labels(0), sample(0)).is_err());
        assert_eq!(series.iter().count(), LINEAR);
        assert!(series.get_mut(&labels(LINEAR)).is_none());
    }
}
