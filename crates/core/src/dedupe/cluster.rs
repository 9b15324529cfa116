//! From pairs to groups: records linked by duplicate pairs form a cluster,
//! the unit a person reviews and merges.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::compare::Scored;

/// A pair of records worth a look, `a < b`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub a: i64,
    pub b: i64,
    #[serde(flatten)]
    pub scored: Scored,
}

impl Candidate {
    /// Orders the ids.
    pub fn new(x: i64, y: i64, scored: Scored) -> Candidate {
        Candidate {
            a: x.min(y),
            b: x.max(y),
            scored,
        }
    }
}

/// Pairs a user has marked "not a duplicate". Neither reported by a scan
/// nor joined into one cluster through other records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotDuplicates(HashSet<(i64, i64)>);

impl NotDuplicates {
    pub fn new() -> NotDuplicates {
        NotDuplicates::default()
    }

    /// In either order.
    pub fn insert(&mut self, x: i64, y: i64) {
        self.0.insert((x.min(y), x.max(y)));
    }

    pub fn contains(&self, x: i64, y: i64) -> bool {
        !self.0.is_empty() && self.0.contains(&(x.min(y), x.max(y)))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn iter(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.0.iter().copied()
    }
}

impl FromIterator<(i64, i64)> for NotDuplicates {
    fn from_iter<I: IntoIterator<Item = (i64, i64)>>(iter: I) -> Self {
        let mut set = NotDuplicates::new();
        for (x, y) in iter {
            set.insert(x, y);
        }
        set
    }
}

/// Records that are one another's duplicates (or, when `related_only`,
/// branches and head offices of one company), with the pairs that link
/// them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// Ascending.
    pub members: Vec<i64>,
    /// Ordered by ids.
    pub pairs: Vec<Candidate>,
    pub related_only: bool,
}

/// Groups pairs into clusters. Duplicate pairs and related-only pairs are
/// grouped separately (a record may be in one cluster of each kind). Pairs
/// are joined strongest first, and a join that would put two records a user
/// marked as not duplicates into one cluster is skipped, so the pair that
/// would have joined them is left out.
///
/// The order is deterministic: duplicate clusters before related ones, each
/// by its smallest member.
pub fn clusters(pairs: Vec<Candidate>, excluded: &NotDuplicates) -> Vec<Cluster> {
    let (related, duplicates): (Vec<Candidate>, Vec<Candidate>) = pairs
        .into_iter()
        .filter(|c| !excluded.contains(c.a, c.b))
        .partition(|c| c.scored.related_only);
    let mut out = group(duplicates, excluded, false);
    out.extend(group(related, excluded, true));
    out
}

fn group(mut pairs: Vec<Candidate>, excluded: &NotDuplicates, related_only: bool) -> Vec<Cluster> {
    pairs.sort_by(|x, y| {
        y.scored
            .score
            .total_cmp(&x.scored.score)
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    let mut sets = UnionFind::default();
    for (x, y) in excluded.iter() {
        sets.forbid(x, y);
    }
    let mut kept: Vec<Candidate> = Vec::with_capacity(pairs.len());
    for pair in pairs {
        if sets.union(pair.a, pair.b) {
            kept.push(pair);
        }
    }
    let mut by_root: HashMap<usize, Cluster> = HashMap::new();
    for pair in kept {
        let i = sets.index(pair.a);
        let root = sets.find(i);
        let cluster = by_root.entry(root).or_insert_with(|| Cluster {
            members: Vec::new(),
            pairs: Vec::new(),
            related_only,
        });
        cluster.members.extend([pair.a, pair.b]);
        cluster.pairs.push(pair);
    }
    let mut out: Vec<Cluster> = by_root
        .into_values()
        .map(|mut c| {
            c.members.sort_unstable();
            c.members.dedup();
            c.pairs.sort_by_key(|p| (p.a, p.b));
            c
        })
        .collect();
    out.sort_by_key(|c| c.members[0]);
    out
}

/// Union-find over record ids with "cannot link" constraints.
#[derive(Default)]
struct UnionFind {
    index: HashMap<i64, usize>,
    parent: Vec<usize>,
    size: Vec<usize>,
    /// For each root, the ids its members must never share a set with.
    forbidden: Vec<Vec<i64>>,
}

impl UnionFind {
    fn index(&mut self, id: i64) -> usize {
        let next = self.parent.len();
        let i = *self.index.entry(id).or_insert(next);
        if i == next {
            self.parent.push(i);
            self.size.push(1);
            self.forbidden.push(Vec::new());
        }
        i
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn forbid(&mut self, x: i64, y: i64) {
        let (ix, iy) = (self.index(x), self.index(y));
        self.forbidden[ix].push(y);
        self.forbidden[iy].push(x);
    }

    /// Joins the sets of `x` and `y`; false when that is forbidden. Joining
    /// two members of one set is allowed (the pair belongs to it).
    fn union(&mut self, x: i64, y: i64) -> bool {
        let (ix, iy) = (self.index(x), self.index(y));
        let (mut rx, mut ry) = (self.find(ix), self.find(iy));
        if rx == ry {
            return true;
        }
        let clash = |uf: &mut UnionFind, from: usize, to: usize| {
            let ids = uf.forbidden[from].clone();
            ids.into_iter().any(|id| {
                let i = uf.index[&id];
                uf.find(i) == to
            })
        };
        if clash(self, rx, ry) {
            return false;
        }
        if self.size[rx] < self.size[ry] {
            std::mem::swap(&mut rx, &mut ry);
        }
        self.parent[ry] = rx;
        self.size[rx] += self.size[ry];
        let moved = std::mem::take(&mut self.forbidden[ry]);
        self.forbidden[rx].extend(moved);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedupe::Reason;

    fn pair(a: i64, b: i64, score: f32) -> Candidate {
        Candidate::new(
            a,
            b,
            Scored {
                score,
                reasons: vec![Reason::SameMobile],
                related_only: false,
            },
        )
    }

    #[test]
    fn linked_pairs_become_one_cluster_in_a_stable_order() {
        let found = clusters(
            vec![pair(9, 7, 0.9), pair(3, 1, 0.8), pair(7, 5, 0.7)],
            &NotDuplicates::new(),
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].members, vec![1, 3]);
        assert_eq!(found[1].members, vec![5, 7, 9]);
        let linked: Vec<(i64, i64)> = found[1].pairs.iter().map(|p| (p.a, p.b)).collect();
        assert_eq!(linked, vec![(5, 7), (7, 9)]);
    }

    #[test]
    fn records_marked_not_duplicates_are_not_joined_through_a_third() {
        let excluded: NotDuplicates = [(3, 1)].into_iter().collect();
        let found = clusters(vec![pair(1, 2, 0.9), pair(2, 3, 0.7)], &excluded);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].members, vec![1, 2]);
        // The excluded pair itself is dropped even when scanned.
        let found = clusters(vec![pair(1, 3, 0.9)], &excluded);
        assert!(found.is_empty());
    }

    #[test]
    fn related_pairs_form_their_own_clusters() {
        let mut branch = pair(1, 2, 0.8);
        branch.scored.related_only = true;
        let found = clusters(vec![branch, pair(2, 3, 0.9)], &NotDuplicates::new());
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].members.clone(), found[0].related_only),
            (vec![2, 3], false)
        );
        assert_eq!(
            (found[1].members.clone(), found[1].related_only),
            (vec![1, 2], true)
        );
    }
}
