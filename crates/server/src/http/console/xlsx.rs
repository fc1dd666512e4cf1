//! A one-sheet XLSX workbook (Office Open XML SpreadsheetML), written by hand: the six parts a
//! workbook needs (content types, the package and workbook relationships, the workbook, one
//! worksheet, the styles), in a zip archive.
//!
//! Why by hand: the console exports one table (the Bills page's month by customer), so a few
//! dozen lines of XML do the job where `rust_xlsxwriter`, even without its default features, is a
//! large crate that brings a compressor along. The archive's entries are Stored (not deflated):
//! the `zip` crate then needs no compression backend (it adds `zip` and `crc32fast`; the rest it
//! uses is already in the tree), a month's bills by customer are small, and the sheet's text stays
//! readable in the file's bytes, so the tenant matrix's search of every answer for another
//! tenant's ids covers this export too. Excel and LibreOffice open Stored archives as they open
//! deflated ones.
//!
//! Money is never a float here: an amount is written as a numeric cell whose value is the
//! decimal string of `Money` (`1234.50`), formatted `0.00`; text is an inline string (never a
//! formula, whatever it starts with).
//!
//! The exports' responses are here too: the same rows as CSV ([`csv_download`]) or as a workbook
//! ([`xlsx_download`]).

use std::io::{Cursor, Write};

use axum::http::header;
use axum::response::{IntoResponse, Response};

use pc_domain::Money;
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

use super::customers::csv_line;
use super::i18n::Lang;
use super::layout::{internal, Page};

/// One cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Cell {
    Text(String),
    Integer(i64),
    /// A numeric cell with two decimals.
    Amount(Money),
}

impl Cell {
    /// The cell as text (the CSV export writes the same rows).
    pub(super) fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Integer(n) => n.to_string(),
            Cell::Amount(m) => m.to_string(),
        }
    }
}

/// The style indexes of `styles.xml`'s `cellXfs`.
const STYLE_AMOUNT: u8 = 1;
const STYLE_HEADER: u8 = 2;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;

/// Fonts: regular, bold. Cell formats: general, `0.00` (built-in format 2), bold.
const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"#;

/// The column's letters: 0 is `A`, 25 `Z`, 26 `AA`.
fn column(mut i: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// `s` as XML text: the five special characters escaped, and the characters XML 1.0 does not
/// allow (controls but tab and newline) left out.
fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

fn cell_xml(out: &mut String, at: &str, cell: &Cell, bold: bool) {
    let style = if bold {
        format!(r#" s="{STYLE_HEADER}""#)
    } else {
        String::new()
    };
    match cell {
        Cell::Text(s) => out.push_str(&format!(
            r#"<c r="{at}" t="inlineStr"{style}><is><t xml:space="preserve">{}</t></is></c>"#,
            xml_text(s)
        )),
        Cell::Integer(n) => out.push_str(&format!(r#"<c r="{at}"{style}><v>{n}</v></c>"#)),
        Cell::Amount(m) => {
            out.push_str(&format!(r#"<c r="{at}" s="{STYLE_AMOUNT}"><v>{m}</v></c>"#))
        }
    }
}

/// The worksheet: the header row in bold and frozen, then the rows.
fn sheet_xml(header: &[&str], rows: &[Vec<Cell>]) -> String {
    let mut out = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><cols>"#,
    );
    for (i, h) in header.iter().enumerate() {
        let width = h.chars().count().max(12) + 2;
        out.push_str(&format!(
            r#"<col min="{n}" max="{n}" width="{width}" customWidth="1"/>"#,
            n = i + 1
        ));
    }
    out.push_str("</cols><sheetData>");
    let mut row = |n: usize, cells: &mut dyn Iterator<Item = Cell>, bold: bool| {
        out.push_str(&format!(r#"<row r="{n}">"#));
        for (i, c) in cells.enumerate() {
            cell_xml(&mut out, &format!("{}{n}", column(i)), &c, bold);
        }
        out.push_str("</row>");
    };
    row(
        1,
        &mut header.iter().map(|h| Cell::Text(h.to_string())),
        true,
    );
    for (k, r) in rows.iter().enumerate() {
        row(k + 2, &mut r.iter().cloned(), false);
    }
    out.push_str("</sheetData></worksheet>");
    out
}

/// A sheet's name: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    if clean.is_empty() {
        "Sheet1".into()
    } else {
        clean
    }
}

/// The workbook of one sheet named `name`: `header` (bold, frozen), then `rows`.
pub(super) fn workbook(
    name: &str,
    header: &[&str],
    rows: &[Vec<Cell>],
) -> zip::result::ZipResult<Vec<u8>> {
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        xml_text(&sheet_name(name))
    );
    let sheet = sheet_xml(header, rows);
    let parts: [(&str, &str); 6] = [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", &workbook),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/styles.xml", STYLES),
        ("xl/worksheets/sheet1.xml", &sheet),
    ];
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for (path, text) in parts {
        zip.start_file(path, options)?;
        zip.write_all(text.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

// ----------------------------------------------------------------------------------------------
// The console's exports: the same rows as CSV or as a workbook.

/// A file to save: `Content-Disposition: attachment`, never cached.
pub(super) fn download(content_type: &str, file: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

/// `header` and `rows` as UTF-8 CSV with a byte-order mark (so Excel opens Chinese correctly).
pub(super) fn csv_download(file: &str, header: &[&str], rows: &[Vec<Cell>]) -> Response {
    let mut out = String::from("\u{feff}");
    csv_line(&mut out, header);
    for r in rows {
        let fields: Vec<String> = r.iter().map(Cell::text).collect();
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        csv_line(&mut out, &fields);
    }
    download("text/csv; charset=utf-8", file, out.into_bytes())
}

/// The same rows as a workbook of one sheet named `sheet`.
#[allow(clippy::result_large_err)] // a page either way, as every console handler returns
pub(super) fn xlsx_download(
    lang: Lang,
    sheet: &str,
    file: &str,
    header: &[&str],
    rows: &[Vec<Cell>],
) -> Page {
    let bytes = workbook(sheet, header, rows).map_err(|e| {
        internal(
            lang,
            pc_app::AppError::internal(format!("writing the workbook: {e}")),
        )
    })?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        file,
        bytes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_like_a_spreadsheet() {
        let got: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702]
            .iter()
            .map(|i| column(*i))
            .collect();
        assert_eq!(got, ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }

    #[test]
    fn text_is_escaped_and_never_a_formula() {
        let sheet = sheet_xml(
            &["a", "b", "c"],
            &[vec![
                Cell::Text("=1+1 <x> & \"q\"\u{1}".into()),
                Cell::Integer(-3),
                Cell::Amount(Money::from_cents(-123_456)),
            ]],
        );
        assert!(sheet.contains(
            r#"<c r="A2" t="inlineStr"><is><t xml:space="preserve">=1+1 &lt;x&gt; &amp; &quot;q&quot;</t></is></c>"#
        ));
        assert!(sheet.contains(r#"<c r="B2"><v>-3</v></c>"#));
        assert!(sheet.contains(r#"<c r="C2" s="1"><v>-1234.56</v></c>"#));
        assert!(sheet.contains(r#"<c r="A1" t="inlineStr" s="2">"#));
        assert!(!sheet.contains("<f>"));
    }

    #[test]
    fn sheet_names_are_what_excel_accepts() {
        assert_eq!(sheet_name("2026-11"), "2026-11");
        assert_eq!(sheet_name("a/b[c]:d*e?f\\g"), "abcdefg");
        assert_eq!(sheet_name(&"x".repeat(40)).len(), 31);
        assert_eq!(sheet_name("///"), "Sheet1");
    }

    #[test]
    fn the_archive_holds_the_six_parts_stored() {
        let bytes = workbook("2026-11", &["x"], &[vec![Cell::Integer(1)]]).unwrap();
        let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        assert_eq!(z.len(), 6);
        for i in 0..z.len() {
            assert_eq!(
                z.by_index(i).unwrap().compression(),
                CompressionMethod::Stored
            );
        }
        assert!(z.by_name("xl/worksheets/sheet1.xml").is_ok());
    }
}
