//! Reading the console's XLSX exports back in tests.

/// The column index of a cell reference's letters (`A1` is 0, `AB7` is 27).
fn column_of(reference: &str) -> usize {
    reference
        .bytes()
        .take_while(u8::is_ascii_uppercase)
        .fold(0, |n, b| n * 26 + (b - b'A') as usize + 1)
        - 1
}

/// The cells of a worksheet's XML (as [`open_xlsx`] gives it), row by row: each cell's text or
/// number, and whether it is a number. A cell the sheet leaves out (an empty one) is `("",
/// false)`; every row is as long as the header row.
pub fn sheet_rows(xml: &str) -> Vec<Vec<(String, bool)>> {
    let mut rows: Vec<Vec<(String, bool)>> = xml
        .split("<row ")
        .skip(1)
        .map(|row| {
            let row = &row[..row.find("</row>").unwrap_or(row.len())];
            let mut out: Vec<(String, bool)> = Vec::new();
            for c in row.split("<c ").skip(1) {
                let inner = |open: &str, close: &str| {
                    let at = c.find(open)? + open.len();
                    Some(c[at..at + c[at..].find(close)?].to_string())
                };
                let col = column_of(&inner("r=\"", "\"").expect("a cell reference"));
                while out.len() < col {
                    out.push((String::new(), false));
                }
                let cell = match inner("<t xml:space=\"preserve\">", "</t>") {
                    Some(t) => (t, false),
                    None => match inner("<v>", "</v>") {
                        Some(v) => (v, true),
                        None => (String::new(), false),
                    },
                };
                out.push(cell);
            }
            out
        })
        .collect();
    let width = rows.first().map(Vec::len).unwrap_or(0);
    for r in &mut rows {
        while r.len() < width {
            r.push((String::new(), false));
        }
    }
    rows
}

/// The texts of a shared-strings part, in order.
fn shared_strings(xml: &str) -> Vec<String> {
    xml.split("<si>")
        .skip(1)
        .map(|si| {
            let si = &si[..si.find("</si>").unwrap_or(si.len())];
            // Each run's text (`<t>` or `<t xml:space="preserve">`), joined.
            si.split("<t")
                .skip(1)
                .filter_map(|t| {
                    let at = t.find('>')? + 1;
                    Some(&t[at..at + t[at..].find("</t>")?])
                })
                .collect()
        })
        .collect()
}

/// The worksheet with each shared-string cell (`t="s"`, `<v>index</v>`) written inline, so a
/// reader sees the text where the cell is.
fn inline_shared(sheet: &str, strings: &[String]) -> String {
    let mut out = String::with_capacity(sheet.len());
    let mut rest = sheet;
    while let Some(at) = rest.find("<c ") {
        out.push_str(&rest[..at]);
        let open_end = at + rest[at..].find('>').unwrap();
        let cell_end = if rest.as_bytes()[open_end - 1] == b'/' {
            open_end + 1
        } else {
            at + rest[at..].find("</c>").unwrap() + 4
        };
        let cell = &rest[at..cell_end];
        let open_end = cell.find('>').unwrap();
        if cell[..open_end].contains(" t=\"s\"") && cell.contains("<v>") {
            let v0 = cell.find("<v>").unwrap() + 3;
            let v1 = cell.find("</v>").unwrap();
            let i: usize = cell[v0..v1].parse().unwrap();
            let attrs = cell[..open_end].replace(" t=\"s\"", " t=\"inlineStr\"");
            out.push_str(&format!(
                "{attrs}><is><t xml:space=\"preserve\">{}</t></is></c>",
                strings[i]
            ));
        } else {
            out.push_str(cell);
        }
        rest = &rest[cell_end..];
    }
    out.push_str(rest);
    out
}

/// An XLSX's workbook and worksheet XML, checking it is a zip with every part a workbook needs;
/// the worksheet's shared strings are written inline in its cells.
pub fn open_xlsx(bytes: Vec<u8>) -> (String, String) {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    let mut read = |part: &str| {
        let mut out = String::new();
        z.by_name(part)
            .unwrap_or_else(|e| panic!("{part}: {e}"))
            .read_to_string(&mut out)
            .unwrap();
        out
    };
    for part in [
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
    ] {
        assert!(read(part).starts_with("<?xml"), "{part}");
    }
    let sheet = read("xl/worksheets/sheet1.xml");
    let strings = if sheet.contains(" t=\"s\"") {
        shared_strings(&read("xl/sharedStrings.xml"))
    } else {
        Vec::new()
    };
    (read("xl/workbook.xml"), inline_shared(&sheet, &strings))
}

/// The text of every XML part of a workbook, one after another (so a search of a response's
/// body reads the cells of a compressed workbook); `None` when `bytes` is not a zip archive.
pub fn parts_text(bytes: &[u8]) -> Option<String> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let mut out = String::new();
    for i in 0..z.len() {
        let mut part = z.by_index(i).ok()?;
        part.read_to_string(&mut out).ok()?;
        out.push('\n');
    }
    Some(out)
}
