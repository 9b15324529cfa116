//! Tests of order totals, status steps, line parsing and refusals.

use super::lines::discount_of;
use super::*;
use crate::Lang;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn line(quantity: &str, price: &str, discount: Option<Discount>) -> Line {
    Line {
        quantity: d(quantity),
        unit_price: Money::parse(price).unwrap(),
        discount,
    }
}

#[test]
fn line_totals_are_exact_and_rounded_to_the_cent_half_away_from_zero() {
    // 3 × 19.99 = 59.97; 10% off = 53.973 → 53.97.
    let a = line("3", "19.99", Some(Discount::Percent(d("10"))));
    assert_eq!(a.total(0), Ok(d("53.97")));
    // 0.5 kg × 2.345 = 1.1725 → 1.17; 1.005 rounds up to 1.01.
    assert_eq!(line("0.5", "2.345", None).total(0), Ok(d("1.17")));
    assert_eq!(line("1", "1.005", None).total(0), Ok(d("1.01")));
    // An amount off: 2 × 100 − 15.5 = 184.50.
    let c = line("2", "100", Some(Discount::Amount(d("15.5"))));
    assert_eq!(c.total(0), Ok(d("184.50")));
    // Ten lines of 0.1 are exactly 1, which floats never manage.
    let lines: Vec<Line> = (0..10).map(|_| line("1", "0.1", None)).collect();
    assert_eq!(order_total(&lines).unwrap().amount(), d("1.00"));
}

#[test]
fn an_order_totals_its_rounded_lines_in_one_currency() {
    let lines = [
        line("3", "19.99", Some(Discount::Percent(d("10")))),
        line("2", "100", Some(Discount::Amount(d("15.5")))),
        line("1", "0.01", Some(Discount::Percent(d("100")))),
    ];
    let total = order_total(&lines).unwrap();
    assert_eq!(total.amount(), d("238.47"));
    assert_eq!(total.currency(), crate::money::Currency::default());
    assert_eq!(total.to_string(), "238.47 CNY");
    assert_eq!(order_total(&[]).unwrap().amount(), Decimal::ZERO);
}

#[test]
fn bad_lines_are_named_by_field_and_line() {
    let lines = [
        line("0", "10", None),
        line("1", "10 USD", None),
        line("2", "10", Some(Discount::Amount(d("25")))),
        line("1", "10", Some(Discount::Percent(d("120")))),
        line("1.23456", "10", None),
    ];
    let errors = order_total(&lines).unwrap_err();
    let found: Vec<(&str, usize, &str)> = errors
        .iter()
        .map(|e| (e.field, e.index, e.code.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![
            ("quantity", 0, "below_min"),
            ("currency", 1, "mismatch"),
            ("discount", 2, "invalid_number"),
            ("discount", 3, "invalid_number"),
            ("quantity", 4, "invalid_number")
        ]
    );
}

#[test]
fn orders_move_only_along_the_allowed_transitions() {
    use OrderEvent as E;
    use OrderStatus as S;
    let path = [
        (S::Draft, E::Confirm, S::Confirmed),
        (S::Confirmed, E::PaidInFull, S::Paid),
        (S::Paid, E::Ship, S::Shipped),
        (S::Shipped, E::Deliver, S::Delivered),
        (S::Delivered, E::Complete, S::Completed),
    ];
    for (from, event, to) in path {
        assert_eq!(from.after(event, true), Some(to), "{from} {event:?}");
    }
    let events = [
        E::Confirm,
        E::PaidInFull,
        E::Ship,
        E::Deliver,
        E::Complete,
        E::Cancel,
        E::Refund,
    ];
    // Exactly these moves exist, nothing else.
    let mut allowed = 0;
    for &from in S::ALL {
        for &event in &events {
            if from.after(event, false).is_some() || from.after(event, true).is_some() {
                allowed += 1;
            }
        }
    }
    assert_eq!(allowed, 5 + 2 + 3, "the path, two cancels, three refunds");
    assert_eq!(S::Draft.after(E::Ship, false), None, "not shipped unpaid");
    assert_eq!(S::Confirmed.after(E::Cancel, false), Some(S::Cancelled));
    assert_eq!(
        S::Confirmed.after(E::Cancel, true),
        None,
        "money came in: refund it, not cancel"
    );
    assert_eq!(S::Draft.after(E::Refund, false), None);
    assert_eq!(S::Delivered.after(E::Refund, true), Some(S::Refunded));
    assert_eq!(S::Completed.after(E::Refund, true), None);
    for &s in S::ALL {
        let moves = events
            .iter()
            .any(|&e| s.after(e, false).is_some() || s.after(e, true).is_some());
        assert_eq!(s.is_final(), !moves, "{s}");
        assert_eq!(S::parse(s.as_str()), Ok(s));
    }
    assert_eq!(S::parse("lost"), Err(Code::InvalidChoice));
}

#[test]
fn lines_are_read_with_discounts_as_chinese_sales_write_them() {
    let lines = parse_lines(&serde_json::json!([
        {"product_id": 7, "quantity": 3},
        {"name": "实施服务", "unit": "人天", "quantity": "2.5", "unit_price": "¥1,200", "discount": "9折"},
        {"name": "培训", "quantity": 1, "unit_price": 800, "discount": "15%"},
        {"name": "差旅", "quantity": 1, "unit_price": "500", "discount": "50"},
        {"name": "年费", "quantity": 1, "unit_price": "100", "discount": {"kind": "percent", "value": "5"}},
    ]))
    .unwrap();
    assert_eq!(lines[0].product_id, Some(7));
    assert_eq!(lines[0].unit_price, None, "the product's price applies");
    assert_eq!(lines[1].quantity, d("2.5"));
    assert_eq!(lines[1].unit_price, Some(Money::parse("1200").unwrap()));
    assert_eq!(lines[1].discount, Some(Discount::Percent(d("10"))));
    assert_eq!(lines[2].discount, Some(Discount::Percent(d("15"))));
    assert_eq!(lines[3].discount, Some(Discount::Amount(d("50"))));
    assert_eq!(lines[4].discount, Some(Discount::Percent(d("5"))));
    assert_eq!(
        discount_of(&serde_json::json!("8.5折")),
        Some(Discount::Percent(d("15")))
    );
    assert_eq!(
        discount_of(&serde_json::json!("95折")),
        Some(Discount::Percent(d("5")))
    );
    assert_eq!(discount_of(&serde_json::json!("120%")), None);
    assert_eq!(discount_of(&serde_json::json!("-5")), None);
}

#[test]
fn bad_lines_are_refused_under_their_index() {
    let errors = parse_lines(&serde_json::json!([
        {"quantity": 0, "name": "A", "unit_price": "1"},
        {"name": "B", "unit_price": "abc", "quantity": "x"},
        {"unit_price": "1"},
        {"name": "C", "quantity": 1, "unit_price": "1", "colour": "red"},
        "not a line",
    ]))
    .unwrap_err();
    let found: Vec<(String, &str)> = errors
        .iter()
        .map(|e| (e.field.clone(), e.code.as_str()))
        .collect();
    for expected in [
        ("lines[0].quantity", "below_min"),
        ("lines[1].unit_price", "invalid_money"),
        ("lines[1].quantity", "invalid_number"),
        ("lines[2].quantity", "required"),
        ("lines[2].name", "required"),
        ("lines[3].colour", "unknown_field"),
        ("lines[4]", "wrong_type"),
    ] {
        assert!(
            found
                .iter()
                .any(|(f, c)| f == expected.0 && *c == expected.1),
            "{expected:?} not in {found:?}"
        );
    }
    assert_eq!(
        parse_lines(&serde_json::json!([])).unwrap_err()[0].code,
        Code::Required
    );
    assert_eq!(
        parse_lines(&serde_json::json!({})).unwrap_err()[0].code,
        Code::WrongType
    );
}

#[test]
fn a_refused_move_says_why_in_both_languages() {
    let zh = refusal(OrderStatus::Confirmed, OrderEvent::Ship, false, Lang::ZhCn);
    assert_eq!(zh, "订单当前为“已确认”，不能发货。货款收齐后才能发货。");
    let en = refusal(OrderStatus::Confirmed, OrderEvent::Cancel, true, Lang::En);
    assert_eq!(
        en,
        "An order that is confirmed cannot be cancelled. Money came in: refund it instead."
    );
    let closed = refusal(OrderStatus::Completed, OrderEvent::Refund, true, Lang::En);
    assert!(closed.ends_with("The order is closed."), "{closed}");
}
