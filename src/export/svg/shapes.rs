//! Box drawing, block elements and braille drawn as SVG shapes rather than
//! glyphs: fonts and renderers disagree on their metrics (rsvg drops some box
//! corners outright), while shapes always meet their neighbours.

use std::fmt::Write;

use ratatui::buffer::Cell;
use ratatui::style::Modifier;

use super::{CELL_H, CELL_W, colours};

/// Box drawing, block elements and braille are drawn as shapes, not glyphs:
/// fonts and renderers disagree on their metrics (rsvg drops some box
/// corners outright), while shapes always meet their neighbours.
pub(super) fn is_shape(c: char) -> bool {
    arms(c).is_some() || block(c).is_some() || ('\u{2801}'..='\u{28ff}').contains(&c)
}

/// The arms of a box-drawing character: (left, right, up, down) as stroke
/// weights (0 none, 1 light, 2 heavy), and whether its corner is rounded.
fn arms(c: char) -> Option<([u8; 4], bool)> {
    let a = match c {
        '─' => [1, 1, 0, 0],
        '━' => [2, 2, 0, 0],
        '│' => [0, 0, 1, 1],
        '┃' => [0, 0, 2, 2],
        '┌' | '╭' => [0, 1, 0, 1],
        '┐' | '╮' => [1, 0, 0, 1],
        '└' | '╰' => [0, 1, 1, 0],
        '┘' | '╯' => [1, 0, 1, 0],
        '┏' => [0, 2, 0, 2],
        '┓' => [2, 0, 0, 2],
        '┗' => [0, 2, 2, 0],
        '┛' => [2, 0, 2, 0],
        '├' => [0, 1, 1, 1],
        '┤' => [1, 0, 1, 1],
        '┬' => [1, 1, 0, 1],
        '┴' => [1, 1, 1, 0],
        '┼' => [1, 1, 1, 1],
        _ => return None,
    };
    Some((a, matches!(c, '╭' | '╮' | '╰' | '╯')))
}

/// A block element as the fraction of its cell it fills: (x, y, w, h) in 0..=1.
fn block(c: char) -> Option<(f64, f64, f64, f64)> {
    let eighth = |n: u32| f64::from(n) / 8.0;
    Some(match c {
        '█' => (0.0, 0.0, 1.0, 1.0),
        '▀' => (0.0, 0.0, 1.0, 0.5),
        '▐' => (0.5, 0.0, 0.5, 1.0),
        '\u{2581}'..='\u{2587}' => {
            let h = eighth(c as u32 - 0x2580);
            (0.0, 1.0 - h, 1.0, h)
        }
        '\u{2589}'..='\u{258f}' => (0.0, 0.0, eighth(0x2590 - c as u32), 1.0),
        _ => return None,
    })
}

/// The shapes of a row: box-drawing strokes, block rects and braille dots,
/// in each cell's foreground colour.
pub(super) fn write_shapes(row: &[&Cell], top: f64, out: &mut String) {
    for (i, cell) in row.iter().enumerate() {
        let mut chars = cell.symbol().chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            continue;
        };
        if !is_shape(c) {
            continue;
        }
        let fg = colours(cell).0;
        let opacity = if cell.modifier.contains(Modifier::DIM) {
            " opacity=\"0.6\""
        } else {
            ""
        };
        let (x0, y0) = (i as f64 * CELL_W, top);
        if let Some((a, rounded)) = arms(c) {
            write_box(a, rounded, x0, y0, &fg, opacity, out);
        } else if let Some((bx, by, bw, bh)) = block(c) {
            let _ = writeln!(
                out,
                "<rect x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"{fg}\"{opacity}/>",
                x0 + bx * CELL_W,
                y0 + by * CELL_H,
                bw * CELL_W,
                bh * CELL_H,
            );
        } else {
            let bits = c as u32 - 0x2800;
            // Braille dot numbering: 1 2 3 7 down the left, 4 5 6 8 down the right.
            const DOTS: [(u32, f64, f64); 8] = [
                (0x01, 0.0, 0.0),
                (0x02, 0.0, 1.0),
                (0x04, 0.0, 2.0),
                (0x08, 1.0, 0.0),
                (0x10, 1.0, 1.0),
                (0x20, 1.0, 2.0),
                (0x40, 0.0, 3.0),
                (0x80, 1.0, 3.0),
            ];
            let mut path = String::new();
            for (bit, col, line) in DOTS {
                if bits & bit != 0 {
                    let cx = x0 + CELL_W * (0.27 + 0.46 * col);
                    let cy = y0 + CELL_H * (0.125 + 0.25 * line);
                    let _ = write!(path, "M{:.2} {:.2}h2v2h-2z", cx - 1.0, cy - 1.0);
                }
            }
            let _ = writeln!(out, "<path d=\"{path}\" fill=\"{fg}\"{opacity}/>");
        }
    }
}

/// One box-drawing cell as strokes from its centre to the edges it joins.
fn write_box(
    arms: [u8; 4],
    rounded: bool,
    x0: f64,
    y0: f64,
    fg: &str,
    opacity: &str,
    out: &mut String,
) {
    let (cx, cy) = (x0 + CELL_W / 2.0, y0 + CELL_H / 2.0);
    let (x1, y1) = (x0 + CELL_W, y0 + CELL_H);
    let [left, right, up, down] = arms;
    let heavy = arms.contains(&2);
    let width = if heavy { 2.6 } else { 1.3 };
    let mut d = String::new();
    if rounded {
        // A quarter circle joining the two arms.
        let r = CELL_W / 2.0;
        let (hx, sx) = if left > 0 { (x0, -1.0) } else { (x1, 1.0) };
        let (vy, sy) = if up > 0 { (y0, -1.0) } else { (y1, 1.0) };
        let _ = write!(
            d,
            "M{hx:.2} {cy:.2}H{:.2}Q{cx:.2} {cy:.2} {cx:.2} {:.2}V{vy:.2}",
            cx + sx * r,
            cy + sy * r,
        );
    } else {
        // Horizontal and vertical strokes through the centre; a corner's
        // two arms meet there (square caps fill the joint).
        let h = match (left > 0, right > 0) {
            (true, true) => Some((x0, x1)),
            (true, false) => Some((x0, cx)),
            (false, true) => Some((cx, x1)),
            (false, false) => None,
        };
        let v = match (up > 0, down > 0) {
            (true, true) => Some((y0, y1)),
            (true, false) => Some((y0, cy)),
            (false, true) => Some((cy, y1)),
            (false, false) => None,
        };
        if let Some((a, b)) = h {
            let _ = write!(d, "M{a:.2} {cy:.2}H{b:.2}");
        }
        if let Some((a, b)) = v {
            let _ = write!(d, "M{cx:.2} {a:.2}V{b:.2}");
        }
    }
    let cap = if h_and_v(arms) && !rounded {
        " stroke-linecap=\"square\""
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "<path d=\"{d}\" fill=\"none\" stroke=\"{fg}\" stroke-width=\"{width}\"{cap}{opacity}/>"
    );
}

/// Whether a box character has both a horizontal and a vertical arm.
fn h_and_v([left, right, up, down]: [u8; 4]) -> bool {
    (left > 0 || right > 0) && (up > 0 || down > 0)
}
