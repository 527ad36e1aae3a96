//! A tiny document model (headings, paragraphs, lists, tables) rendered to Markdown and to
//! one self-contained, print-friendly HTML file. Reports are built once as a [`Doc`] so the
//! two formats always say the same thing.

use std::fmt::Write as _;

/// Column alignment: numbers read best right-aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(u8, String),
    Para(String),
    /// Small print under a figure: the test, the method, what n means.
    Note(String),
    List(Vec<String>),
    Table {
        header: Vec<String>,
        align: Vec<Align>,
        rows: Vec<Vec<String>>,
    },
    /// A chart (inline SVG, drawn by `plotters`) with its caption and the table of the same
    /// numbers beside it. HTML shows both side by side; Markdown has no inline figures, so
    /// it shows the table and says the figure is in the HTML report.
    Figure {
        svg: String,
        caption: String,
        table: Box<Block>,
    },
}

/// A document: a title and its blocks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Doc {
    pub title: String,
    pub blocks: Vec<Block>,
}

impl Doc {
    pub fn new(title: impl Into<String>) -> Self {
        Doc {
            title: title.into(),
            blocks: Vec::new(),
        }
    }
    pub fn h2(&mut self, t: impl Into<String>) {
        self.blocks.push(Block::Heading(2, t.into()));
    }
    pub fn h3(&mut self, t: impl Into<String>) {
        self.blocks.push(Block::Heading(3, t.into()));
    }
    pub fn para(&mut self, t: impl Into<String>) {
        self.blocks.push(Block::Para(t.into()));
    }
    pub fn note(&mut self, t: impl Into<String>) {
        self.blocks.push(Block::Note(t.into()));
    }
    pub fn list(&mut self, items: Vec<String>) {
        self.blocks.push(Block::List(items));
    }
    /// A table; columns whose header is listed in `right` are right-aligned.
    pub fn table(&mut self, header: &[&str], right: &[&str], rows: Vec<Vec<String>>) {
        self.blocks.push(Block::Table {
            align: header
                .iter()
                .map(|h| {
                    if right.contains(h) {
                        Align::Right
                    } else {
                        Align::Left
                    }
                })
                .collect(),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows,
        });
    }

    /// A figure with the table (the last block added by [`Doc::table`]) beside it: the
    /// table moves into the figure. Without a table before it, the figure stands alone.
    pub fn figure_beside_last_table(&mut self, svg: String, caption: impl Into<String>) {
        let table = match self.blocks.last() {
            Some(Block::Table { .. }) => self.blocks.pop(),
            _ => None,
        };
        self.blocks.push(Block::Figure {
            svg,
            caption: caption.into(),
            table: Box::new(table.unwrap_or(Block::Para(String::new()))),
        });
    }

    /// CommonMark with GitHub tables.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# {}\n", md(&self.title));
        for b in &self.blocks {
            out.push('\n');
            markdown_block(&mut out, b);
        }
        out
    }

    /// One HTML file, styles inline, no scripts, no external resources; tables do not break
    /// across printed pages and headings stay with what follows them.
    pub fn to_html(&self) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
            html(&self.title),
            html(&self.title)
        );
        for b in &self.blocks {
            html_block(&mut out, b);
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

fn markdown_block(out: &mut String, b: &Block) {
    match b {
        Block::Heading(level, t) => {
            let _ = writeln!(out, "{} {}", "#".repeat(*level as usize), md(t));
        }
        Block::Para(t) => {
            let _ = writeln!(out, "{}", md(t));
        }
        Block::Note(t) => {
            let _ = writeln!(out, "*{}*", md(t));
        }
        Block::List(items) => {
            for i in items {
                let _ = writeln!(out, "- {}", md(i));
            }
        }
        Block::Table {
            header,
            align,
            rows,
        } => {
            let cells = |r: &[String]| {
                let v: Vec<String> = r.iter().map(|c| md(c)).collect();
                format!("| {} |\n", v.join(" | "))
            };
            out.push_str(&cells(header));
            let rule: Vec<&str> = align
                .iter()
                .map(|a| match a {
                    Align::Left => "---",
                    Align::Right => "---:",
                })
                .collect();
            let _ = writeln!(out, "| {} |", rule.join(" | "));
            for r in rows {
                out.push_str(&cells(r));
            }
        }
        Block::Figure { caption, table, .. } => {
            markdown_block(out, table);
            let _ = writeln!(out, "\n*Figure (in the HTML report): {}*", md(caption));
        }
    }
}

fn html_block(out: &mut String, b: &Block) {
    match b {
        Block::Heading(level, t) => {
            let _ = writeln!(out, "<h{level}>{}</h{level}>", html(t));
        }
        Block::Para(t) => {
            let _ = writeln!(out, "<p>{}</p>", html(t));
        }
        Block::Note(t) => {
            let _ = writeln!(out, "<p class=\"note\">{}</p>", html(t));
        }
        Block::List(items) => {
            out.push_str("<ul>\n");
            for i in items {
                let _ = writeln!(out, "<li>{}</li>", html(i));
            }
            out.push_str("</ul>\n");
        }
        Block::Table {
            header,
            align,
            rows,
        } => {
            let class = |i: usize| match align.get(i) {
                Some(Align::Right) => " class=\"num\"",
                _ => "",
            };
            out.push_str("<table>\n<thead><tr>");
            for (i, h) in header.iter().enumerate() {
                let _ = write!(out, "<th{}>{}</th>", class(i), html(h));
            }
            out.push_str("</tr></thead>\n<tbody>\n");
            for r in rows {
                out.push_str("<tr>");
                for (i, c) in r.iter().enumerate() {
                    let _ = write!(out, "<td{}>{}</td>", class(i), html(c));
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</tbody>\n</table>\n");
        }
        Block::Figure {
            svg,
            caption,
            table,
        } => {
            out.push_str("<div class=\"figure-row\">\n<figure>\n");
            out.push_str(svg);
            let _ = writeln!(
                out,
                "\n<figcaption>{}</figcaption>\n</figure>",
                html(caption)
            );
            out.push_str("<div class=\"beside\">\n");
            html_block(out, table);
            out.push_str("</div>\n</div>\n");
        }
    }
}

const CSS: &str = "\
body { font-family: system-ui, -apple-system, 'Segoe UI', 'Noto Sans', 'Noto Sans CJK SC', sans-serif;
       font-size: 11pt; line-height: 1.4; color: #000; background: #fff; max-width: 60em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; border-bottom: 2px solid #000; padding-bottom: .2em; }
h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #888; }
h3 { font-size: 1.05em; }
h1, h2, h3 { page-break-after: avoid; break-after: avoid; }
table { border-collapse: collapse; margin: .6em 0; page-break-inside: avoid; break-inside: avoid; }
th, td { border: 1px solid #777; padding: .2em .5em; text-align: left; vertical-align: top; }
th { background: #eee; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
p.note { font-size: .9em; color: #333; font-style: italic; }
div.figure-row { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; break-inside: avoid; page-break-inside: avoid; }
figure { margin: .6em 0; flex: 0 1 560px; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .9em; color: #333; }
div.beside { flex: 1 1 20em; }
@page { margin: 15mm; }
@media print { body { margin: 0; max-width: none; } th { background: #eee !important; print-color-adjust: exact; -webkit-print-color-adjust: exact; } }
";

/// Escapes text for HTML element content and attribute values.
pub fn html(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// Escapes the characters that would start Markdown markup or break a table row; line
/// breaks become spaces so a note typed over several lines stays in its cell.
pub fn md(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '*' | '_' | '`' | '|' | '[' | ']' | '<' | '>' | '#' => {
                o.push('\\');
                o.push(c);
            }
            '\n' | '\r' => o.push(' '),
            _ => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Doc {
        let mut d = Doc::new("Report <1>");
        d.h2("Scores");
        d.table(
            &["patient", "VDS"],
            &["VDS"],
            vec![vec!["a|b".into(), "8.5".into()]],
        );
        d.note("n = 1");
        d.list(vec!["one *star*".into()]);
        d
    }

    #[test]
    fn markdown_escapes_and_aligns() {
        let m = sample().to_markdown();
        assert!(m.starts_with("# Report \\<1\\>\n"));
        assert!(m.contains("| patient | VDS |\n| --- | ---: |\n| a\\|b | 8.5 |\n"));
        assert!(m.contains("- one \\*star\\*\n"));
        assert!(m.contains("*n = 1*"));
    }

    #[test]
    fn html_is_self_contained_and_escaped() {
        let h = sample().to_html();
        assert!(h.starts_with("<!DOCTYPE html>"));
        assert!(h.contains("<title>Report &lt;1&gt;</title>"));
        assert!(h.contains("<td class=\"num\">8.5</td>"));
        assert!(h.contains("@media print"));
        for external in ["<script", "<link", "src=", "http://", "https://"] {
            assert!(!h.contains(external), "{external}");
        }
    }
}
