//! A ratatui [`Buffer`] as a standalone SVG: each cell's foreground and
//! background colour, bold, italic, underline and dim kept, box drawing
//! included, in a monospace font on a fixed grid. One `<rect>` per run of
//! equal background and one `<tspan>` per run of equal style on each row.

use std::fmt::Write;

use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};

mod shapes;

use shapes::{is_shape, write_shapes};

/// Cell width and height in pixels, and the font size, for a 14 px monospace font.
pub(super) const CELL_W: f64 = 8.4;
pub(super) const CELL_H: f64 = 16.0;
const FONT_SIZE: f64 = 14.0;
/// Pixels below the last row: a 14 px font's descenders reach ~3.3 px
/// below its baseline, which sits 13 px into a 16 px row.
const BOTTOM_MARGIN: f64 = 4.0;
/// Colours for `Color::Reset`.
const DEFAULT_FG: &str = "#c5c8c6";
const DEFAULT_BG: &str = "#1b1d23";

/// The text style of a run: colour and the modifiers SVG can show.
#[derive(Debug, Clone, PartialEq)]
struct TextStyle {
    fg: String,
    bold: bool,
    italic: bool,
    underline: bool,
    dim: bool,
}

/// Colours of a cell after `REVERSED`, as `(fg, bg)` hex strings.
pub(super) fn colours(cell: &Cell) -> (String, String) {
    let fg = hex(cell.fg).unwrap_or_else(|| DEFAULT_FG.to_string());
    let bg = hex(cell.bg).unwrap_or_else(|| DEFAULT_BG.to_string());
    if cell.modifier.contains(Modifier::REVERSED) {
        (bg, fg)
    } else {
        (fg, bg)
    }
}

fn text_style(cell: &Cell) -> TextStyle {
    TextStyle {
        fg: colours(cell).0,
        bold: cell.modifier.contains(Modifier::BOLD),
        italic: cell.modifier.contains(Modifier::ITALIC),
        underline: cell.modifier.contains(Modifier::UNDERLINED),
        dim: cell.modifier.contains(Modifier::DIM),
    }
}

/// A colour as `#rrggbb`, or `None` for the terminal default.
fn hex(colour: Color) -> Option<String> {
    let (r, g, b) = match colour {
        Color::Reset => return None,
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Indexed(i) => indexed(i),
        named => indexed(named_index(named)),
    };
    Some(format!("#{r:02x}{g:02x}{b:02x}"))
}

fn named_index(colour: Color) -> u8 {
    match colour {
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        _ => 15,
    }
}

/// The xterm 256-colour palette, with a softer first sixteen.
fn indexed(i: u8) -> (u8, u8, u8) {
    const BASE: [(u8, u8, u8); 16] = [
        (0x28, 0x2c, 0x34),
        (0xe0, 0x6c, 0x75),
        (0x98, 0xc3, 0x79),
        (0xe5, 0xc0, 0x7b),
        (0x61, 0xaf, 0xef),
        (0xc6, 0x78, 0xdd),
        (0x56, 0xb6, 0xc2),
        (0xab, 0xb2, 0xbf),
        (0x75, 0x7c, 0x8a),
        (0xff, 0x7b, 0x85),
        (0xb5, 0xe8, 0x90),
        (0xff, 0xd8, 0x8f),
        (0x82, 0xc8, 0xff),
        (0xe0, 0x9a, 0xf5),
        (0x7c, 0xde, 0xea),
        (0xff, 0xff, 0xff),
    ];
    match i {
        0..=15 => BASE[usize::from(i)],
        16..=231 => {
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            let v = i - 16;
            (level(v / 36), level(v / 6 % 6), level(v % 6))
        }
        _ => {
            let g = 8 + (i - 232) * 10;
            (g, g, g)
        }
    }
}

/// XML-escapes text for an element body or attribute.
fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
}

/// The buffer as an SVG document.
pub fn buffer_to_svg(buf: &Buffer) -> String {
    let area = buf.area;
    // A margin below the last row, so its descenders (g, p, y) are not cut.
    let (w, h) = (
        f64::from(area.width) * CELL_W,
        f64::from(area.height) * CELL_H + BOTTOM_MARGIN,
    );
    let mut out = String::with_capacity(usize::from(area.width) * usize::from(area.height) * 8);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.1}\" height=\"{h:.1}\" viewBox=\"0 0 {w:.1} {h:.1}\">\n\
         <style>text{{font-family:'DejaVu Sans Mono','Menlo','Consolas',monospace;font-size:{FONT_SIZE}px;white-space:pre}}</style>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"{DEFAULT_BG}\"/>\n"
    );
    for y in area.top()..area.bottom() {
        let row: Vec<&Cell> = (area.left()..area.right()).map(|x| &buf[(x, y)]).collect();
        let top = f64::from(y - area.y) * CELL_H;
        write_backgrounds(&row, top, &mut out);
        write_shapes(&row, top, &mut out);
        write_text(&row, top, &mut out);
    }
    out.push_str("</svg>\n");
    out
}

/// One rect per run of equal, non-default background.
fn write_backgrounds(row: &[&Cell], top: f64, out: &mut String) {
    let mut x = 0;
    while x < row.len() {
        let bg = colours(row[x]).1;
        let run = row[x..].iter().take_while(|c| colours(c).1 == bg).count();
        if bg != DEFAULT_BG {
            let _ = writeln!(
                out,
                "<rect x=\"{:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{CELL_H:.1}\" fill=\"{bg}\"/>",
                x as f64 * CELL_W,
                run as f64 * CELL_W,
            );
        }
        x += run;
    }
}

/// One `<text>` per row, one `<tspan>` per run of equal style, each placed on the grid.
fn write_text(row: &[&Cell], top: f64, out: &mut String) {
    // DejaVu Sans Mono's ascent: box-drawing glyphs then join row to row.
    let baseline = top + CELL_H * 0.81;
    let mut spans = String::new();
    let mut x = 0;
    while x < row.len() {
        let style = text_style(row[x]);
        let run = row[x..]
            .iter()
            .take_while(|c| text_style(c) == style)
            .count();
        let cells = &row[x..x + run];
        let text: String = cells.iter().map(|c| text_symbol(c)).collect();
        if !text.trim().is_empty() {
            let _ = write!(
                spans,
                "<tspan x=\"{}\" fill=\"{}\"{}{}{}{}>",
                positions(cells, x, &text),
                style.fg,
                if style.bold {
                    " font-weight=\"bold\""
                } else {
                    ""
                },
                if style.italic {
                    " font-style=\"italic\""
                } else {
                    ""
                },
                if style.underline {
                    " text-decoration=\"underline\""
                } else {
                    ""
                },
                if style.dim { " opacity=\"0.6\"" } else { "" },
            );
            escape(&text, &mut spans);
            spans.push_str("</tspan>");
        }
        x += run;
    }
    if !spans.is_empty() {
        let _ = writeln!(
            out,
            "<text y=\"{baseline:.1}\" xml:space=\"preserve\">{spans}</text>"
        );
    }
}

/// What a cell contributes to the text layer: blank where it is drawn as a shape.
fn text_symbol(cell: &Cell) -> &str {
    let mut chars = cell.symbol().chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if is_shape(c) => " ",
        _ => cell.symbol(),
    }
}

/// The `x` of a run: its start for plain ASCII, which every monospace font
/// spaces on the grid; otherwise one position per character, so that glyphs
/// from fallback fonts (braille, blocks, arrows) stay on their cells.
fn positions(cells: &[&Cell], first: usize, text: &str) -> String {
    if text.is_ascii() {
        return format!("{:.1}", first as f64 * CELL_W);
    }
    let mut xs = String::new();
    for (i, cell) in cells.iter().enumerate() {
        for _ in text_symbol(cell).chars() {
            if !xs.is_empty() {
                xs.push(' ');
            }
            let _ = write!(xs, "{:.1}", (first + i) as f64 * CELL_W);
        }
    }
    xs
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    fn sample() -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, 12, 2));
        buf.set_string(
            0,
            0,
            "╭─ a<b & c",
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        );
        buf.set_string(0, 1, "ok", Style::new().bg(Color::Rgb(1, 2, 3)));
        buf
    }

    #[test]
    fn text_colours_and_bold_survive() {
        let svg = buffer_to_svg(&sample());
        assert!(svg.starts_with("<svg ") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("a&lt;b &amp; c"));
        assert!(
            svg.contains("stroke=\"#e06c75\""),
            "box drawing kept as strokes in the text's colour"
        );
        assert!(!svg.contains('╭'), "no box glyph left to the font");
        // The last row's descenders fit: the image ends below its text's baseline + 3.3 px.
        let height: f64 = svg
            .split("height=\"")
            .nth(1)
            .and_then(|h| h.split('"').next())
            .and_then(|h| h.parse().ok())
            .unwrap();
        let last_baseline = svg
            .rsplit("<text y=\"")
            .next()
            .and_then(|t| t.split('"').next())
            .and_then(|y| y.parse::<f64>().ok())
            .unwrap();
        assert!(height - last_baseline >= 3.5, "{height} vs {last_baseline}");
        assert!(svg.contains("fill=\"#e06c75\" font-weight=\"bold\""));
        assert!(svg.contains("fill=\"#010203\""), "background run kept");
    }

    #[test]
    fn tags_balance() {
        let svg = buffer_to_svg(&sample());
        for tag in ["text", "tspan", "svg"] {
            let open =
                svg.matches(&format!("<{tag} ")).count() + svg.matches(&format!("<{tag}>")).count();
            assert_eq!(open, svg.matches(&format!("</{tag}>")).count(), "{tag}");
        }
        assert!(!svg.replace("&amp;", "").replace("&lt;", "").contains('&'));
    }
}
