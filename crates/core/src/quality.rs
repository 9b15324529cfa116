//! Data quality (核对): which fields make a record complete, per record
//! type, how complete a record is (a score from 0 to 100), and when a
//! record has gone stale. Plain functions over plain data; storage feeds
//! them records and an administrator's [`QualityRules`].

use serde::{Deserialize, Serialize};

use crate::{schema, Code, Invalid};

/// The kinds of record the entry standards distinguish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordType {
    /// A customer that is a company (`kind = company`).
    Company,
    /// A customer that is a person (`kind = individual`).
    Individual,
    /// A contact person of a company customer.
    Contact,
}

impl RecordType {
    pub const ALL: [RecordType; 3] = [
        RecordType::Company,
        RecordType::Individual,
        RecordType::Contact,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::Company => "company",
            RecordType::Individual => "individual",
            RecordType::Contact => "contact",
        }
    }

    /// The record type of a customer of this `kind`.
    pub fn of_customer(kind: &str) -> RecordType {
        if kind == "company" {
            RecordType::Company
        } else {
            RecordType::Individual
        }
    }
}

/// Whether a missing field makes a record invalid or only less complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Required,
    Recommended,
}

/// One entry standard: at least one of `fields` must be filled. Listing
/// several (`["mobile", "phone"]`) accepts any of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldRule {
    pub fields: Vec<String>,
    pub level: Level,
    /// The rule's share of the completeness score, relative to the other
    /// rules of the same record type.
    pub weight: u32,
}

impl FieldRule {
    fn new(fields: &[&str], level: Level, weight: u32) -> FieldRule {
        FieldRule {
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            level,
            weight,
        }
    }

    /// How the rule is named in reports and lists: `mobile|phone`.
    pub fn label(&self) -> String {
        self.fields.join("|")
    }

    pub fn is_met(&self, filled: &impl Fn(&str) -> bool) -> bool {
        self.fields.iter().any(|f| filled(f))
    }
}

/// The administrator's data-quality settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualityRules {
    pub company: Vec<FieldRule>,
    pub individual: Vec<FieldRule>,
    pub contact: Vec<FieldRule>,
    /// A customer neither verified nor updated for this many days is
    /// stale, and its owner is asked to verify it.
    pub stale_days: u32,
    /// A record scoring below this is counted as incomplete.
    pub incomplete_below: u32,
}

pub const MAX_RULES: usize = 50;
pub const MAX_WEIGHT: u32 = 100;
pub const MAX_STALE_DAYS: u32 = 3650;

impl Default for QualityRules {
    /// What a Chinese B2B/B2C CRM expects: a company is identified by its
    /// name and credit code and reachable by phone; a person by name and
    /// phone; the rest makes follow-up and segmenting possible.
    fn default() -> QualityRules {
        use Level::{Recommended as Rec, Required as Req};
        QualityRules {
            company: vec![
                FieldRule::new(&["name"], Req, 15),
                FieldRule::new(&["mobile", "phone"], Req, 20),
                FieldRule::new(&["uscc"], Rec, 15),
                FieldRule::new(&["province"], Rec, 10),
                FieldRule::new(&["city"], Rec, 5),
                FieldRule::new(&["address"], Rec, 10),
                FieldRule::new(&["industry"], Rec, 10),
                FieldRule::new(&["company_size"], Rec, 5),
                FieldRule::new(&["email"], Rec, 5),
                FieldRule::new(&["source"], Rec, 5),
            ],
            individual: vec![
                FieldRule::new(&["name"], Req, 20),
                FieldRule::new(&["mobile", "phone"], Req, 25),
                FieldRule::new(&["email"], Rec, 15),
                FieldRule::new(&["province"], Rec, 10),
                FieldRule::new(&["city"], Rec, 5),
                FieldRule::new(&["company"], Rec, 10),
                FieldRule::new(&["title"], Rec, 5),
                FieldRule::new(&["source"], Rec, 10),
            ],
            contact: vec![
                FieldRule::new(&["name"], Req, 25),
                FieldRule::new(&["mobile", "phone"], Req, 30),
                FieldRule::new(&["email"], Rec, 20),
                FieldRule::new(&["title"], Rec, 25),
            ],
            stale_days: 180,
            incomplete_below: 60,
        }
    }
}

impl QualityRules {
    pub fn of(&self, record: RecordType) -> &[FieldRule] {
        match record {
            RecordType::Company => &self.company,
            RecordType::Individual => &self.individual,
            RecordType::Contact => &self.contact,
        }
    }

    /// Checks the settings before they are saved: every field must exist
    /// on its record type (`custom.KEY` for the custom fields in
    /// `custom_keys`), weights and limits within range. Every problem is
    /// reported under its path (`company[1].fields`).
    pub fn check(&self, custom_keys: &[&str]) -> Result<(), Invalid> {
        let mut invalid = Invalid::default();
        for record in RecordType::ALL {
            let rules = self.of(record);
            let name = record.as_str();
            if rules.len() > MAX_RULES {
                invalid.push(name, Code::TooManyValues { max: MAX_RULES });
            }
            let mut seen: Vec<&str> = Vec::new();
            for (i, rule) in rules.iter().enumerate() {
                let at = format!("{name}[{i}]");
                if rule.fields.is_empty() {
                    invalid.push(format!("{at}.fields"), Code::Required);
                }
                for field in &rule.fields {
                    if !is_known_field(record, field, custom_keys) {
                        invalid.push(format!("{at}.fields"), Code::UnknownField);
                    } else if seen.contains(&field.as_str()) {
                        invalid.push(format!("{at}.fields"), Code::NotUnique);
                    }
                    seen.push(field);
                }
                if rule.weight > MAX_WEIGHT {
                    invalid.push(
                        format!("{at}.weight"),
                        Code::AboveMax {
                            max: MAX_WEIGHT.to_string(),
                        },
                    );
                }
            }
        }
        if self.stale_days == 0 {
            invalid.push("stale_days", Code::BelowMin { min: "1".into() });
        } else if self.stale_days > MAX_STALE_DAYS {
            invalid.push(
                "stale_days",
                Code::AboveMax {
                    max: MAX_STALE_DAYS.to_string(),
                },
            );
        }
        if self.incomplete_below > 100 {
            invalid.push("incomplete_below", Code::AboveMax { max: "100".into() });
        }
        invalid.into_result()
    }

    /// The required rules of `record` in `self` that `before` did not
    /// require in the same form: the ones existing records may now break.
    pub fn newly_required(&self, before: &QualityRules, record: RecordType) -> Vec<usize> {
        let old = before.of(record);
        self.of(record)
            .iter()
            .enumerate()
            .filter(|(_, rule)| rule.level == Level::Required)
            .filter(|(_, rule)| {
                !old.iter()
                    .any(|o| o.level == Level::Required && o.fields == rule.fields)
            })
            .map(|(i, _)| i)
            .collect()
    }
}

fn is_known_field(record: RecordType, field: &str, custom_keys: &[&str]) -> bool {
    match record {
        RecordType::Contact => schema::CONTACT
            .iter()
            .any(|s| s.name == field && s.name != "customer_id" && s.name != "is_primary"),
        RecordType::Company | RecordType::Individual => match field.strip_prefix("custom.") {
            Some(key) => custom_keys.contains(&key),
            None => schema::CUSTOMER
                .iter()
                .any(|s| s.name == field && s.name != "kind"),
        },
    }
}

/// How one record measures up to the rules of its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// 0 to 100: the weight of the rules met, as a share of all the
    /// rules' weight, rounded down. A type without weighted rules scores
    /// 100.
    pub score: u32,
    /// Indexes of the required rules not met.
    pub missing_required: Vec<usize>,
    /// Indexes of the recommended rules not met.
    pub missing_recommended: Vec<usize>,
}

impl Assessment {
    /// A record missing a required field breaks the entry standards.
    pub fn is_valid(&self) -> bool {
        self.missing_required.is_empty()
    }
}

/// Scores a record: `filled(field)` says whether the record has a value
/// for a field (`mobile`, `custom.level`).
pub fn assess(rules: &[FieldRule], filled: impl Fn(&str) -> bool) -> Assessment {
    let mut total: u64 = 0;
    let mut met: u64 = 0;
    let mut missing_required = Vec::new();
    let mut missing_recommended = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        total += u64::from(rule.weight);
        if rule.is_met(&filled) {
            met += u64::from(rule.weight);
        } else if rule.level == Level::Required {
            missing_required.push(i);
        } else {
            missing_recommended.push(i);
        }
    }
    let score = (met * 100).checked_div(total).unwrap_or(100);
    Assessment {
        score: u32::try_from(score).unwrap_or(100),
        missing_required,
        missing_recommended,
    }
}

/// The completeness distribution's buckets: 0–19, 20–39, 40–59, 60–79
/// and 80–100.
pub const BUCKETS: [&str; 5] = ["0-19", "20-39", "40-59", "60-79", "80-100"];

pub fn bucket(score: u32) -> usize {
    (score / 20).min(4) as usize
}

const DAY_MS: i64 = 24 * 3600 * 1000;

/// The moment before which a record last touched counts as stale.
pub fn stale_cutoff(now_ms: i64, stale_days: u32) -> i64 {
    now_ms - i64::from(stale_days) * DAY_MS
}

/// Whether a record last verified at `verified_at` and last updated at
/// `updated_at` has gone unchecked for longer than `stale_days`.
pub fn is_stale(verified_at: Option<i64>, updated_at: i64, now_ms: i64, stale_days: u32) -> bool {
    let cutoff = stale_cutoff(now_ms, stale_days);
    updated_at < cutoff && verified_at.is_none_or(|v| v < cutoff)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled<'a>(fields: &'a [&'a str]) -> impl Fn(&str) -> bool + 'a {
        move |f| fields.contains(&f)
    }

    #[test]
    fn the_default_weights_of_each_type_add_up_to_a_hundred() {
        let rules = QualityRules::default();
        for record in RecordType::ALL {
            let sum: u32 = rules.of(record).iter().map(|r| r.weight).sum();
            assert_eq!(sum, 100, "{record:?}");
        }
        assert_eq!(rules.check(&[]), Ok(()));
    }

    #[test]
    fn a_score_is_the_share_of_weight_met_rounded_down() {
        let rules = QualityRules::default();
        let company = assess(&rules.company, filled(&["name", "phone", "uscc"]));
        assert_eq!(company.score, 50);
        assert!(company.is_valid());
        assert_eq!(company.missing_recommended.len(), 7);

        let person = assess(&rules.individual, filled(&["name", "email"]));
        assert_eq!(person.score, 35);
        assert_eq!(person.missing_required, vec![1]);
        assert!(!person.is_valid());

        let everything = assess(&rules.contact, |_| true);
        assert_eq!(everything.score, 100);

        let odd = vec![
            FieldRule::new(&["name"], Level::Required, 1),
            FieldRule::new(&["email"], Level::Recommended, 2),
        ];
        assert_eq!(assess(&odd, filled(&["name"])).score, 33);
        assert_eq!(assess(&[], filled(&[])).score, 100);
    }

    #[test]
    fn alternatives_are_met_by_any_one_of_them() {
        let rule = FieldRule::new(&["mobile", "phone"], Level::Required, 10);
        assert!(rule.is_met(&filled(&["phone"])));
        assert!(rule.is_met(&filled(&["mobile"])));
        assert!(!rule.is_met(&filled(&["email"])));
        assert_eq!(rule.label(), "mobile|phone");
    }

    #[test]
    fn settings_with_unknown_fields_or_wild_numbers_are_refused() {
        let mut rules = QualityRules::default();
        rules
            .company
            .push(FieldRule::new(&["shoe_size"], Level::Required, 5));
        rules.contact[0].weight = 101;
        rules
            .individual
            .push(FieldRule::new(&["custom.level"], Level::Recommended, 5));
        rules
            .individual
            .push(FieldRule::new(&["email"], Level::Recommended, 5));
        rules.stale_days = 0;
        let err = rules.check(&["level"]).unwrap_err();
        let mut found: Vec<(String, &str)> = err
            .0
            .iter()
            .map(|e| (e.field.clone(), e.code.as_str()))
            .collect();
        found.sort();
        assert_eq!(
            found,
            vec![
                ("company[10].fields".to_owned(), "unknown_field"),
                ("contact[0].weight".to_owned(), "above_max"),
                ("individual[9].fields".to_owned(), "not_unique"),
                ("stale_days".to_owned(), "below_min"),
            ]
        );
        // The same custom field is unknown when no such field is defined.
        let mut custom = QualityRules::default();
        custom
            .company
            .push(FieldRule::new(&["custom.level"], Level::Required, 5));
        assert!(custom.check(&[]).is_err());
        assert!(custom.check(&["level"]).is_ok());
    }

    #[test]
    fn only_rules_that_became_required_can_newly_fail() {
        let before = QualityRules::default();
        let mut after = before.clone();
        after.company[2].level = Level::Required; // uscc
        after.company[0].weight = 50; // name: still required
        after
            .contact
            .push(FieldRule::new(&["notes"], Level::Required, 1));
        assert_eq!(after.newly_required(&before, RecordType::Company), vec![2]);
        assert_eq!(
            after.newly_required(&before, RecordType::Individual),
            Vec::<usize>::new()
        );
        assert_eq!(after.newly_required(&before, RecordType::Contact), vec![4]);
    }

    #[test]
    fn a_record_is_stale_when_neither_verified_nor_updated_within_the_period() {
        let day = DAY_MS;
        let now = 1_000 * day;
        assert!(is_stale(None, now - 181 * day, now, 180));
        assert!(!is_stale(None, now - 179 * day, now, 180));
        assert!(!is_stale(Some(now - day), now - 400 * day, now, 180));
        assert!(is_stale(Some(now - 200 * day), now - 400 * day, now, 180));
    }

    #[test]
    fn scores_fall_into_five_buckets() {
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(19), 0);
        assert_eq!(bucket(20), 1);
        assert_eq!(bucket(79), 3);
        assert_eq!(bucket(80), 4);
        assert_eq!(bucket(100), 4);
    }
}
