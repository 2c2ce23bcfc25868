//! Header rows made of whole parts with priorities: fitting them to a width
//! by shortening, then dropping, the least important, so a number or a
//! label is never cut in half.

use ratatui::text::{Line, Span};

use crate::tui::theme;

/// Between the parts of a border title.
const TITLE_SEP: &str = " · ";

/// A piece of a header row that is shown whole or not at all.
pub(super) struct Part {
    /// How important the part is: lower stays longer.
    pub(super) priority: u8,
    pub(super) spans: Vec<Span<'static>>,
    /// A shorter whole form to fall back on before the part is dropped.
    pub(super) short: Option<Vec<Span<'static>>>,
    /// In the top border, the part belongs to the right-hand title.
    pub(super) right: bool,
}

impl Part {
    pub(super) fn new(priority: u8, spans: Vec<Span<'static>>) -> Self {
        Self {
            priority,
            spans,
            short: None,
            right: false,
        }
    }

    pub(super) fn or_short(mut self, short: Vec<Span<'static>>) -> Self {
        self.short = Some(short);
        self
    }

    pub(super) fn on_right(mut self) -> Self {
        self.right = true;
        self
    }

    pub(super) fn width(&self) -> usize {
        self.spans.iter().map(Span::width).sum()
    }
}

/// Shortens, then drops, the least important part (the rightmost of equals)
/// until `fits` accepts what is left. What is shown is always whole.
pub(super) fn fit(mut parts: Vec<Part>, fits: impl Fn(&[Part]) -> bool) -> Vec<Part> {
    while !parts.is_empty() && !fits(&parts) {
        let least = (0..parts.len())
            .max_by_key(|&i| parts[i].priority)
            .unwrap_or(0);
        match parts[least].short.take() {
            Some(short) => parts[least].spans = short,
            None => {
                parts.remove(least);
            }
        }
    }
    parts
}

/// Width of `parts` laid out with `sep_width` columns between them.
pub(super) fn joined_width(parts: &[&Part], sep_width: usize) -> usize {
    parts.iter().map(|p| p.width()).sum::<usize>() + sep_width * parts.len().saturating_sub(1)
}

/// The spans of `parts` with `sep` between them.
pub(super) fn join<'a>(
    parts: impl IntoIterator<Item = &'a Part>,
    sep: &Span<'static>,
) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            spans.push(sep.clone());
        }
        spans.extend(part.spans.iter().cloned());
    }
    spans
}

/// A border title: the parts between `·`, padded by a space each side.
pub(super) fn title_line<'a>(parts: impl IntoIterator<Item = &'a Part>) -> Line<'static> {
    let mut spans = join(parts, &Span::styled(TITLE_SEP, theme::label()));
    if !spans.is_empty() {
        spans.insert(0, Span::styled(" ", theme::label()));
        spans.push(Span::raw(" "));
    }
    Line::from(spans)
}

/// Width of [`title_line`] for `parts`.
pub(super) fn title_width(parts: &[&Part]) -> usize {
    match parts {
        [] => 0,
        _ => 2 + joined_width(parts, TITLE_SEP.chars().count()),
    }
}

/// `text` cut to `width` columns with a trailing `…`, or `None` if not even
/// one character and the ellipsis fit.
pub(super) fn ellipsized(text: &str, width: usize) -> Option<String> {
    let mut out = String::new();
    let mut used = 1; // the ellipsis
    for c in text.chars() {
        let w = Span::raw(c.to_string()).width();
        if used + w > width {
            break;
        }
        used += w;
        out.push(c);
    }
    (!out.is_empty()).then(|| out + "…")
}
