//! The layers' rules of ARCHITECTURE.md, checked on the source tree: which
//! crate may depend on which, what `core` and `store` may not know, and that
//! the web crate's API and pages never import each other.
//!
//! Rules with debt still being paid (store types that carry OpenAPI
//! derives, URL-query parsing in store) are ratchets: the files that break
//! the rule today are listed, a file not on the list that breaks it fails
//! the test, and a listed file that no longer breaks it fails too, so the
//! list is shortened in the commit that pays the debt.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file under `dir`, as paths relative to the workspace.
fn sources(dir: &str) -> Vec<(String, String)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("a directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let text = fs::read_to_string(&path).expect("a source file");
                let name = path
                    .strip_prefix(root)
                    .expect("under the workspace")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((name, text));
            }
        }
    }
    let root = workspace();
    let mut out = Vec::new();
    walk(&root, &root.join(dir), &mut out);
    assert!(!out.is_empty(), "no sources under {dir}");
    out
}

/// The names of a crate's dependencies (not dev-dependencies).
fn dependencies(krate: &str) -> BTreeSet<String> {
    let path = workspace().join("crates").join(krate).join("Cargo.toml");
    let manifest = fs::read_to_string(&path).expect("a manifest");
    let mut in_deps = false;
    let mut deps = BTreeSet::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps {
            if let Some(name) = line.split(['=', '.', ' ']).next().filter(|n| !n.is_empty()) {
                if !name.starts_with('#') {
                    deps.insert(name.to_string());
                }
            }
        }
    }
    deps
}

/// Lines of code (comments left out) that mention `needle`.
fn uses(text: &str, needle: &str) -> bool {
    text.lines()
        .map(str::trim_start)
        .filter(|l| !l.starts_with("//"))
        .any(|l| l.contains(needle))
}

#[test]
fn crates_depend_only_on_the_layers_below() {
    let layers = ["core", "store", "io", "web", "kehu"];
    for (i, krate) in layers.iter().enumerate() {
        let allowed: BTreeSet<String> = layers[..i].iter().map(|l| format!("kehu-{l}")).collect();
        for dep in dependencies(krate) {
            if dep.starts_with("kehu-") {
                assert!(
                    allowed.contains(&dep),
                    "crates/{krate} depends on {dep}, a layer above or beside it"
                );
            }
        }
    }
}

#[test]
fn core_does_no_input_or_output() {
    let deps = dependencies("core");
    for forbidden in [
        "tokio", "sqlx", "axum", "reqwest", "utoipa", "tower", "hyper",
    ] {
        assert!(
            !deps.contains(forbidden),
            "crates/core depends on {forbidden}"
        );
    }
    for (file, text) in sources("crates/core/src") {
        for needle in [
            "std::fs",
            "File::open",
            "File::create",
            "TcpStream",
            "std::env::var",
        ] {
            assert!(
                !uses(&text, needle),
                "{file} uses {needle}: core keeps no I/O"
            );
        }
    }
}

#[test]
fn store_knows_nothing_of_http() {
    let deps = dependencies("store");
    for forbidden in [
        "axum",
        "tower",
        "tower-http",
        "http",
        "hyper",
        "utoipa-swagger-ui",
    ] {
        assert!(
            !deps.contains(forbidden),
            "crates/store depends on {forbidden}"
        );
    }
    for (file, text) in sources("crates/store/src") {
        for needle in ["axum::", "StatusCode", "HeaderMap"] {
            assert!(
                !uses(&text, needle),
                "{file} uses {needle}: store knows no HTTP"
            );
        }
    }
}

/// Store files that still carry OpenAPI derives or parse URL queries: wire
/// types and filter parsing belong in `web` (issue 17, point 2). The list
/// only shrinks.
const STORE_WIRE_DEBT: &[&str] = &[
    "crates/store/src/access.rs",
    "crates/store/src/agenda.rs",
    "crates/store/src/auth.rs",
    "crates/store/src/backup/mod.rs",
    "crates/store/src/backup/records.rs",
    "crates/store/src/bulk_change.rs",
    "crates/store/src/contact_merge.rs",
    "crates/store/src/customers/mod.rs",
    "crates/store/src/dedupe/mod.rs",
    "crates/store/src/duplicates.rs",
    "crates/store/src/export_limits.rs",
    "crates/store/src/fields.rs",
    "crates/store/src/history.rs",
    "crates/store/src/import/issues.rs",
    "crates/store/src/import/mod.rs",
    "crates/store/src/import/templates.rs",
    "crates/store/src/import/undo.rs",
    "crates/store/src/leads/convert.rs",
    "crates/store/src/leads/followups.rs",
    "crates/store/src/leads/forms.rs",
    "crates/store/src/leads/mod.rs",
    "crates/store/src/leads/pool.rs",
    "crates/store/src/list/params.rs",
    "crates/store/src/list/types.rs",
    "crates/store/src/lookups.rs",
    "crates/store/src/merge/mod.rs",
    "crates/store/src/merge_rules.rs",
    "crates/store/src/opportunities/types.rs",
    "crates/store/src/orders/types.rs",
    "crates/store/src/privacy/erase.rs",
    "crates/store/src/privacy/mod.rs",
    "crates/store/src/products.rs",
    "crates/store/src/quality/mod.rs",
    "crates/store/src/quality/report.rs",
    "crates/store/src/quality/revalidate.rs",
    "crates/store/src/quality/stale.rs",
    "crates/store/src/records.rs",
    "crates/store/src/tags.rs",
    "crates/store/src/time.rs",
    "crates/store/src/two_factor.rs",
    "crates/store/src/users.rs",
    "crates/store/src/views.rs",
    "crates/store/src/webhooks/deliveries.rs",
    "crates/store/src/webhooks/mod.rs",
];

#[test]
fn store_wire_types_do_not_spread() {
    let today: BTreeSet<String> = sources("crates/store/src")
        .into_iter()
        .filter(|(_, text)| uses(text, "utoipa") || uses(text, "form_urlencoded"))
        .map(|(file, _)| file)
        .collect();
    let listed: BTreeSet<String> = STORE_WIRE_DEBT.iter().map(|s| s.to_string()).collect();
    let new: Vec<_> = today.difference(&listed).collect();
    assert!(
        new.is_empty(),
        "store files with OpenAPI derives or URL parsing that are not on the list \
         (put wire types in web instead): {new:?}"
    );
    let paid: Vec<_> = listed.difference(&today).collect();
    assert!(
        paid.is_empty(),
        "store files on the list that no longer need to be (remove them): {paid:?}"
    );
}

#[test]
fn api_and_pages_never_import_each_other() {
    for (file, text) in sources("crates/web/src/api") {
        assert!(
            !uses(&text, "crate::pages"),
            "{file} imports from pages: shared code goes in a neutral module of web"
        );
    }
    for (file, text) in sources("crates/web/src/pages") {
        assert!(
            !uses(&text, "crate::api"),
            "{file} imports from api: shared code goes in a neutral module of web"
        );
    }
}
