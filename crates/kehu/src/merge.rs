//! `kehu merge`: fold duplicate customers into one, see what a merge would
//! keep, and undo a merge.

use std::collections::BTreeMap;

use anyhow::anyhow;
use clap::{Args, Subcommand};
use kehu_core::{ChangeSource, ContactId, CustomerId, Lang};
use kehu_store::contact_merge::{ContactMerge, ContactMergeRequest};
use kehu_store::merge::{Merge, MergeRequest, UndoMerge};

use crate::cli::Database;
use crate::transfer::Acting;

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct MergeArgs {
    #[command(subcommand)]
    pub action: Option<MergeAction>,
    /// The customers to merge: the first one stays (the survivor), the
    /// others are folded into it and go to the bin.
    #[arg(required = true, num_args = 2.., value_name = "ID")]
    pub ids: Vec<i64>,
    /// Keep this record's value of a field, as FIELD=ID (title=42,
    /// custom.level=42); may be repeated. Other fields keep the value of
    /// the most recently verified record, else the most complete, else the
    /// newest.
    #[arg(long = "keep", value_name = "FIELD=ID")]
    pub keep: Vec<String>,
    /// Show what the merge would keep, changing nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The ids are contacts of one customer, not customers.
    #[arg(long)]
    pub contacts: bool,
    #[command(flatten)]
    pub db: Database,
    #[command(flatten)]
    pub acting: Acting,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum MergeAction {
    /// Take a merge back: both records as they were, everything moved
    /// returned.
    Undo {
        merge: i64,
        /// Undo even though the survivor was changed after the merge (the
        /// fields the merge set go back; later edits to others stay).
        #[arg(long)]
        force: bool,
        /// A merge of contacts.
        #[arg(long)]
        contacts: bool,
        #[command(flatten)]
        db: Database,
        #[command(flatten)]
        acting: Acting,
        #[arg(long)]
        json: bool,
    },
    /// Two records are not duplicates: never proposed as such again.
    NotDuplicate {
        a: i64,
        b: i64,
        /// The ids are contacts.
        #[arg(long)]
        contacts: bool,
        #[command(flatten)]
        db: Database,
        #[command(flatten)]
        acting: Acting,
    },
    /// What a merge did.
    Show {
        merge: i64,
        /// A merge of contacts.
        #[arg(long)]
        contacts: bool,
        #[command(flatten)]
        db: Database,
        #[command(flatten)]
        acting: Acting,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(args: MergeArgs) -> anyhow::Result<()> {
    match args.action {
        Some(MergeAction::Undo {
            merge,
            force,
            contacts,
            db,
            acting,
            json,
        }) => {
            let (store, ctx, lang) = acting.open(&db, ChangeSource::Merge).await?;
            let done = if contacts {
                let undo = store
                    .undo_contact_merge(&ctx, merge, force)
                    .await
                    .map_err(|e| explain(e, lang))?;
                if json {
                    println!("{}", serde_json::to_string(&undo)?);
                } else if undo.done {
                    print_contact_merge(&undo.merge, lang);
                } else {
                    eprintln!("{}", survivor_changed(lang, undo.merge.survivor_id));
                }
                undo.done
            } else {
                let undo = store
                    .undo_merge(&ctx, merge, force)
                    .await
                    .map_err(|e| explain(e, lang))?;
                print_undo(&undo, lang, json)?;
                undo.done
            };
            if !done {
                std::process::exit(2);
            }
            Ok(())
        }
        Some(MergeAction::Show {
            merge,
            contacts,
            db,
            acting,
            json,
        }) => {
            let (store, ctx, lang) = acting.open(&db, ChangeSource::Merge).await?;
            if !contacts {
                let merge = store
                    .merge(&ctx.actor, merge)
                    .await
                    .map_err(|e| explain(e, lang))?;
                return print_merge(&merge, lang, json);
            }
            let merge = store
                .contact_merge(&ctx, merge)
                .await
                .map_err(|e| explain(e, lang))?;
            if json {
                println!("{}", serde_json::to_string(&merge)?);
            } else {
                print_contact_merge(&merge, lang);
            }
            Ok(())
        }
        Some(MergeAction::NotDuplicate {
            a,
            b,
            contacts,
            db,
            acting,
        }) => {
            let (store, ctx, lang) = acting.open(&db, ChangeSource::Merge).await?;
            let marked = if contacts {
                store
                    .mark_contacts_not_duplicate(&ctx, ContactId(a), ContactId(b))
                    .await
            } else {
                store
                    .mark_not_duplicate(&ctx, CustomerId(a), CustomerId(b))
                    .await
            };
            marked.map_err(|e| explain(e, lang))?;
            println!(
                "{}",
                match lang {
                    Lang::ZhCn => format!("已记下 {a} 和 {b} 不是重复，不会再提示。"),
                    Lang::En => format!(
                        "Noted: {a} and {b} are not duplicates; they will not be proposed again."
                    ),
                }
            );
            Ok(())
        }
        None => merge(args).await,
    }
}

async fn merge(a: MergeArgs) -> anyhow::Result<()> {
    let (store, ctx, lang) = a.acting.open(&a.db, ChangeSource::Merge).await?;
    let zh = lang == Lang::ZhCn;
    let ids: Vec<CustomerId> = a.ids.iter().map(|i| CustomerId(*i)).collect();
    let mut choose = BTreeMap::new();
    for keep in &a.keep {
        let parsed = keep
            .split_once('=')
            .and_then(|(f, id)| Some((f.trim(), id.trim().parse::<i64>().ok()?)));
        let Some((field, id)) = parsed else {
            return Err(anyhow!(if zh {
                format!("--keep {keep} 的格式应为 字段=记录编号，如 title=42")
            } else {
                format!("--keep {keep}: expected FIELD=ID, e.g. title=42")
            }));
        };
        choose.insert(field.to_owned(), CustomerId(id));
    }
    if a.contacts {
        let ids: Vec<ContactId> = a.ids.iter().map(|i| ContactId(*i)).collect();
        if a.dry_run {
            let plan = store
                .contact_merge_plan(&ctx, &ids)
                .await
                .map_err(|e| explain(e, lang))?;
            println!("{}", serde_json::to_string(&plan)?);
            return Ok(());
        }
        let request = ContactMergeRequest {
            survivor: ids[0],
            merged: ids[1..].to_vec(),
            choose: choose
                .into_iter()
                .map(|(f, c)| (f, ContactId(c.get())))
                .collect(),
        };
        let merge = store
            .merge_contacts(&ctx, &request)
            .await
            .map_err(|e| explain(e, lang))?;
        if a.json {
            println!("{}", serde_json::to_string(&merge)?);
        } else {
            print_contact_merge(&merge, lang);
        }
        return Ok(());
    }
    if a.dry_run {
        let plan = store
            .merge_plan(&ctx.actor, &ids)
            .await
            .map_err(|e| explain(e, lang))?;
        if a.json {
            println!("{}", serde_json::to_string(&plan)?);
            return Ok(());
        }
        println!(
            "{}",
            if zh {
                format!("保留记录 {}；各字段取值：", ids[0].get())
            } else {
                format!("Record {} stays; field by field:", ids[0].get())
            }
        );
        for f in &plan.fields {
            let chosen = choose.get(&f.field).map_or(f.chosen, |c| c.get());
            let values: Vec<String> = f
                .values
                .iter()
                .map(|(id, v)| {
                    let mark = if *id == chosen { "*" } else { " " };
                    format!("{mark}#{id} {v}")
                })
                .collect();
            println!("  {:<14} {}", f.field, values.join("   "));
        }
        return Ok(());
    }
    let merge = store
        .merge_customers(&ctx, &MergeRequest::manual(&ids, choose))
        .await
        .map_err(|e| explain(e, lang))?;
    print_merge(&merge, lang, a.json)
}

fn print_merge(m: &Merge, lang: Lang, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(m)?);
        return Ok(());
    }
    let merged: Vec<String> = m.merged_ids.iter().map(i64::to_string).collect();
    let fields = m.changed_fields.join(", ");
    match lang {
        Lang::ZhCn => {
            println!(
                "合并 #{}：客户 {} 并入 {}，移过来 {} 条联系人、跟进和任务，改动的字段：{}。",
                m.id,
                merged.join("、"),
                m.survivor_id,
                m.moved,
                if fields.is_empty() { "无" } else { &fields }
            );
            if m.undone_at.is_some() {
                println!("这次合并已撤销。");
            } else {
                println!("撤销：kehu merge undo {}", m.id);
            }
        }
        Lang::En => {
            println!(
                "Merge #{}: {} folded into {}, {} contacts, follow-ups and tasks moved, fields changed: {}.",
                m.id,
                merged.join(", "),
                m.survivor_id,
                m.moved,
                if fields.is_empty() { "none" } else { &fields }
            );
            if m.undone_at.is_some() {
                println!("This merge has been undone.");
            } else {
                println!("To undo: kehu merge undo {}", m.id);
            }
        }
    }
    Ok(())
}

fn print_undo(u: &UndoMerge, lang: Lang, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(u)?);
        return Ok(());
    }
    let zh = lang == Lang::ZhCn;
    if u.done {
        let merged: Vec<String> = u.merge.merged_ids.iter().map(i64::to_string).collect();
        println!(
            "{}",
            if zh {
                format!(
                    "合并 #{} 已撤销：客户 {} 恢复原样，{} 条联系人、跟进和任务已移回。",
                    u.merge.id,
                    merged.join("、"),
                    u.merge.moved
                )
            } else {
                format!(
                    "Merge #{} undone: {} restored as they were, {} contacts, follow-ups and tasks moved back.",
                    u.merge.id,
                    merged.join(", "),
                    u.merge.moved
                )
            }
        );
    } else {
        eprintln!("{}", survivor_changed(lang, u.merge.survivor_id));
    }
    Ok(())
}

/// Why undo asks first, in the user's language.
fn survivor_changed(lang: Lang, survivor: i64) -> String {
    match lang {
        Lang::ZhCn => format!(
            "未撤销：记录 {survivor} 在合并之后被修改过，撤销会覆盖合并时设置的字段。确认要撤销请加 --force。"
        ),
        Lang::En => format!(
            "Not undone: record {survivor} was changed after the merge, and undoing would overwrite the fields the merge set. Add --force to undo anyway."
        ),
    }
}

fn print_contact_merge(m: &ContactMerge, lang: Lang) {
    let merged: Vec<String> = m.merged_ids.iter().map(i64::to_string).collect();
    let fields = m.changed_fields.join(", ");
    let undone = m.undone_at.is_some();
    match lang {
        Lang::ZhCn => {
            println!(
                "联系人合并 #{}：联系人 {} 并入 {}，移过来 {} 条跟进，改动的字段：{}。",
                m.id,
                merged.join("、"),
                m.survivor_id,
                m.moved,
                if fields.is_empty() { "无" } else { &fields }
            );
            if undone {
                println!("这次合并已撤销。");
            } else {
                println!("撤销：kehu merge undo {} --contacts", m.id);
            }
        }
        Lang::En => {
            println!(
                "Contact merge #{}: {} folded into {}, {} follow-ups moved, fields changed: {}.",
                m.id,
                merged.join(", "),
                m.survivor_id,
                m.moved,
                if fields.is_empty() { "none" } else { &fields }
            );
            if undone {
                println!("This merge has been undone.");
            } else {
                println!("To undo: kehu merge undo {} --contacts", m.id);
            }
        }
    }
}

/// A refusal from the store in the user's language.
pub(crate) fn explain(e: kehu_store::Error, lang: Lang) -> anyhow::Error {
    use kehu_store::Error as E;
    let zh = lang == Lang::ZhCn;
    match e {
        E::NotFound if zh => anyhow!("没有这条记录，或你无权查看"),
        E::NotFound => anyhow!("no such record, or not one you may see"),
        E::Forbidden if zh => anyhow!("只有管理员和经理可以合并客户"),
        E::Forbidden => anyhow!("only administrators and managers may merge customers"),
        E::Conflict("already_undone") if zh => anyhow!("这次合并已经撤销过了"),
        E::Conflict("already_undone") => anyhow!("this merge has already been undone"),
        E::Conflict("survivor_gone") if zh => {
            anyhow!("保留的记录此后又被合并或删除了：请先撤销那次合并或从回收站恢复它")
        }
        E::Conflict("survivor_gone") => anyhow!(
            "the record that stayed was merged again or deleted since: undo that merge or restore it from the bin first"
        ),
        E::Invalid(invalid) => anyhow!("{}", invalid.summary(lang)),
        other => anyhow::Error::new(other),
    }
}
