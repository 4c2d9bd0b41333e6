//! Text that people type: what Seika refuses in any string it stores.
//!
//! NUL and other control characters (PostgreSQL cannot store NUL at all, and none has a place in
//! a name or a note) and the bidirectional override and isolate characters (which make a name
//! display as something else) are refused with the field named, identically on both databases.
//! Tab, line feed and carriage return are allowed: notes and reasons have lines.

use crate::message::Msg;
use crate::msg;

/// The first character of `s` that Seika refuses, with what it is.
pub fn forbidden_char(s: &str) -> Option<(char, &'static str)> {
    s.chars().find_map(|c| {
        let what = match c {
            '\t' | '\n' | '\r' => return None,
            '\0' => "a NUL character",
            c if c.is_control() => "a control character",
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => {
                "a bidirectional override character"
            }
            _ => return None,
        };
        Some((c, what))
    })
}

/// What a decoded file's cell may not hold: what [`forbidden_char`] refuses, and U+FFFD, which
/// decoding puts where the bytes were neither UTF-8 nor Shift_JIS (never stored in their place).
pub fn forbidden_in_file(s: &str) -> Option<(char, &'static str)> {
    forbidden_char(s).or_else(|| s.contains('\u{FFFD}').then_some(('\u{FFFD}', UNDECODABLE)))
}

const UNDECODABLE: &str = "bytes that are not text";

/// The message for a refused character, naming it by code point.
pub fn refusal(c: char, what: &str) -> Msg {
    if what == UNDECODABLE {
        return msg!(
            "text.undecodable",
            "text in UTF-8 or Shift_JIS: the file has bytes here that are neither (read as U+FFFD); save it again as UTF-8 or Shift_JIS",
            "UTF-8 または Shift_JIS の文字列。ここにどちらでもないバイト列があります（U+FFFD として読まれました）。UTF-8 か Shift_JIS で保存し直してください"
        );
    }
    let what_ja = match what {
        "a NUL character" => "NUL 文字",
        "a control character" => "制御文字",
        _ => "双方向制御文字",
    };
    let point = format!("U+{:04X}", u32::from(c));
    msg!(
        "text.forbidden_char",
        "text without {what} (found {point}); control and bidirectional override characters are not accepted",
        "{what_ja}を含まない文字列（{point} が含まれています）。制御文字と双方向制御文字は使えません"
    )
}

/// The path and message of the first refused character anywhere in a JSON value.
pub fn first_forbidden_in_json(value: &serde_json::Value, path: &str) -> Option<(String, Msg)> {
    use serde_json::Value;
    match value {
        Value::String(s) => forbidden_char(s).map(|(c, what)| (path.to_owned(), refusal(c, what))),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| first_forbidden_in_json(v, &format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let here = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            forbidden_char(k)
                .map(|(c, what)| (here.clone(), refusal(c, what)))
                .or_else(|| first_forbidden_in_json(v, &here))
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_may_not_hold_undecodable_bytes() {
        assert!(forbidden_char("a\u{FFFD}b").is_none());
        let (c, what) = forbidden_in_file("a\u{FFFD}b").unwrap();
        assert_eq!(c, '\u{FFFD}');
        assert_eq!(refusal(c, what).code, "text.undecodable");
        assert_eq!(forbidden_in_file("a\u{7}").map(|x| x.0), Some('\u{7}'));
        assert!(forbidden_in_file("神戸\t").is_none());
    }

    #[test]
    fn refuses_nul_controls_and_bidi_overrides_but_keeps_lines_and_japanese() {
        assert!(forbidden_char("神戸市 成果連動\n二行目\tタブ").is_none());
        assert_eq!(forbidden_char("a\0b").map(|x| x.0), Some('\0'));
        assert_eq!(forbidden_char("bell\u{7}").map(|x| x.0), Some('\u{7}'));
        assert_eq!(forbidden_char("c1\u{85}").map(|x| x.0), Some('\u{85}'));
        assert_eq!(
            forbidden_char("evil\u{202E}gpj.exe").map(|x| x.0),
            Some('\u{202E}')
        );
        assert_eq!(
            forbidden_char("iso\u{2066}x").map(|x| x.0),
            Some('\u{2066}')
        );
    }

    #[test]
    fn names_the_path_of_the_first_refused_string() {
        let v = serde_json::json!({"parties": [{"name": "ok"}, {"name": "bad\u{0}"}]});
        let (path, message) = first_forbidden_in_json(&v, "").expect("found");
        assert_eq!(path, "parties[1].name");
        assert!(message.en.contains("U+0000"), "{message}");
        assert!(message.ja.contains("U+0000"), "{}", message.ja);
    }
}
