//! Writes the briefing's [`Block`]s as one self-contained HTML page (inline CSS, SVG map and
//! charts inline, no scripts, nothing fetched), laid out for A4 when printed.

use super::words::t;
use super::{Block, Cell, Picture, Tone};
use crate::render::charts::Lang;

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
@page { size: A4; margin: 16mm 16mm 18mm; }
body { font-family: 'DejaVu Sans', 'Noto Sans', Arial, sans-serif; color: #191919;
  font-size: 10pt; line-height: 1.35; max-width: 180mm; margin: 0 auto; padding: 8mm 0; }
header { border-top: 4px solid #123462; padding-top: 10px; border-bottom: 1px solid #bec4cd;
  margin-bottom: 12px; }
.kicker { color: #123462; font-weight: bold; font-size: 8pt; letter-spacing: .03em; }
h1 { font-size: 18pt; margin: 4px 0; }
header p { color: #646464; margin: 2px 0; font-size: 9pt; }
h2 { color: #123462; font-size: 12pt; margin: 16px 0 6px; break-after: avoid; }
.notice { background: #fff4d6; border: 1.2px solid #d69600; color: #7a4a00; font-weight: bold;
  padding: 6px 10px; margin: 8px 0 12px; font-size: 9pt; }
.tiles { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; margin-bottom: 10px; }
.tile { background: #f6f7f9; border: .6px solid #bec4cd; border-left: 3px solid #123462;
  padding: 6px 10px; display: flex; gap: 8px; align-items: center; }
.tile b { font-size: 16pt; }
.tile span { font-size: 8pt; }
.tile.bad { border-left-color: #b01212; } .tile.bad b { color: #b01212; }
.tile.good { border-left-color: #166e32; } .tile.good b { color: #166e32; }
.tile.strong b { color: #123462; }
table { width: 100%; border-collapse: collapse; font-size: 8pt; margin-bottom: 10px; }
th { background: #e2e8f0; text-align: left; }
th, td { padding: 3px 4px; border-bottom: .4px solid #bec4cd; vertical-align: top; }
tr:nth-child(even) td { background: #f6f7f9; }
thead { display: table-header-group; } tr { break-inside: avoid; }
.sw { display: inline-block; width: 8px; height: 8px; margin-right: 4px;
  border: .4px solid #646464; }
.strong { font-weight: bold; } .bad { color: #b01212; font-weight: bold; }
.good { color: #166e32; font-weight: bold; } .muted { color: #646464; }
figure { margin: 6px 0 12px; break-inside: avoid; }
figure svg { width: 100%; height: auto; border: .6px solid #bec4cd; display: block; }
figcaption { color: #646464; font-size: 8pt; margin-top: 3px; }
.break { break-after: page; }
p { margin: 4px 0 8px; }
";

fn tone_class(t: Tone) -> &'static str {
    match t {
        Tone::Normal => "",
        Tone::Strong => "strong",
        Tone::Good => "good",
        Tone::Bad => "bad",
        Tone::Muted => "muted",
    }
}

fn cell(tag: &str, c: &Cell) -> String {
    let swatch = c.swatch.map_or(String::new(), |(r, g, b)| {
        format!("<span class=\"sw\" style=\"background:#{r:02x}{g:02x}{b:02x}\"></span>")
    });
    let class = tone_class(c.tone);
    let class = if class.is_empty() {
        String::new()
    } else {
        format!(" class=\"{class}\"")
    };
    format!("<{tag}{class}>{swatch}{}</{tag}>", escape(&c.text))
}

/// The HTML page of `blocks`.
pub fn write(blocks: &[Block], title: &str, lang: Lang) -> String {
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"hotspot\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n\
         </head>\n<body>\n",
        t(lang, "vi", "en"),
        escape(title)
    );
    for b in blocks {
        match b {
            Block::Header {
                kicker,
                title,
                lines,
            } => {
                h += &format!(
                    "<header>\n<div class=\"kicker\">{}</div>\n<h1>{}</h1>\n",
                    escape(kicker),
                    escape(title)
                );
                for l in lines {
                    h += &format!("<p>{}</p>\n", escape(l));
                }
                h += "</header>\n";
            }
            Block::Notice(s) => {
                h += &format!("<div class=\"notice\" role=\"note\">{}</div>\n", escape(s));
            }
            Block::Tiles(ts) => {
                h += "<div class=\"tiles\">\n";
                for (v, label, tone) in ts {
                    h += &format!(
                        "<div class=\"tile {}\"><b>{}</b><span>{}</span></div>\n",
                        tone_class(*tone),
                        escape(v),
                        escape(label)
                    );
                }
                h += "</div>\n";
            }
            Block::Heading(s) => h += &format!("<h2>{}</h2>\n", escape(s)),
            Block::Paragraph(s) => h += &format!("<p>{}</p>\n", escape(s)),
            Block::Table { header, rows, .. } => {
                h += "<table>\n<thead><tr>";
                for c in header {
                    h += &format!("<th>{}</th>", escape(c));
                }
                h += "</tr></thead>\n<tbody>\n";
                for row in rows {
                    h += "<tr>";
                    for c in row {
                        h += &cell("td", c);
                    }
                    h += "</tr>\n";
                }
                h += "</tbody>\n</table>\n";
            }
            Block::Figure {
                picture, caption, ..
            } => {
                let inner = match picture {
                    // Our own SVG (plotters output): inline, so the page stands alone.
                    Picture::Svg(svg) => svg
                        .find("<svg")
                        .map_or(svg.as_str(), |i| &svg[i..])
                        .to_string(),
                    Picture::Png { .. } => String::new(),
                };
                h += &format!(
                    "<figure>\n{inner}\n<figcaption>{}</figcaption>\n</figure>\n",
                    escape(caption)
                );
            }
            Block::PageBreak => h += "<div class=\"break\"></div>\n",
        }
    }
    h += "</body>\n</html>\n";
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        let html = write(
            &[Block::Paragraph("<script>alert('x')</script> & Cựu".into())],
            "a<b",
            Lang::Vi,
        );
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Cựu"));
        assert!(html.contains("<title>a&lt;b</title>"));
    }
}
