//! Text statistics shared by the two extensions.
use indexmap::IndexMap;
use rayon::prelude::*;
use regex::Regex;
use serde::Serialize;
use unicode_segmentation::UnicodeSegmentation;

/// Lower-cased words, in order.
pub fn words(text: &str) -> Vec<String> {
    text.unicode_words().map(|w| w.to_lowercase()).collect()
}

/// Word -> count, in order of first appearance; lines are counted in parallel.
pub fn word_counts(text: &str) -> IndexMap<String, u64> {
    let per_line: Vec<Vec<String>> = text.par_lines().map(words).collect();
    let mut counts = IndexMap::new();
    for word in per_line.into_iter().flatten() {
        *counts.entry(word).or_insert(0) += 1;
    }
    counts
}

/// Every match of `pattern` in `text`.
pub fn find_all(pattern: &str, text: &str) -> Result<Vec<String>, regex::Error> {
    let re = Regex::new(pattern)?;
    Ok(re.find_iter(text).map(|m| m.as_str().to_owned()).collect())
}

#[derive(Serialize)]
pub struct Summary {
    pub words: usize,
    pub distinct: usize,
    pub top: Vec<(String, u64)>,
}

/// Counts and the `n` most frequent words.
pub fn summary(text: &str, n: usize) -> Summary {
    let counts = word_counts(text);
    let mut top: Vec<(String, u64)> = counts.iter().map(|(w, c)| (w.clone(), *c)).collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(n);
    Summary { words: counts.values().sum::<u64>() as usize, distinct: counts.len(), top }
}

pub fn summary_json(text: &str, n: usize) -> String {
    serde_json::to_string(&summary(text, n)).expect("a summary always serializes")
}
