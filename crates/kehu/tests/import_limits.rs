//! `kehu import` on files built to exhaust it, run as a user would but
//! inside a 1 GB address-space limit (`ulimit -v`), so that a reader
//! allocating what a file claims fails the test instead of the machine.
//! Each file must be refused with a message naming the limit and an
//! ordinary exit, not an abort, quickly; where GNU time is installed its
//! peak memory is measured too.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use kehu_store::testing::TestDb;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const KEHU: &str = env!("CARGO_BIN_EXE_kehu");
const GNU_TIME: &str = "/usr/bin/time";

/// Address space the process may use, in KiB.
const ULIMIT_KIB: u64 = 1_000_000;

/// Runs `kehu import FILE --dry-run ARGS` under the memory limit; the
/// output, how long it took and its peak resident memory in MiB, if known.
fn import_limited(
    db: &str,
    dir: &Path,
    file: &Path,
    args: &[&str],
) -> (Output, Duration, Option<u64>) {
    let timed = Path::new(GNU_TIME).exists();
    let script = if timed {
        format!("ulimit -v {ULIMIT_KIB}; exec {GNU_TIME} -f 'peak_rss_kib=%M' \"$0\" \"$@\"")
    } else {
        format!("ulimit -v {ULIMIT_KIB}; exec \"$0\" \"$@\"")
    };
    let started = Instant::now();
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(KEHU)
        .args(["import", file.to_str().unwrap(), "--dry-run", "--quiet"])
        .args(args)
        .current_dir(dir)
        .env("KEHU_DATABASE_URL", db)
        .env("KEHU_MASTER_KEY", kehu_store::testing::TEST_MASTER_KEY)
        .env("KEHU_LANG", "en")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let peak = stderr
        .lines()
        .find_map(|l| l.strip_prefix("peak_rss_kib="))
        .and_then(|kib| kib.trim().parse::<u64>().ok())
        .map(|kib| kib / 1024);
    (out, took, peak)
}

fn xlsx(path: &Path, sheet: impl FnOnce(&mut dyn Write)) -> PathBuf {
    let mut zip = ZipWriter::new(std::fs::File::create(path).unwrap());
    let deflate = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, xml) in parts {
        zip.start_file(name, deflate).unwrap();
        zip.write_all(xml.as_bytes()).unwrap();
    }
    zip.start_file("xl/worksheets/sheet1.xml", deflate).unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#)
        .unwrap();
    sheet(&mut zip);
    zip.write_all(b"</worksheet>").unwrap();
    zip.finish().unwrap();
    path.to_owned()
}

fn ods(path: &Path, rows: &str) -> PathBuf {
    let mut zip = ZipWriter::new(std::fs::File::create(path).unwrap());
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    let deflate = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    zip.start_file("META-INF/manifest.xml", deflate).unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#)
        .unwrap();
    zip.start_file("content.xml", deflate).unwrap();
    write!(
        zip,
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="客户">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    )
    .unwrap();
    zip.finish().unwrap();
    path.to_owned()
}

const ODS_HEADER: &str = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>姓名</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>手机</text:p></table:table-cell></table:table-row>"#;

#[tokio::test(flavor = "multi_thread")]
async fn hostile_files_are_refused_within_a_memory_limit_naming_the_limit() {
    let (_store, db) = TestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let two_cells = xlsx(&d.join("two-cells.xlsx"), |w| {
        let cells = r#"<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>"#;
        w.write_all(cells.as_bytes()).unwrap();
    });
    let bomb = xlsx(&d.join("bomb.xlsx"), |w| {
        w.write_all(b"<sheetData>").unwrap();
        let rows =
            r#"<row><c t="inlineStr"><is><t>aaaaaaaaaaaaaaaa</t></is></c></row>"#.repeat(1000);
        for _ in 0..(64 * 1024 * 1024 / rows.len()) {
            w.write_all(rows.as_bytes()).unwrap();
        }
        w.write_all(b"</sheetData>").unwrap();
    });
    let repeats = ods(
        &d.join("repeats.ods"),
        &format!(
            r#"{ODS_HEADER}<table:table-row table:number-rows-repeated="1048575"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="1000"/></table:table-row>"#
        ),
    );
    let mut line = String::from("姓名,手机\n张三,");
    line.push_str(&"1,".repeat(1_000_000));
    line.push('\n');
    let wide = d.join("wide.csv");
    std::fs::write(&wide, line).unwrap();

    for (file, message) in [
        (&two_cells, "Row 1048576 has more than 1024 columns"),
        (&bomb, "more than 100 times its packed size"),
        (&repeats, "more than 10000000 cells"),
        (&wide, "Row 2 has more than 1024 columns"),
    ] {
        let (out, took, peak) = import_limited(&db.url, d, file, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        // An abort (allocation failure) or a kill would have no exit code.
        assert_eq!(out.status.code(), Some(1), "{file:?}: {stderr}");
        assert!(stderr.contains(message), "{file:?}: {stderr}");
        assert!(took < Duration::from_secs(5), "{file:?} took {took:?}");
        eprintln!("{file:?}: refused in {took:?}, peak {peak:?} MiB");
        if let Some(peak) = peak {
            assert!(peak < 64, "{file:?} peaked at {peak} MiB");
        }
    }

    // The limits are the user's to set: a lower column limit refuses what
    // the default lets through, naming the new limit.
    let csv = d.join("twelve.csv");
    std::fs::write(
        &csv,
        format!(
            "{}\n",
            (1..=12)
                .map(|i| format!("c{i}"))
                .collect::<Vec<_>>()
                .join(",")
        ),
    )
    .unwrap();
    let (out, _, _) = import_limited(&db.url, d, &csv, &["--max-columns", "10"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("more than 10 columns"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ordinary_file_imports_within_the_same_memory_limit() {
    let (_store, db) = TestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("姓名,手机,公司\n");
    for i in 0..20_000 {
        csv.push_str(&format!("客户{i},138{i:08},某某科技有限公司\n"));
    }
    let file = dir.path().join("customers.csv");
    std::fs::write(&file, csv).unwrap();
    let (out, _, peak) = import_limited(&db.url, dir.path(), &file, &["--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap();
    assert_eq!(report["created"], 20_000, "{report}");
    if let Some(peak) = peak {
        eprintln!("an ordinary dry run of 20,000 rows peaked at {peak} MiB");
    }
}
