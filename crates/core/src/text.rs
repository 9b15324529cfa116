//! Plain-text normalisation shared by every parser and by search.
//!
//! Chinese input methods switch between half- and full-width forms, and
//! pasted text brings invisible characters along; these helpers undo that so
//! the same value typed two ways compares equal.

/// Turns full-width ASCII forms (U+FF01..=U+FF5E) into ASCII and the
/// ideographic space U+3000 into a plain space.
pub fn fold_width(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

/// [`fold_width`] for one character.
pub fn fold_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Trims, collapses every run of whitespace (ideographic space included) into
/// one space and drops control characters.
///
/// Width is left alone: this is what the user wrote and what is shown back.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            pending_space = true;
        } else if c.is_control() || is_invisible(c) {
            // Dropped without breaking the word it sits in.
        } else {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
    }
    out
}

/// The key two texts are compared and searched by: width folded, lower-cased,
/// without whitespace or punctuation, so "华为技术（深圳）" and "华为技术(深圳)"
/// or "O'Neil" and "oneil" meet.
pub fn match_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(fold_char) {
        if c.is_whitespace() || c.is_control() || is_punctuation(c) || is_invisible(c) {
            continue;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Characters that copy-paste from web pages and word processors leave behind
/// and that nobody means to type.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}')
}

/// ASCII and CJK punctuation. Symbols outside ASCII (¥, ©) and the CJK
/// ideographs that live in punctuation blocks (〇, 々) are kept, because they
/// carry meaning in names.
pub fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(
            c,
            '\u{00A1}' | '\u{00A7}' | '\u{00AB}' | '\u{00B6}' | '\u{00B7}' | '\u{00BB}' | '\u{00BF}'
            // General Punctuation: dashes, curly quotes, bullets, ellipsis, invisible operators.
            | '\u{2000}'..='\u{206F}'
            | '\u{2E00}'..='\u{2E7F}'
            // CJK Symbols and Punctuation, without 々〆〇 and the Suzhou numerals.
            | '\u{3001}'..='\u{3003}'
            | '\u{3008}'..='\u{3011}'
            | '\u{3014}'..='\u{301F}'
            | '\u{3030}'
            | '\u{303D}'
            | '\u{30FB}'
            | '\u{FE10}'..='\u{FE19}'
            | '\u{FE30}'..='\u{FE6B}'
            | '\u{FF5F}'..='\u{FF65}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fold_width_turns_full_width_forms_into_ascii() {
        assert_eq!(fold_width("ＡＢＣ１２３！～"), "ABC123!~");
        assert_eq!(fold_width("１３８\u{3000}０００"), "138 000");
        assert_eq!(fold_width("（深圳）"), "(深圳)");
        assert_eq!(fold_width("中文，不变。"), "中文,不变。");
        assert_eq!(fold_width(""), "");
    }

    #[test]
    fn clean_trims_collapses_and_strips_controls() {
        assert_eq!(clean("  张三  \t 李四\n"), "张三 李四");
        assert_eq!(
            clean("\u{3000}华为\u{3000}\u{3000}技术\u{3000}"),
            "华为 技术"
        );
        assert_eq!(clean("a\u{0}b\u{7}c"), "abc");
        assert_eq!(clean("a \u{1} b"), "a b");
        assert_eq!(clean("\u{FEFF}公司\u{200B}名"), "公司名");
        assert_eq!(clean("ＡＢＣ"), "ＡＢＣ");
        assert_eq!(clean(" \t\n "), "");
    }

    #[test]
    fn match_key_ignores_width_case_spaces_and_punctuation() {
        assert_eq!(
            match_key("华为技术（深圳）有限公司"),
            match_key("华为技术(深圳)有限公司")
        );
        assert_eq!(match_key("O'Neil, Inc."), "oneilinc");
        assert_eq!(match_key("“阿里巴巴”·【杭州】"), "阿里巴巴杭州");
        assert_eq!(
            match_key("Ｔｅｎｃｅｎｔ　Ｈｏｌｄｉｎｇｓ"),
            "tencentholdings"
        );
        assert_eq!(match_key("约翰・史密斯"), "约翰史密斯");
        assert_eq!(match_key("一、二。三"), "一二三");
        assert_eq!(match_key("〇号院"), "〇号院");
        assert_eq!(match_key("A-B_C"), "abc");
    }

    proptest! {
        #[test]
        fn helpers_never_panic(s in any::<String>()) {
            let _ = fold_width(&s);
            let _ = clean(&s);
            let _ = match_key(&s);
        }

        #[test]
        fn clean_is_idempotent_and_has_no_edge_or_double_spaces(s in any::<String>()) {
            let once = clean(&s);
            prop_assert_eq!(clean(&once), once.clone());
            prop_assert!(!once.starts_with(' ') && !once.ends_with(' '));
            prop_assert!(!once.contains("  "));
            prop_assert!(!once.chars().any(|c| c.is_control()));
        }

        #[test]
        fn match_key_is_idempotent_and_width_blind(s in "[ -~]{0,40}") {
            let full: String = s
                .chars()
                .map(|c| if c == ' ' { '\u{3000}' } else { char::from_u32(c as u32 + 0xFEE0).unwrap() })
                .collect();
            prop_assert_eq!(match_key(&full), match_key(&s));
            let key = match_key(&s);
            prop_assert_eq!(match_key(&key), key);
        }
    }
}
