//! Reading an uploaded table without trusting what it declares. An XLSX workbook is a zip: its
//! parts are inflated once into nothing, counted, before the workbook is opened, so that a small
//! file that inflates to gigabytes is refused; its sheets are read cell by cell, never as the dense
//! range the sheet declares (two cells, A1 and XFD1048576, would otherwise ask for 17 billion). A
//! CSV file or a sheet with more rows, columns or filled cells than [`SheetLimits`] allow is
//! refused as soon as the reader meets the first cell beyond them.

use seika_core::message::Place;
use std::io::{self, Cursor, Read, Seek};

use calamine::{DataRef, Reader, Xlsx};
use seika_core::contract::Issue;
use seika_core::msg;

/// Bounds on one uploaded table file (CSV or XLSX), the same for every import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetLimits {
    /// Rows of one sheet or CSV file, the header row and any rows above it included.
    pub max_rows: usize,
    /// Columns of one sheet or CSV file.
    pub max_columns: usize,
    /// Filled cells of one sheet or CSV file.
    pub max_cells: usize,
    /// Bytes all parts of an XLSX workbook may inflate to, together.
    pub max_unzipped_bytes: u64,
    /// Parts (zip entries) of an XLSX workbook.
    pub max_parts: usize,
    /// How many times its compressed size a part larger than 1 MiB may inflate to.
    pub max_ratio: u64,
}

impl Default for SheetLimits {
    fn default() -> Self {
        SheetLimits {
            max_rows: 200_000,
            max_columns: 256,
            max_cells: 2_000_000,
            max_unzipped_bytes: 256 * 1024 * 1024,
            max_parts: 1_000,
            max_ratio: 200,
        }
    }
}

/// Parts smaller than this are not held to [`SheetLimits::max_ratio`]: a 40-byte part of
/// repeated spaces compresses well and harms no one.
const RATIO_FREE_BYTES: u64 = 1024 * 1024;

/// One filled cell: its row and column (from 0) and its text.
pub(crate) type CellText = (u32, u32, String);

fn unreadable(e: impl std::fmt::Display) -> Issue {
    Issue::new(
        "file",
        msg!(
            "sheet.unreadable_workbook",
            "a readable XLSX workbook ({e})",
            "読み取れる XLSX ブック（{e}）"
        ),
    )
}

/// Inflates every part of the zip into nothing, counting, and refuses a workbook beyond the
/// limits before anything of it is kept in memory.
pub(crate) fn check_zip(bytes: &[u8], limits: &SheetLimits) -> Result<(), Issue> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    if archive.len() > limits.max_parts {
        return Err(Issue::new(
            "file",
            msg!(
                "sheet.too_many_parts",
                "a workbook of at most {} parts (this one has {})",
                "部品が {} 個以内のブック（このファイルは {} 個）",
                count(limits.max_parts),
                count(archive.len())
            ),
        ));
    }
    let mut total = 0_u64;
    for index in 0..archive.len() {
        let mut part = archive.by_index(index).map_err(unreadable)?;
        let compressed = part.compressed_size().max(1);
        let budget = limits.max_unzipped_bytes - total;
        let inflated =
            io::copy(&mut (&mut part).take(budget + 1), &mut io::sink()).map_err(unreadable)?;
        total += inflated;
        let bomb = inflated > RATIO_FREE_BYTES && inflated / compressed > limits.max_ratio;
        if total > limits.max_unzipped_bytes || bomb {
            return Err(Issue::new(
                "file",
                msg!(
                    "sheet.inflates_too_much",
                    "a workbook that unpacks to at most {} MB, no part more than {} times its packed size",
                    "展開後 {} MB 以内で、どの部品も圧縮時の {} 倍以内のブック",
                    count(limits.max_unzipped_bytes / (1024 * 1024)),
                    count(limits.max_ratio)
                ),
            ));
        }
    }
    Ok(())
}

/// The table of rows and columns is larger than the limits allow.
/// A count as people read it: 200,000, not 200000.
fn count(n: impl Into<rust_decimal::Decimal>) -> String {
    seika_core::money::grouped(n.into())
}

pub(crate) fn too_large(limits: &SheetLimits) -> Issue {
    Issue::new(
        "file",
        msg!(
            "sheet.too_large",
            "a table of at most {} rows, {} columns and {} filled cells; split the file",
            "{} 行・{} 列・記入済みセル {} 個以内の表（ファイルを分けてください）",
            count(limits.max_rows),
            count(limits.max_columns),
            count(limits.max_cells)
        ),
    )
}

/// Every sheet of a workbook already checked by [`check_zip`], as its name and filled cells.
pub(crate) fn read_sheets(
    bytes: &[u8],
    limits: &SheetLimits,
) -> Result<Vec<(String, Vec<CellText>)>, Issue> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let mut sheets = Vec::new();
    for sheet in workbook.sheet_names() {
        let cells = read_cells(&mut workbook, &sheet, limits).map_err(|e| match e {
            CellsError::TooLarge => too_large(limits),
            CellsError::Unreadable(e) => Issue::new(
                Place::sheet(&sheet),
                msg!(
                    "sheet.unreadable_sheet",
                    "a readable sheet ({e})",
                    "読み取れるシート（{e}）"
                ),
            ),
        })?;
        sheets.push((sheet, cells));
    }
    Ok(sheets)
}

enum CellsError {
    TooLarge,
    Unreadable(calamine::XlsxError),
}

/// The filled cells of one sheet, in the order the file holds them.
fn read_cells<RS: Read + Seek>(
    workbook: &mut Xlsx<RS>,
    sheet: &str,
    limits: &SheetLimits,
) -> Result<Vec<CellText>, CellsError> {
    let mut reader = workbook
        .worksheet_cells_reader(sheet)
        .map_err(CellsError::Unreadable)?;
    let mut cells = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(CellsError::Unreadable)? {
        let text = text_of(cell.get_value());
        if text.is_empty() {
            continue;
        }
        let (row, column) = cell.get_position();
        let beyond = row as usize >= limits.max_rows || column as usize >= limits.max_columns;
        if beyond || cells.len() >= limits.max_cells {
            return Err(CellsError::TooLarge);
        }
        cells.push((row, column, text));
    }
    Ok(cells)
}

/// A cell as text: strings trimmed, numbers as the shortest decimal that reads back as the same
/// double (what Excel displays), dates as ISO dates; errors and empty cells as nothing.
fn text_of(cell: &DataRef<'_>) -> String {
    match cell {
        DataRef::Empty | DataRef::Error(_) => String::new(),
        DataRef::String(s) => crate::sheet::trim_cell(s).to_owned(),
        DataRef::SharedString(s) => crate::sheet::trim_cell(s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => format!("{f}"),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => d
            .as_datetime()
            .map(|d| d.date().format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::SheetLimits;
    use crate::sheet::Table;
    use std::io::{Cursor, Write};

    /// A workbook of one sheet whose XML is `sheet`, zipped with deflate, plus `extra` parts.
    pub(crate) fn workbook(sheet: &[u8], extra: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let parts: [(&str, &[u8]); 3] = [
            ("[Content_Types].xml", br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#),
            ("xl/workbook.xml", br#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
        ];
        let sheet_part = [("xl/worksheets/sheet1.xml", sheet)];
        for (name, body) in parts.iter().chain(&sheet_part).chain(extra) {
            zip.start_file(*name, options).unwrap();
            zip.write_all(body).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    /// Sheet XML with the given cells (`A1`, number) and a declared dimension.
    fn sheet(dimension: &str, cells: &[(&str, u32)]) -> Vec<u8> {
        let rows: String = cells
            .iter()
            .map(|(at, v)| format!(r#"<row><c r="{at}"><v>{v}</v></c></row>"#))
            .collect();
        format!(r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>"#).into_bytes()
    }

    fn refusal(bytes: &[u8], limits: &SheetLimits) -> String {
        Table::read(bytes, limits)
            .unwrap_err()
            .message
            .code
            .to_owned()
    }

    #[test]
    fn two_cells_at_the_corners_are_refused_without_building_the_range() {
        // A1 and XFD1048576: as a dense range, 17 billion cells.
        let bomb = workbook(
            &sheet("A1:XFD1048576", &[("A1", 1), ("XFD1048576", 2)]),
            &[],
        );
        assert!(bomb.len() < 2_000, "{} bytes", bomb.len());
        assert_eq!(refusal(&bomb, &SheetLimits::default()), "sheet.too_large");
        let said = Table::read(&bomb, &SheetLimits::default())
            .unwrap_err()
            .message;
        assert!(said.en.contains("200,000 rows"), "{}", said.en);
        assert!(said.ja.contains("2,000,000"), "{}", said.ja);
        // The same declared range with its cells inside the limits reads as what it holds.
        let honest = workbook(&sheet("A1:XFD1048576", &[("A1", 1), ("A2", 2)]), &[]);
        let table = Table::read(&honest, &SheetLimits::default()).unwrap();
        assert_eq!(table.headers, ["1"]);
        assert_eq!(table.rows[0].cells, ["2"]);
        assert_eq!(table.rows[0].number, 2);
    }

    #[test]
    fn rows_columns_and_cells_are_bounded() {
        let limits = SheetLimits {
            max_rows: 3,
            max_columns: 2,
            max_cells: 4,
            ..SheetLimits::default()
        };
        let fits = workbook(
            &sheet("A1", &[("A1", 1), ("B1", 1), ("A3", 2), ("B3", 3)]),
            &[],
        );
        assert_eq!(Table::read(&fits, &limits).unwrap().rows.len(), 1);
        let row = workbook(&sheet("A1", &[("A1", 1), ("A4", 2)]), &[]);
        assert_eq!(refusal(&row, &limits), "sheet.too_large");
        let column = workbook(&sheet("A1", &[("A1", 1), ("C1", 2)]), &[]);
        assert_eq!(refusal(&column, &limits), "sheet.too_large");
        let repeated: Vec<_> = (0..5).map(|v| ("A1", v)).collect();
        assert_eq!(
            refusal(&workbook(&sheet("A1", &repeated), &[]), &limits),
            "sheet.too_large"
        );
        let csv = "a,b\n1,2\n3,4\n5,6\n";
        assert_eq!(refusal(csv.as_bytes(), &limits), "sheet.too_large");
        assert_eq!(
            refusal("a,b,c\n1,2,3\n".as_bytes(), &limits),
            "sheet.too_large"
        );
        let short = SheetLimits {
            max_cells: 100,
            ..limits
        };
        assert_eq!(
            Table::read("a,b\n1,2\n3,4\n".as_bytes(), &short)
                .unwrap()
                .rows
                .len(),
            2
        );
    }

    #[test]
    fn a_cell_written_twice_keeps_its_last_value_and_title_rows_are_skipped() {
        let book = workbook(
            &sheet("A1", &[("C3", 1), ("D3", 2), ("C4", 5), ("C4", 6)]),
            &[],
        );
        let table = Table::read(&book, &SheetLimits::default()).unwrap();
        assert_eq!(table.headers, ["1", "2"]);
        assert_eq!(table.rows[0].cells, ["6", ""]);
        assert_eq!(table.rows[0].number, 4);
    }

    #[test]
    fn parts_that_inflate_too_far_are_refused() {
        let limits = SheetLimits {
            max_unzipped_bytes: 4 * 1024 * 1024,
            ..SheetLimits::default()
        };
        // 5 MiB of well-formed XML padding compresses to a few kilobytes.
        let mut padded = sheet("A1", &[("A1", 1), ("A2", 2)]);
        let at = padded.len() - "</worksheet>".len();
        padded.splice(at..at, std::iter::repeat_n(b' ', 5 * 1024 * 1024));
        let bomb = workbook(&padded, &[]);
        assert!(bomb.len() < 64 * 1024, "{} bytes", bomb.len());
        assert_eq!(refusal(&bomb, &limits), "sheet.inflates_too_much");
        // 2 MiB is within the total but a thousand times its packed size.
        padded.truncate(at);
        padded.extend(std::iter::repeat_n(b' ', 2 * 1024 * 1024));
        padded.extend(b"</worksheet>");
        assert_eq!(
            refusal(&workbook(&padded, &[]), &limits),
            "sheet.inflates_too_much"
        );
        let relaxed = SheetLimits {
            max_ratio: 100_000,
            ..limits
        };
        assert_eq!(
            Table::read(&workbook(&padded, &[]), &relaxed)
                .unwrap()
                .rows
                .len(),
            1
        );
    }

    #[test]
    fn a_workbook_of_many_parts_is_refused() {
        let limits = SheetLimits {
            max_parts: 10,
            ..SheetLimits::default()
        };
        let names: Vec<String> = (0..10).map(|i| format!("xl/media/{i}.bin")).collect();
        let extra: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
        let book = workbook(&sheet("A1", &[("A1", 1)]), &extra);
        assert_eq!(refusal(&book, &limits), "sheet.too_many_parts");
        let few = workbook(&sheet("A1", &[("A1", 1)]), &extra[..6]);
        assert!(Table::read(&few, &limits).is_ok());
    }
}
