//! The ranking collector: counts and ranks in one pass, reading the publication time only
//! for contenders (equal scores go newest first).

use super::*;

/// Counts the matches and keeps the best `keep` of them by score, equal scores newest first:
/// one pass over the matches. Written here rather than composed from tantivy's `Count` and a
/// score-tweaking `TopDocs` because that reads every match's publication time to build its
/// sort key, where this reads it only for a match good enough to enter the kept set (about a
/// tenth of the work of a query made of common words).
pub(super) struct Ranked {
    pub(super) keep: usize,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct RankedDoc {
    score: Score,
    published: i64,
    pub(super) doc: DocAddress,
}

impl RankedDoc {
    /// Better is greater: higher score, then newer, then (for a stable order) earlier address.
    fn cmp_key(&self, other: &Self) -> std::cmp::Ordering {
        self.score
            .total_cmp(&other.score)
            .then(self.published.cmp(&other.published))
            .then(other.doc.cmp(&self.doc))
    }
}

impl PartialEq for RankedDoc {
    fn eq(&self, other: &Self) -> bool {
        self.cmp_key(other).is_eq()
    }
}
impl Eq for RankedDoc {}
impl PartialOrd for RankedDoc {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for RankedDoc {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.cmp_key(other)
    }
}

pub(super) struct RankedSegment {
    keep: usize,
    segment: u32,
    count: usize,
    published: Option<tantivy::columnar::Column<i64>>,
    /// The kept matches, worst on top.
    pub(super) kept: std::collections::BinaryHeap<std::cmp::Reverse<RankedDoc>>,
}

impl Collector for Ranked {
    type Fruit = (usize, Vec<RankedDoc>);
    type Child = RankedSegment;

    fn for_segment(&self, segment: u32, reader: &SegmentReader) -> tantivy::Result<RankedSegment> {
        Ok(RankedSegment {
            keep: self.keep,
            segment,
            count: 0,
            published: reader.fast_fields().i64("published").ok(),
            // Grown as matches come: `keep` is as large as the page asked for, and a deep page
            // over a segment with few matches must not reserve room for all of them.
            kept: std::collections::BinaryHeap::with_capacity(self.keep.min(256) + 1),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<(usize, Vec<RankedDoc>)>) -> tantivy::Result<Self::Fruit> {
        let total = fruits.iter().map(|f| f.0).sum();
        let mut all: Vec<RankedDoc> = fruits.into_iter().flat_map(|f| f.1).collect();
        all.sort_unstable_by(|a, b| b.cmp(a));
        all.truncate(self.keep);
        Ok((total, all))
    }
}

impl SegmentCollector for RankedSegment {
    type Fruit = (usize, Vec<RankedDoc>);

    fn collect(&mut self, doc: DocId, score: Score) {
        self.count += 1;
        let full = self.kept.len() >= self.keep;
        if full && self.kept.peek().is_some_and(|w| score < w.0.score) {
            return;
        }
        let published = self
            .published
            .as_ref()
            .and_then(|c| c.first(doc))
            .unwrap_or(0);
        let candidate = RankedDoc {
            score,
            published,
            doc: DocAddress::new(self.segment, doc),
        };
        if !full {
            self.kept.push(std::cmp::Reverse(candidate));
        } else if self.kept.peek().is_some_and(|w| candidate > w.0) {
            self.kept.pop();
            self.kept.push(std::cmp::Reverse(candidate));
        }
    }

    fn harvest(self) -> Self::Fruit {
        (self.count, self.kept.into_iter().map(|r| r.0).collect())
    }
}
