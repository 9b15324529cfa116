//! Names as duplicate detection sees them: as characters, as pinyin (every
//! reading of a polyphonic character), as a bag of words (so "Smith, John"
//! meets "John Smith"), and as near-homophones for blocking (zh/z, n/l).

use pinyin::ToPinyin;

use crate::search::{combos, reading_options};

use super::hash::{hash_str, hash_tokens, Fingerprint};

/// Politeness words typed after or before a name; they say nothing about who
/// the person is.
const CN_HONORIFICS: &[&str] = &["先生", "女士", "小姐"];
const EN_HONORIFICS: &[&str] = &["mr", "mrs", "ms", "miss", "mx", "dr", "prof"];

/// Notes people append to a name to tell records apart ("张伟 VIP",
/// "John Smith - dup"); bracketed notes go with the brackets.
const NOTE_WORDS: &[&str] = &["vip", "dup", "duplicate", "new", "old"];

/// Common English short forms and spelling variants, each with one form of
/// the name it stands for. A short form shared by two names (Sam) is listed
/// for the commoner one. Sorted, for binary search.
const NAME_FORMS: &[(&str, &str)] = &[
    ("abby", "abigail"),
    ("al", "albert"),
    ("alex", "alexander"),
    ("andy", "andrew"),
    ("becca", "rebecca"),
    ("becky", "rebecca"),
    ("ben", "benjamin"),
    ("beth", "elizabeth"),
    ("betty", "elizabeth"),
    ("bill", "william"),
    ("billy", "william"),
    ("bob", "robert"),
    ("bobby", "robert"),
    ("cath", "katherine"),
    ("catherine", "katherine"),
    ("cathy", "katherine"),
    ("charlie", "charles"),
    ("chris", "christopher"),
    ("dan", "daniel"),
    ("danny", "daniel"),
    ("dave", "david"),
    ("deb", "deborah"),
    ("debbie", "deborah"),
    ("dick", "richard"),
    ("don", "donald"),
    ("ed", "edward"),
    ("eddie", "edward"),
    ("fred", "frederick"),
    ("geoff", "geoffrey"),
    ("greg", "gregory"),
    ("jamie", "james"),
    ("jeff", "geoffrey"),
    ("jeffrey", "geoffrey"),
    ("jen", "jennifer"),
    ("jenny", "jennifer"),
    ("jess", "jessica"),
    ("jim", "james"),
    ("jimmy", "james"),
    ("joe", "joseph"),
    ("jon", "jonathan"),
    ("kate", "katherine"),
    ("kathryn", "katherine"),
    ("kathy", "katherine"),
    ("katie", "katherine"),
    ("ken", "kenneth"),
    ("larry", "lawrence"),
    ("liz", "elizabeth"),
    ("lizzie", "elizabeth"),
    ("lottie", "charlotte"),
    ("maggie", "margaret"),
    ("mandy", "amanda"),
    ("matt", "matthew"),
    ("meg", "margaret"),
    ("mike", "michael"),
    ("nat", "natalie"),
    ("nick", "nicholas"),
    ("pat", "patricia"),
    ("patty", "patricia"),
    ("peggy", "margaret"),
    ("pete", "peter"),
    ("phil", "philip"),
    ("rich", "richard"),
    ("richie", "richard"),
    ("rick", "richard"),
    ("ricky", "richard"),
    ("rob", "robert"),
    ("robbie", "robert"),
    ("ron", "ronald"),
    ("sam", "samuel"),
    ("sandy", "sandra"),
    ("steve", "stephen"),
    ("steven", "stephen"),
    ("sue", "susan"),
    ("ted", "edward"),
    ("tim", "timothy"),
    ("tom", "thomas"),
    ("tommy", "thomas"),
    ("tony", "anthony"),
    ("trish", "patricia"),
    ("vicky", "victoria"),
    ("will", "william"),
];

/// The full name a short form stands for, or the word itself.
pub(crate) fn unnickname(word: &str) -> &str {
    NAME_FORMS
        .binary_search_by(|(nick, _)| nick.cmp(&word))
        .map_or(word, |i| NAME_FORMS[i].1)
}

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
    /// For a Latin name, a hash of its last word as written (see
    /// [`last_word`]); 0 otherwise.
    pub last: u32,
}

/// A word of a Latin name as [`NameForm::last`] holds it.
pub(crate) fn last_word(word: &str) -> u32 {
    super::hash::hash32(b'l', word)
}

/// `simplified` must already be width-folded, simplified and lower-cased.
pub(crate) fn name_form(simplified: &str) -> NameForm {
    let without_notes = strip_notes(simplified);
    let name = strip_honorifics(&without_notes);
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
            form.last = words.last().map_or(0, |w| last_word(w));
            push_unique(&mut form.sounds, hash_str(b's', &words.concat()));
            // "Haiying Xia" is 夏海英: pinyin in English order.
            let mut reversed = words.clone();
            reversed.reverse();
            push_unique(&mut form.sounds, hash_str(b's', &reversed.concat()));
            let mut sorted = words;
            sorted.sort();
            sorted
        }
    };
    form.spelled = tokens.join(" ");
    let mut sorted = tokens.clone();
    sorted.sort();
    form.words = hash_tokens(b'w', &sorted);

    let mut fuzzy_tokens: Vec<String> = tokens.iter().map(|t| fuzzy(unnickname(t))).collect();
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

/// Drops bracketed notes, a " - note" tail, and for a Chinese name
/// anything after a dash or a space that is a note word ("张伟-展会",
/// "张伟 VIP").
fn strip_notes(name: &str) -> String {
    let mut s = crate::company::drop_brackets(name);
    if let Some(i) = s.find(" - ") {
        s.truncate(i);
    }
    let han = s.chars().any(|c| ('\u{3400}'..='\u{9FFF}').contains(&c));
    if han {
        if let Some(i) = s.find(['-', '—', '_']) {
            if i > 0 {
                s.truncate(i);
            }
        }
    }
    loop {
        let trimmed = s.trim_end();
        let last = trimmed
            .rsplit(|c: char| c.is_whitespace())
            .next()
            .unwrap_or("");
        if last.len() < trimmed.len() && NOTE_WORDS.contains(&last) {
            s.truncate(trimmed.len() - last.len());
        } else {
            break;
        }
    }
    s
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

/// How a place or trade name sounds: the everyday reading of each Chinese
/// character, other letters and digits as they are, with nothing between
/// them, so 北京 and "Beijing", 华信 and 华新 agree. Unlike a person's name,
/// one reading is enough here, and this runs for every record without
/// allocating.
pub(crate) fn sound_of(tag: u8, simplified: &str) -> u64 {
    let mut f = Fingerprint::new(tag);
    let mut buf = [0u8; 4];
    for c in simplified.chars() {
        match c.to_pinyin() {
            Some(p) => f.write(p.plain().as_bytes()),
            None if c.is_alphanumeric() => f.write(c.encode_utf8(&mut buf).as_bytes()),
            None => {}
        }
    }
    f.finish()
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
    fn places_and_trade_names_sound_alike_across_scripts_and_homophones() {
        assert_eq!(sound_of(b'c', "北京"), sound_of(b'c', "beijing"));
        assert_eq!(sound_of(b'c', "华信科技"), sound_of(b'c', "华新科技"));
        assert_ne!(sound_of(b'c', "华信科技"), sound_of(b'c', "华信贸易"));
    }

    #[test]
    fn notes_after_a_name_are_dropped() {
        for name in ["张伟（新）", "张伟(老客户)", "张伟 vip", "张伟-展会"] {
            assert_eq!(name_form(name).key, "张伟", "{name}");
        }
        for name in [
            "john smith (new)",
            "john smith - dup",
            "mr john smith (trade fair)",
        ] {
            assert_eq!(name_form(name).key, "johnsmith", "{name}");
        }
        // A double-barrelled Latin name keeps its dash.
        assert_eq!(name_form("anna smith-jones").key, "annasmithjones");
    }

    #[test]
    fn short_forms_share_a_stem_with_the_full_name() {
        assert!(
            NAME_FORMS.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted for binary search"
        );
        assert_eq!(
            name_form("bob smith").fuzzy,
            name_form("robert smith").fuzzy
        );
        assert_eq!(unnickname("bill"), "william");
        assert_eq!(unnickname("william"), "william");
    }

    #[test]
    fn empty_and_punctuation_only_names_have_no_form() {
        for name in ["", "  ", ".,-"] {
            let f = name_form(name);
            assert!(f.key.is_empty() && f.sounds.is_empty() && f.stems.is_empty());
        }
    }
}
