//! What an evidence file is, read from its bytes (never from its name): the types evaluators
//! attach, and nothing else.

/// The media types accepted as evidence.
pub const ACCEPTED: [&str; 5] = [
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/csv",
    "image/png",
    "image/jpeg",
];

/// The file's media type from its first bytes: PDF, XLSX (a zip holding `xl/`), PNG, JPEG, or
/// CSV (text in UTF-8 or Shift_JIS, no NUL bytes). `None` for anything else.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        return Some(ACCEPTED[0]);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        // An Office Open XML workbook names its parts in plain text in the zip's local headers.
        let head = &bytes[..bytes.len().min(64 * 1024)];
        let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
        return (has(b"[Content_Types].xml") && has(b"xl/")).then_some(ACCEPTED[1]);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(ACCEPTED[3]);
    }
    if bytes.starts_with(b"\xFF\xD8\xFF") {
        return Some(ACCEPTED[4]);
    }
    let text = !bytes.is_empty()
        && !bytes.contains(&0)
        && (std::str::from_utf8(bytes).is_ok() || {
            let (_, _, errors) = encoding_rs::SHIFT_JIS.decode(bytes);
            !errors
        });
    text.then_some(ACCEPTED[2])
}

/// The file name extensions that may name a file of each accepted type.
const EXTENSIONS: [(&str, &[&str]); 5] = [
    ("application/pdf", &["pdf"]),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &["xlsx"],
    ),
    ("text/csv", &["csv", "txt", "tsv"]),
    ("image/png", &["png"]),
    ("image/jpeg", &["jpg", "jpeg"]),
];

/// The extensions a file of `media_type` may carry (empty for a type not accepted).
pub fn extensions_for(media_type: &str) -> &'static [&'static str] {
    EXTENSIONS
        .iter()
        .find(|(t, _)| *t == media_type)
        .map_or(&[], |(_, e)| e)
}

/// Whether a file name agrees with its content's media type: its extension (case aside) is one
/// of that type's, so no name says PDF over an image, or `.html` over text.
pub fn name_agrees(name: &str, media_type: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && extensions_for(media_type)
                .iter()
                .any(|e| e.eq_ignore_ascii_case(ext))
    })
}

/// Whether a name is a plain file name: no folder, no `..`, no control character (a line break
/// in a name would reach the headers and logs it is written to).
pub fn plain_name(name: &str) -> bool {
    !name.contains(['/', '\\']) && !name.contains("..") && !name.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_agree_with_the_content() {
        assert!(name_agrees("評価報告書.PDF", "application/pdf"));
        assert!(name_agrees("photo.jpeg", "image/jpeg"));
        assert!(!name_agrees("photo.png", "application/pdf"));
        assert!(!name_agrees("page.html", "text/csv"));
        assert!(!name_agrees("pdf", "application/pdf"));
        assert!(!name_agrees(".pdf", "application/pdf"));
        assert!(plain_name("evaluation report 2026.pdf"));
        assert!(!plain_name("../../etc/passwd.csv"));
        assert!(!plain_name("a..b.pdf"));
        assert!(!plain_name("report\r\nX-Injected: 1.pdf"));
        assert!(!plain_name("dir/report.pdf"));
    }

    #[test]
    fn types_come_from_the_bytes_not_the_name() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Some("image/jpeg"));
        assert_eq!(sniff("参加者,成果\nP1,就労\n".as_bytes()), Some("text/csv"));
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("参加者,成果\n");
        assert_eq!(sniff(&sjis), Some("text/csv"));
        let mut xlsx = b"PK\x03\x04....[Content_Types].xml....xl/workbook.xml".to_vec();
        assert_eq!(
            sniff(&xlsx),
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        );
        xlsx = b"PK\x03\x04....word/document.xml".to_vec();
        assert_eq!(sniff(&xlsx), None, "a zip that is no workbook");
        assert_eq!(sniff(b"MZ\x90\x00\x03\x00"), None, "an executable");
        assert_eq!(sniff(b""), None);
    }
}
