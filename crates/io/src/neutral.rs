//! Defusing cells that a spreadsheet program would run as a formula (the
//! OWASP "CSV injection" advice), in a way that reading undoes exactly.

use std::borrow::Cow;

/// Characters that make Excel, WPS or LibreOffice treat a cell as a formula.
fn is_trigger(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
}

/// True for a trigger after any number of apostrophes: `=x`, `'=x`, `''=x`.
fn needs_quote(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(is_trigger)
}

/// Prefixes `'` to a cell a spreadsheet would run as a formula.
///
/// A cell that already looks neutralised (`'=…`, or `''=…`) gets one more
/// apostrophe too; otherwise reading it back would strip the customer's
/// own apostrophe, and an export would not re-import unchanged.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if needs_quote(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Undoes [`neutralise`]: drops one leading `'` from apostrophes that stand
/// before a trigger.
pub fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_are_defused() {
        for cell in ["=1+2", "+86 138", "-5", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(cell), format!("'{cell}"));
        }
    }

    #[test]
    fn ordinary_cells_pass_untouched() {
        for cell in ["", "张三", "13812345678", "a=b", "'quoted", "'"] {
            assert!(matches!(neutralise(cell), Cow::Borrowed(_)), "{cell}");
            assert_eq!(unneutralise(cell), cell);
        }
    }

    #[test]
    fn a_customers_own_apostrophe_survives_the_round_trip() {
        assert_eq!(neutralise("'=x"), "''=x");
        assert_eq!(unneutralise("''=x"), "'=x");
        assert_eq!(unneutralise("'=x"), "=x");
        assert_eq!(unneutralise(&neutralise("''-1")), "''-1");
    }

    proptest! {
        #[test]
        fn unneutralise_undoes_neutralise(s in "['=+@\t\r-]{0,3}.{0,5}") {
            let written = neutralise(&s);
            prop_assert_eq!(unneutralise(&written), s.as_str());
        }
    }
}
