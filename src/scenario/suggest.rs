//! "Did you mean …?": the closest known word to a misspelt one.

/// The edit distance (insertions, deletions, substitutions) between two words.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut row = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != cb);
            row[j + 1] = substitute.min(prev[j + 1] + 1).min(row[j] + 1);
        }
        std::mem::swap(&mut prev, &mut row);
    }
    prev[b.len()]
}

/// The known word closest to `word`, if it is close enough to be a typo: at
/// most 2 edits and at most half the word's length, or else the only known
/// word that `word` (3 or more characters) abbreviates.
pub fn closest<'k>(word: &str, known: impl IntoIterator<Item = &'k str>) -> Option<&'k str> {
    let lower = word.to_lowercase();
    let len = lower.chars().count();
    let limit = 2.min(len / 2);
    let known: Vec<&str> = known.into_iter().collect();
    let typo = known
        .iter()
        .map(|k| (levenshtein(&lower, k), *k))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, k)| k);
    let mut prefixed = known.iter().filter(|k| len >= 3 && k.starts_with(&lower));
    typo.or(match (prefixed.next(), prefixed.next()) {
        (Some(k), None) => Some(*k),
        _ => None,
    })
}

/// `did you mean `x`?` for a close word, else `None`.
pub fn did_you_mean<'k>(word: &str, known: impl IntoIterator<Item = &'k str>) -> Option<String> {
    closest(word, known).map(|k| format!("did you mean `{k}`?"))
}

/// `a | b | c`, for listing the accepted words.
pub fn one_of(words: &[&str]) -> String {
    words.join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("workers", "workers"), 0);
        assert_eq!(levenshtein("wokers", "workers"), 1);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
    }

    #[test]
    fn close_words_are_suggested_and_far_ones_are_not() {
        let known = ["workers", "queue", "policy"];
        assert_eq!(closest("wokrers", known), Some("workers"));
        assert_eq!(closest("Queue", known), Some("queue"));
        assert_eq!(closest("banana", known), None);
        assert_eq!(closest("q", known), None);
        assert_eq!(closest("b", ["a"]), None);
        assert_eq!(closest("work", known), Some("workers"));
        assert_eq!(
            closest("drop-new", ["block", "drop-newest", "drop-oldest"]),
            Some("drop-newest")
        );
        assert_eq!(
            closest("drop", ["block", "drop-newest", "drop-oldest"]),
            None
        );
    }
}
