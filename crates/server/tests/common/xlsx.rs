//! Reading the console's XLSX exports back in tests.

/// The cells of a worksheet's XML, row by row: each cell's text or number, and whether it is a
/// number.
pub fn sheet_rows(xml: &str) -> Vec<Vec<(String, bool)>> {
    xml.split("<row ")
        .skip(1)
        .map(|row| {
            let row = &row[..row.find("</row>").unwrap()];
            row.split("<c ")
                .skip(1)
                .map(|c| {
                    let inner = |open: &str, close: &str| {
                        let at = c.find(open)? + open.len();
                        Some(c[at..at + c[at..].find(close)?].to_string())
                    };
                    match inner("<t xml:space=\"preserve\">", "</t>") {
                        Some(t) => (t, false),
                        None => (inner("<v>", "</v>").unwrap(), true),
                    }
                })
                .collect()
        })
        .collect()
}

/// An XLSX's workbook and worksheet XML, checking it is a zip with every part a workbook needs.
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
    (read("xl/workbook.xml"), read("xl/worksheets/sheet1.xml"))
}
