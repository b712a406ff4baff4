//! The families of a scrape by name: a vector kept sorted.
//!
//! A scrape builds this map afresh each time. Our collections list metrics sorted by name
//! within a scope, so nearly every new family goes at the end (one comparison, no tree
//! nodes to allocate and free): a tree map was a tenth of a 33-metric scrape.

use std::borrow::Cow;

/// Values by name, in name order, each name once.
#[derive(Debug)]
pub(crate) struct ByName<'a, V> {
    entries: Vec<(Cow<'a, str>, V)>,
}

impl<V> Default for ByName<'_, V> {
    fn default() -> Self {
        ByName {
            entries: Vec::new(),
        }
    }
}

impl<'a, V> ByName<'a, V> {
    /// Where `name` is (`Ok`) or would go (`Err`).
    fn find(&self, name: &str) -> Result<usize, usize> {
        match self.entries.last() {
            None => Err(0),
            Some((last, _)) if **last < *name => Err(self.entries.len()),
            Some(_) => self.entries.binary_search_by(|(n, _)| (**n).cmp(name)),
        }
    }

    /// The entry of `name`, created by `insert` if absent: its name, value, and whether it
    /// is new.
    pub(crate) fn entry_with(
        &mut self,
        name: Cow<'a, str>,
        insert: impl FnOnce() -> V,
    ) -> (&Cow<'a, str>, &mut V, bool) {
        let (index, new) = match self.find(&name) {
            Ok(index) => (index, false),
            Err(index) => {
                self.entries.insert(index, (name, insert()));
                (index, true)
            }
        };
        let (name, value) = &mut self.entries[index];
        (name, value, new)
    }

    pub(crate) fn remove(&mut self, name: &str) -> Option<V> {
        let index = self.find(name).ok()?;
        Some(self.entries.remove(index).1)
    }

    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&V) -> bool) {
        self.entries.retain(|(_, value)| keep(value));
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Cow<'a, str>, &V)> {
        self.entries.iter().map(|(name, value)| (name, value))
    }
}

impl<'s, 'a, V> IntoIterator for &'s ByName<'a, V> {
    type Item = (&'s Cow<'a, str>, &'s V);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'s, (Cow<'a, str>, V)>,
        fn(&'s (Cow<'a, str>, V)) -> (&'s Cow<'a, str>, &'s V),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(name, value)| (name, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_by_name_each_name_once_whatever_the_order_of_arrival() {
        let mut map = ByName::default();
        for (i, name) in ["b", "d", "a", "c", "d", "e", "a"].into_iter().enumerate() {
            let (_, value, new) = map.entry_with(Cow::Borrowed(name), || i);
            assert_eq!(new, *value == i, "{name}");
        }
        let entries: Vec<(&str, usize)> = map.iter().map(|(n, v)| (&**n, *v)).collect();
        assert_eq!(entries, [("a", 2), ("b", 0), ("c", 3), ("d", 1), ("e", 5)]);
        assert_eq!(map.remove("c"), Some(3));
        assert_eq!(map.remove("c"), None);
        assert_eq!(map.remove("zz"), None);
        map.retain(|v| *v != 0);
        let names: Vec<&str> = (&map).into_iter().map(|(n, _)| &**n).collect();
        assert_eq!(names, ["a", "d", "e"]);
    }
}
