//! Names as duplicate detection sees them: as characters, as pinyin (every
//! reading of a polyphonic character), as a bag of words (so "Smith, John"
//! meets "John Smith"), and as near-homophones for blocking (zh/z, n/l).

use crate::search::{combos, reading_options};

use super::hash::{hash_str, hash_tokens};

/// Politeness words typed after or before a name; they say nothing about who
/// the person is.
const CN_HONORIFICS: &[&str] = &["先生", "女士", "小姐"];
const EN_HONORIFICS: &[&str] = &["mr", "mrs", "ms", "miss", "mx", "dr", "prof"];

/// Words of a name beyond this are ignored: no real name has more, and each
/// word multiplies the blocking keys.
const MAX_TOKENS: usize = 6;

/// The comparable forms of one name.
#[derive(Debug, Default)]
pub(crate) struct NameForm {
    /// Simplified, lower-cased, without spaces or punctuation: "张伟",
    /// "johnsmith".
    pub key: String,
    /// For a Chinese name, the likeliest pinyin syllables in written order
    /// ("zhang wei"); for a Latin name, its words sorted ("john smith"), so
    /// edit distance sees through swapped words.
    pub spelled: String,
    /// Hashes of how the name sounds written out without spaces: every
    /// reading combination of a Chinese name, the words of a Latin name in
    /// their written order. Two names that share one are homophones.
    pub sounds: Vec<u64>,
    /// Hash of the sorted syllables or words.
    pub words: u64,
    /// Hash of the sorted near-homophone syllables (see [`fuzzy`]).
    pub fuzzy: u64,
    /// Blocking stems: the fuzzy tokens sorted, and the same with each token
    /// left out in turn, so a name with one wrong syllable or word still
    /// meets its original.
    pub stems: Vec<u64>,
    /// Written with Chinese characters.
    pub han: bool,
}

/// `simplified` must already be width-folded, simplified and lower-cased.
pub(crate) fn name_form(simplified: &str) -> NameForm {
    let name = strip_honorifics(simplified);
    let key = crate::text::match_key(name);
    if key.is_empty() {
        return NameForm::default();
    }
    let mut form = NameForm {
        key,
        ..NameForm::default()
    };
    let tokens: Vec<String> = match reading_options(name) {
        Some(options) => {
            form.han = true;
            let options: Vec<Vec<String>> = options.into_iter().take(MAX_TOKENS * 2).collect();
            for sound in combos(&options) {
                push_unique(&mut form.sounds, hash_str(b's', &sound));
            }
            options
                .into_iter()
                .filter_map(|o| o.into_iter().next())
                .take(MAX_TOKENS)
                .collect()
        }
        None => {
            let words = latin_words(name);
            push_unique(&mut form.sounds, hash_str(b's', &words.concat()));
            let mut sorted = words;
            sorted.sort();
            sorted
        }
    };
    form.spelled = tokens.join(" ");
    let mut sorted = tokens.clone();
    sorted.sort();
    form.words = hash_tokens(b'w', &sorted);

    let mut fuzzy_tokens: Vec<String> = tokens.iter().map(|t| fuzzy(t)).collect();
    fuzzy_tokens.sort();
    form.fuzzy = hash_tokens(b'f', &fuzzy_tokens);
    form.stems.push(form.fuzzy);
    if fuzzy_tokens.len() >= 2 {
        for skip in 0..fuzzy_tokens.len() {
            let rest: Vec<&str> = fuzzy_tokens
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, t)| t.as_str())
                .collect();
            push_unique(&mut form.stems, hash_tokens(b'f', &rest));
        }
    }
    form
}

fn push_unique(list: &mut Vec<u64>, h: u64) {
    if !list.contains(&h) {
        list.push(h);
    }
}

fn strip_honorifics(name: &str) -> &str {
    let name = name.trim();
    for h in CN_HONORIFICS {
        if let Some(rest) = name.strip_suffix(h) {
            if rest.trim().chars().count() >= 2 {
                return rest.trim();
            }
        }
    }
    let first_end = name
        .find(|c: char| !c.is_alphanumeric())
        .unwrap_or(name.len());
    if EN_HONORIFICS.contains(&&name[..first_end]) && first_end < name.len() {
        let rest = name[first_end..].trim_start_matches(|c: char| !c.is_alphanumeric());
        if !rest.is_empty() {
            return rest;
        }
    }
    name
}

/// The words of a name without Chinese characters, in written order.
fn latin_words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .map(crate::text::match_key)
        .filter(|w| !w.is_empty())
        .take(MAX_TOKENS)
        .collect()
}

/// A syllable as speakers of southern Mandarin and careless typists may
/// write it: retroflex initials flattened (zh→z, ch→c, sh→s), n and l
/// merged, back nasals fronted (ang→an, eng→en, ing→in). Applied to Latin
/// words too, where it only makes blocks slightly larger.
pub(crate) fn fuzzy(syllable: &str) -> String {
    let mut s = syllable.to_string();
    for (from, to) in [("zh", "z"), ("ch", "c"), ("sh", "s")] {
        if let Some(rest) = s.strip_prefix(from) {
            s = format!("{to}{rest}");
            break;
        }
    }
    if let Some(rest) = s.strip_prefix('l') {
        s = format!("n{rest}");
    }
    for (from, to) in [("ang", "an"), ("eng", "en"), ("ing", "in")] {
        if let Some(stem) = s.strip_suffix(from) {
            s = format!("{stem}{to}");
            break;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn homophones_share_a_sound() {
        let a = name_form("张伟");
        let b = name_form("章伟");
        assert_ne!(a.key, b.key);
        assert!(a.sounds.iter().any(|s| b.sounds.contains(s)));
        assert_eq!(a.spelled, "zhang wei");
        assert!(a.han);
    }

    #[test]
    fn pinyin_written_in_latin_letters_sounds_like_the_characters() {
        let a = name_form("张伟");
        let b = name_form("zhang wei");
        assert!(a.sounds.iter().any(|s| b.sounds.contains(s)));
        // English order: the bag of words still agrees.
        assert_eq!(a.words, name_form("wei zhang").words);
    }

    #[test]
    fn swapped_latin_names_have_the_same_words_but_not_the_same_key() {
        let a = name_form("john smith");
        for other in ["smith john", "smith, john", "smith,john"] {
            let b = name_form(other);
            assert_eq!(a.words, b.words, "{other}");
            assert_eq!(a.spelled, b.spelled, "{other}");
            assert_ne!(a.key, b.key, "{other}");
        }
    }

    #[test]
    fn honorifics_are_dropped() {
        assert_eq!(name_form("张伟先生").key, "张伟");
        assert_eq!(name_form("mr. john smith").key, "johnsmith");
        assert_eq!(name_form("dr john smith").key, "johnsmith");
        // A surname alone keeps its honorific: nothing else is left.
        assert_eq!(name_form("张先生").key, "张先生");
        assert_eq!(name_form("mr").key, "mr");
    }

    #[test]
    fn near_homophones_share_a_blocking_stem() {
        assert_eq!(fuzzy("zhang"), "zan");
        assert_eq!(fuzzy("ling"), "nin");
        assert_eq!(fuzzy("shen"), "sen");
        assert_eq!(name_form("张伟").fuzzy, name_form("臧伟").fuzzy);
        assert_eq!(name_form("刘宁").fuzzy, name_form("牛林").fuzzy);
    }

    #[test]
    fn one_wrong_syllable_still_shares_a_stem() {
        let a = name_form("王小明");
        let b = name_form("王小朋");
        assert!(a.stems.iter().any(|s| b.stems.contains(s)));
        let a = name_form("john smith");
        let b = name_form("jonh smith");
        assert!(a.stems.iter().any(|s| b.stems.contains(s)));
    }

    #[test]
    fn empty_and_punctuation_only_names_have_no_form() {
        for name in ["", "  ", ".,-"] {
            let f = name_form(name);
            assert!(f.key.is_empty() && f.sounds.is_empty() && f.stems.is_empty());
        }
    }
}
