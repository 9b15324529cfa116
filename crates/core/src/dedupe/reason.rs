//! Why two records look like one: the evidence a candidate pair is shown
//! with, so a person deciding on a merge sees what the score rests on.

use serde::{Deserialize, Serialize};

use crate::Lang;

macro_rules! reasons {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $zh:literal, $en:literal;)*) => {
        /// One piece of evidence about a pair. The snake_case code is stable:
        /// the API, the database and exports use it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Reason {
            $($(#[$doc])* $variant),*
        }

        impl Reason {
            pub const ALL: &'static [Reason] = &[$(Reason::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Reason::$variant => $code),* }
            }

            /// A short phrase in the user's language, e.g. "same mobile".
            pub fn label(self, lang: Lang) -> &'static str {
                match (lang, self) {
                    $((Lang::ZhCn, Reason::$variant) => $zh,
                      (Lang::En, Reason::$variant) => $en,)*
                }
            }
        }
    };
}

reasons! {
    SameMobile = "same_mobile", "手机号相同", "same mobile";
    /// A landline or international number; offices share these.
    SamePhone = "same_phone", "电话相同", "same phone";
    SameEmail = "same_email", "邮箱相同", "same email";
    SameUscc = "same_uscc", "统一社会信用代码相同", "same credit code";
    /// Both carry a credit code and the codes differ: two registered entities.
    DifferentUscc = "different_uscc", "统一社会信用代码不同", "different credit codes";
    SameName = "same_name", "姓名相同", "same name";
    /// Written with different characters that sound the same (张伟, 章伟),
    /// or once in characters and once in pinyin.
    NamePinyinEqual = "name_pinyin_equal", "姓名拼音相同", "name pinyin equal";
    /// The same words in another order (John Smith, Smith John).
    NameSwapped = "name_swapped", "姓名顺序颠倒", "name words swapped";
    /// One character or letter off, or a near-homophone (zh/z, n/l).
    NameSimilar = "name_similar", "姓名相近", "similar name";
    /// Nothing alike: shown when other evidence (a shared office phone)
    /// brought the pair up.
    NameDifferent = "name_different", "姓名不同", "different names";
    SameCompanyCore = "same_company_core", "公司名称主体相同", "company core equal";
    /// Trade names that sound alike (华信科技, 华新科技).
    CompanyPinyinEqual = "company_pinyin_equal", "公司名称拼音相同", "company name pinyin equal";
    SimilarCompany = "similar_company", "公司名称相近", "similar company name";
    /// One is a branch (分公司, 办事处) of the other's company.
    BranchOfCompany = "branch_of_company", "分支机构与总部", "branch of the same company";
    /// Same street and house number.
    SameAddress = "same_address", "地址相同", "same address";
    /// Same street, house number missing on one side.
    SameStreet = "same_street", "同一街道", "same street";
    SameCity = "same_city", "城市相同", "same city";
    SamePostcode = "same_postcode", "邮编相同", "same postal code";
    SameBirthDate = "same_birth_date", "出生日期相同", "same birth date";
    /// Day and month swapped, or one digit off.
    BirthDateNear = "birth_date_near", "出生日期相近", "nearly the same birth date";
}

/// A small set of reasons kept as bits while pairs are scored, so the
/// millions of pairs that end below the threshold allocate nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ReasonSet(u32);

impl ReasonSet {
    pub(crate) fn insert(&mut self, r: Reason) {
        self.0 |= 1 << (r as u32);
    }

    pub(crate) fn contains(self, r: Reason) -> bool {
        self.0 & (1 << (r as u32)) != 0
    }

    pub(crate) fn without(self, r: Reason) -> ReasonSet {
        ReasonSet(self.0 & !(1 << (r as u32)))
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// In declaration order: identifiers first, then name, company, address.
    pub(crate) fn to_vec(self) -> Vec<Reason> {
        Reason::ALL
            .iter()
            .copied()
            .filter(|r| self.contains(*r))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_a_stable_code_and_both_labels() {
        assert!(Reason::ALL.len() <= 32, "ReasonSet holds 32 bits");
        for r in Reason::ALL {
            let json = serde_json::to_string(r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.as_str()));
            assert!(!r.label(Lang::ZhCn).is_empty());
            assert!(r.label(Lang::En).is_ascii());
        }
        assert_eq!(Reason::SameMobile.as_str(), "same_mobile");
        assert_eq!(Reason::SameMobile.label(Lang::ZhCn), "手机号相同");
    }

    #[test]
    fn a_reason_set_lists_its_members_in_declaration_order() {
        let mut set = ReasonSet::default();
        set.insert(Reason::SameCompanyCore);
        set.insert(Reason::SameMobile);
        set.insert(Reason::SameMobile);
        assert_eq!(
            set.to_vec(),
            vec![Reason::SameMobile, Reason::SameCompanyCore]
        );
        assert_eq!(
            set.without(Reason::SameMobile).to_vec(),
            vec![Reason::SameCompanyCore]
        );
        assert!(set
            .without(Reason::SameMobile)
            .without(Reason::SameCompanyCore)
            .is_empty());
    }
}
