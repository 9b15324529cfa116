//! The words of the pages in both languages. Templates ask `t.s("key")`;
//! a unit test reads every template and fails on a key missing here, so
//! no page ever shows a raw key.

use std::collections::HashMap;
use std::sync::LazyLock;

use kehu_core::Lang;

use super::frame::local;

/// The page's language, with its dictionary and formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct T(pub Lang);

static DICTIONARY: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
    LazyLock::new(|| TEXTS.iter().map(|&(k, zh, en)| (k, (zh, en))).collect());

impl T {
    pub fn s(&self, key: &str) -> &'static str {
        match DICTIONARY.get(key) {
            Some((zh, en)) => match self.0 {
                Lang::ZhCn => zh,
                Lang::En => en,
            },
            None => {
                tracing::warn!(key, "missing page text");
                "?"
            }
        }
    }

    /// The label of a built-in field, e.g. `field("mobile")`.
    pub fn field(&self, name: &str) -> &'static str {
        self.s(&format!("field.{name}"))
    }

    /// The label of a value from a fixed list (`stage`, `channel`, …);
    /// a value without a label is shown as it is.
    pub fn choice(&self, list: &str, value: &str) -> String {
        let key = format!("{list}.{value}");
        match DICTIONARY.get(key.as_str()) {
            Some(_) => self.s(&key).to_owned(),
            None => value.to_owned(),
        }
    }

    pub fn tag(&self) -> &'static str {
        self.0.tag()
    }

    pub fn is_zh(&self) -> bool {
        self.0 == Lang::ZhCn
    }

    /// A point in time as people read it, in China time.
    pub fn time(&self, ms: i64) -> String {
        local(ms).format("%Y-%m-%d %H:%M").to_string()
    }

    pub fn date(&self, ms: i64) -> String {
        local(ms).format("%Y-%m-%d").to_string()
    }

    /// Replaces `{n}` in a text with a number.
    pub fn count(&self, key: &str, n: impl std::fmt::Display) -> String {
        self.s(key).replace("{n}", &n.to_string())
    }
}

/// Whether a text exists, for keys that come from outside (`flash=`).
pub fn has(key: &str) -> bool {
    DICTIONARY.contains_key(key)
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Key, Simplified Chinese, English.
const TEXTS: &[(&str, &str, &str)] = &[
    // Data quality (核对报告)
    ("quality.run", "立即核对", "Run the check now"),
    ("quality.run_of", "核对", "Run"),
    ("quality.stale_after", "超过 {n} 天未核对算过期", "stale after {n} days"),
    ("quality.incomplete_below", "完整度低于 {n} 算不完整", "incomplete below {n}"),
    ("quality.download_csv", "下载 CSV", "Download CSV"),
    ("quality.download_xlsx", "下载 Excel", "Download Excel"),
    ("quality.totals", "总计", "Totals"),
    ("quality.customers", "客户", "Customers"),
    ("quality.contacts", "联系人", "Contacts"),
    ("quality.contacts_invalid", "不合规的联系人", "Invalid contacts"),
    ("quality.contacts_incomplete", "不完整的联系人", "Incomplete contacts"),
    ("quality.invalid", "不合规", "Invalid"),
    ("quality.incomplete", "不完整", "Incomplete"),
    ("quality.stale", "待核对", "Stale"),
    ("quality.average", "平均完整度", "Average completeness"),
    ("quality.distribution", "完整度分布", "Completeness distribution"),
    ("quality.score", "完整度", "Completeness"),
    ("quality.rules", "各规则不符合的记录", "Records failing each rule"),
    ("quality.rule", "规则", "Rule"),
    ("quality.record_type", "记录类型", "Record type"),
    ("quality.level", "要求", "Level"),
    ("quality.failing", "不符合", "Failing"),
    ("quality.type_company", "企业客户", "Company customers"),
    ("quality.type_individual", "个人客户", "Individual customers"),
    ("quality.type_contact", "联系人", "Contacts"),
    ("quality.type_customer", "客户", "Customers"),
    ("quality.level_required", "必填", "Required"),
    ("quality.level_recommended", "建议填写", "Recommended"),
    ("quality.level_field_rules", "字段规则", "Field rules"),
    ("quality.duplicates", "重复与合并", "Duplicates and merges"),
    ("quality.clusters_open", "待审核的重复组", "Duplicate clusters open"),
    ("quality.clusters_merged", "已合并的重复组", "Duplicate clusters merged"),
    ("quality.clusters_dismissed", "已排除的重复组", "Duplicate clusters dismissed"),
    ("quality.merges", "合并次数", "Merges"),
    ("quality.records_merged", "被合并的记录", "Records merged"),
    ("quality.by_owner", "按负责人", "By owner"),
    ("quality.by_team", "按团队", "By team"),
    ("quality.records", "记录数", "Records"),
    ("quality.duplicates_entered", "重复录入", "Duplicates entered"),
    ("quality.pool", "公海", "Shared pool"),
    ("quality.no_team", "无团队", "No team"),
    ("quality.no_runs", "还没有核对过。点击“立即核对”生成第一份报告。", "No check has run yet. Run the check to see the first report."),
    ("quality.trend", "历次核对", "Earlier runs"),
    ("quality.revalidations", "规则变更后的复核", "Re-validations after rule changes"),
    ("quality.no_revalidations", "还没有规则变更。", "No rule has changed yet."),
    ("quality.failing_of", "{n} 条不符合", "{n} failing"),
    ("quality.revalidation", "规则复核", "Re-validation"),
    ("quality.no_failures", "没有记录违反变更后的规则。", "No record breaks the changed rules."),
    ("quality.failures_hint", "这些记录违反了变更后的规则，未做任何修改，请逐一核对。", "These records break the changed rules; nothing was changed. Check them one by one."),
    ("quality.record", "记录", "Record"),
    ("quality.problem", "问题", "Problem"),
    ("quality.previous", "上一页", "Previous"),
    ("quality.next", "下一页", "Next"),
    ("flash.check_done", "核对完成", "Check done"),
    ("flash.rules_saved", "规则已保存：{n} 条记录不符合新规则", "Rules saved: {n} records break the new rules"),
    ("settings.quality", "数据质量", "Data quality"),
    ("quality.rules_help", "每种记录的必填与建议字段及其权重。多个字段用 | 分隔表示任填其一（如 mobile|phone）；自定义字段写作 custom.键名；清空一行即删除该规则。保存后会复核现有记录，列出不符合新规则的记录，但不会修改它们。", "Required and recommended fields of each kind of record, with their weights. Fields separated by | mean any one of them (mobile|phone); custom fields are custom.KEY; clear a line to remove its rule. Saving re-checks existing records and lists those that break the new rules, without changing them."),
    ("quality.weight", "权重", "Weight"),
    ("quality.score_of", "完整度 {n}/100", "Completeness {n}/100"),
    ("quality.missing_required", "缺少必填", "Required but missing"),
    ("quality.missing_recommended", "建议补充", "Worth adding"),
    ("quality.is_stale", "久未核对，请核对后点“已核对”", "Not verified for a long time: check it and mark it verified"),
    ("quality.or", "或", " or "),
    ("quality.stale_days", "多少天未核对或更新算过期", "Days without verification or update before a record is stale"),
    ("quality.incomplete_threshold", "完整度低于多少算不完整（0–100）", "Completeness below which a record is incomplete (0–100)"),
    ("app.name", "客户", "kehu"),
    // Frame and navigation
    ("nav.customers", "客户", "Customers"),
    ("nav.tasks", "我的任务", "My tasks"),
    ("nav.imports", "导入", "Imports"),
    ("nav.duplicates", "查重合并", "Duplicates"),
    ("nav.products", "产品目录", "Products"),
    ("products.search", "按编码或名称查找", "Find by code or name"),
    ("products.inactive_too", "包括已停用的", "Inactive too"),
    ("products.find", "查找", "Find"),
    ("products.total", "共 {n} 个产品", "Products: {n}"),
    ("products.none", "目录里还没有产品。", "No products here."),
    ("products.code", "编码", "Code"),
    ("products.unit", "单位", "Unit"),
    ("products.price", "单价", "Price"),
    ("products.active", "在售", "Active"),
    ("products.yes", "是", "Yes"),
    ("products.no", "否", "No"),
    ("products.add", "添加产品", "Add a product"),
    ("products.price_hint", "如 12800、¥12,800.50 或 100 USD；不写币种即人民币。", "E.g. 12800, ¥12,800.50 or 100 USD; without a currency it is CNY."),
    ("flash.product_added", "产品已添加", "Product added"),
    ("nav.orders", "订单", "Orders"),
    ("orders.all_statuses", "全部状态", "All statuses"),
    ("orders.new", "新建订单", "New order"),
    ("orders.create", "创建订单", "Create order"),
    ("orders.edit", "编辑", "Edit"),
    ("orders.none", "还没有订单。", "No orders here."),
    ("orders.more", "更早的订单", "Older orders"),
    ("orders.number", "订单号", "Order"),
    ("orders.customer", "客户", "Customer"),
    ("orders.status", "状态", "Status"),
    ("orders.total", "金额", "Total"),
    ("orders.paid", "已回款", "Paid"),
    ("orders.outstanding", "待回款", "Outstanding"),
    ("orders.created", "创建时间", "Created"),
    ("orders.fix_errors", "订单未保存，请修改标出的内容。", "The order was not saved: fix what is marked."),
    ("orders.external_ref", "外部单号", "External number"),
    ("orders.ordered_on", "下单日期", "Order date"),
    ("orders.lines", "订单明细", "Lines"),
    ("orders.lines_hint", "选目录中的产品（名称、单位和单价自动带出，可改），或直接填写名称和单价。空行不计。", "Pick a catalogue product (its name, unit and price come with it and can be changed), or type a name and price. Blank rows are left out."),
    ("orders.product", "产品", "Product"),
    ("orders.no_product", "（不选目录产品）", "(no catalogue product)"),
    ("orders.quantity", "数量", "Quantity"),
    ("orders.discount", "折扣", "Discount"),
    ("orders.discount_hint", "折扣写法：9折、15%（减 15%），或直接写减去的金额，如 200。", "Discounts: 15% (percent off), 9折 (pay 90%), or an amount off such as 200."),
    ("orders.line_total", "小计", "Line total"),
    ("orders.percent_off", "减 {n}%", "{n}% off"),
    ("orders.amount_off", "减 {n}", "{n} off"),
    ("orders.pick_customer", "为哪个客户下单？按名称、拼音、手机号查找", "Which customer is it for? Find by name, pinyin or mobile"),
    ("orders.no_customer_found", "没有找到客户。", "No customer found."),
    ("orders.details", "订单信息", "Order"),
    ("orders.carrier", "承运商", "Carrier"),
    ("orders.tracking_no", "运单号", "Tracking number"),
    ("orders.reason", "原因", "Reason"),
    ("orders.payments", "回款记录", "Payments"),
    ("orders.no_payments", "还没有回款。", "No payments yet."),
    ("orders.payment", "回款", "Payment"),
    ("orders.confirm_hint", "确认后明细不能再改，可以开始收款。", "Once confirmed, the lines are fixed and payments can be recorded."),
    ("orders.do.confirm", "确认订单", "Confirm order"),
    ("orders.do.ship", "发货", "Ship"),
    ("orders.do.deliver", "确认签收", "Mark delivered"),
    ("orders.do.complete", "完成订单", "Complete order"),
    ("orders.do.cancel", "取消订单", "Cancel order"),
    ("orders.do.refund", "退款", "Refund"),
    ("orders.record_payment", "登记回款", "Record payment"),
    ("orders.amount", "金额", "Amount"),
    ("orders.method", "方式", "Method"),
    ("orders.paid_on", "回款日期", "Paid on"),
    ("orders.reference", "流水号", "Reference"),
    ("orders.history", "订单记录", "History"),
    ("orders.h.created", "创建了订单", "Created the order"),
    ("orders.field.notes", "备注", "Notes"),
    ("orders.field.external_ref", "外部单号", "External number"),
    ("orders.field.ordered_on", "下单日期", "Order date"),
    ("orders.field.customer_id", "客户", "Customer"),
    ("orders.field.owner_id", "负责人", "Owner"),
    ("orders.field.team_id", "团队", "Team"),
    ("orders.field.total", "金额", "Total"),
    ("orders.field.paid", "已回款", "Paid"),
    ("orders.field.currency", "币种", "Currency"),
    ("orders.field.carrier", "承运商", "Carrier"),
    ("orders.field.tracking_no", "运单号", "Tracking number"),
    ("orders.field.reason", "原因", "Reason"),
    ("orders.field.confirmed_at", "确认时间", "Confirmed at"),
    ("orders.field.paid_at", "付清时间", "Paid at"),
    ("orders.field.shipped_at", "发货时间", "Shipped at"),
    ("orders.field.delivered_at", "签收时间", "Delivered at"),
    ("orders.field.completed_at", "完成时间", "Completed at"),
    ("orders.field.cancelled_at", "取消时间", "Cancelled at"),
    ("orders.field.refunded_at", "退款时间", "Refunded at"),
    ("orders.of_customer", "订单", "Orders"),
    ("orders.figures", "已购 {n} 次", "Bought {n} times"),
    ("orders.spent", "累计消费", "Total spent"),
    ("orders.first_purchase", "首次购买", "First purchase"),
    ("orders.last_purchase", "最近购买", "Last purchase"),
    ("orders.nothing_bought", "还没有付清的订单。", "Nothing paid for yet."),
    ("timeline.order", "订单", "Order"),
    ("timeline.payment", "回款", "Payment"),
    ("timeline.shipment", "发货", "Shipped"),
    ("payment_method.bank_transfer", "银行转账", "Bank transfer"),
    ("payment_method.alipay", "支付宝", "Alipay"),
    ("payment_method.wechat_pay", "微信支付", "WeChat Pay"),
    ("payment_method.cash", "现金", "Cash"),
    ("payment_method.card", "刷卡", "Card"),
    ("payment_method.cheque", "支票", "Cheque"),
    ("payment_method.other", "其他", "Other"),
    ("flash.order_created", "订单已创建（草稿）", "Order created as a draft"),
    ("flash.order_confirm", "订单已确认", "Order confirmed"),
    ("flash.order_ship", "已发货", "Shipped"),
    ("flash.order_deliver", "已确认签收", "Marked delivered"),
    ("flash.order_complete", "订单已完成", "Order completed"),
    ("flash.order_cancel", "订单已取消", "Order cancelled"),
    ("flash.order_refund", "订单已退款", "Order refunded"),
    ("flash.payment_recorded", "回款已登记", "Payment recorded"),
    ("flash.order_changed", "订单已被他人修改或已确认，请查看后再改", "Someone else changed or confirmed the order; look before changing it"),
    ("nav.settings", "设置", "Settings"),
    ("nav.quality", "核对报告", "Data quality"),
    ("nav.logout", "退出", "Log out"),
    ("nav.menu", "主导航", "Main navigation"),
    ("nav.language", "语言", "Language"),
    ("nav.skip", "跳到主要内容", "Skip to content"),
    (
        "nav.tasks_due",
        "项今天到期或已逾期",
        "due today or overdue",
    ),
    // Login
    ("login.title", "登录", "Sign in"),
    ("login.email", "邮箱", "Email"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Sign in"),
    (
        "login.failed",
        "邮箱或密码不正确",
        "Wrong email or password",
    ),
    (
        "login.rate_limited",
        "登录失败次数过多，请 15 分钟后再试",
        "Too many failed sign-ins; try again in 15 minutes",
    ),
    (
        "login.required",
        "请填写邮箱和密码",
        "Enter your email and password",
    ),
    // Errors
    ("error.title", "出错了", "Something went wrong"),
    (
        "error.not_found",
        "页面或记录不存在，或您无权查看。",
        "This page or record does not exist, or you may not see it.",
    ),
    (
        "error.forbidden",
        "您无权执行此操作，或页面已过期，请刷新后重试。",
        "You may not do this, or the page has expired; reload and try again.",
    ),
    (
        "error.bad_request",
        "请求有误。",
        "The request was not understood.",
    ),
    (
        "error.conflict",
        "记录已被他人修改，请刷新后重试。",
        "Someone else changed this record; reload and try again.",
    ),
    (
        "error.internal",
        "服务器内部错误，请稍后再试。",
        "Internal server error; please try again later.",
    ),
    ("error.back", "返回客户列表", "Back to customers"),
    (
        "form.has_errors",
        "有字段填写有误，请检查标出的内容。",
        "Some fields need attention; see the marked ones.",
    ),
    // Common words
    ("common.save", "保存", "Save"),
    ("common.cancel", "取消", "Cancel"),
    ("common.delete", "删除", "Delete"),
    ("common.edit", "编辑", "Edit"),
    ("common.search", "搜索", "Search"),
    ("common.apply", "应用", "Apply"),
    ("common.reset", "清除", "Clear"),
    ("common.none", "无", "None"),
    ("common.all", "全部", "All"),
    ("common.any", "不限", "Any"),
    ("common.yes", "是", "Yes"),
    ("common.no", "否", "No"),
    ("common.next_page", "下一页", "Next page"),
    ("common.first_page", "第一页", "First page"),
    ("common.from", "从", "From"),
    ("common.to", "到", "To"),
    ("common.optional", "选填", "optional"),
    ("common.required", "必填", "required"),
    ("common.masked", "已隐藏", "hidden"),
    ("common.system", "系统", "System"),
    ("common.pool", "公海（无负责人）", "Pool (no owner)"),
    ("common.actions", "操作", "Actions"),
    // Flash messages after a POST
    (
        "flash.import_undone",
        "已撤销：{n} 条客户被移入回收站或恢复了原值",
        "Undone: {n} customers removed or given their previous values",
    ),
    ("flash.import_resumed", "已继续导入", "The import goes on"),
    ("flash.saved", "已保存", "Saved"),
    ("flash.scan_started", "已开始查重扫描，完成后刷新本页查看结果", "Scan started: reload this page when it finishes"),
    ("flash.scan_running", "另一次查重扫描正在进行，请等它结束", "Another scan is running: wait for it to finish"),
    ("flash.merged", "已合并，可以在本页撤销", "Merged: you can undo it on this page"),
    ("flash.merge_undone", "合并已撤销，记录已恢复原样", "Merge undone: the records are back as they were"),
    ("flash.dismissed", "已标记为不是重复，不会再次提示", "Marked as not duplicates: they will not be proposed again"),
    ("flash.member_removed", "该记录已移出此组，不会再与其他记录一起提示", "That record left the cluster and will not be proposed with the others again"),
    ("flash.pick_two", "请至少选择两条记录合并", "Choose at least two records to merge"),
    ("flash.undo_conflict", "未撤销：保留的记录在合并后被修改过", "Not undone: the record that stayed was changed after the merge"),
    ("dup.rules", "自动合并规则", "Automatic merge rules"),
    ("dup.rules_hint", "一组疑似重复中每一对记录都达到最低相似度、并具备规则要求的全部依据时，按规则自动合并（默认取值同人工合并）。每次合并都可以撤销。", "A cluster is merged without review when every pair in it reaches the minimum score with all the evidence the rule requires (values chosen as in a manual merge). Every merge can be undone."),
    ("dup.no_rules", "还没有规则：所有重复都由人工核对。", "No rules yet: every duplicate is reviewed by a person."),
    ("dup.rule_name", "规则名称", "Rule name"),
    ("dup.rule_require", "必须具备的依据", "Evidence required"),
    ("dup.rule_min_score", "最低相似度（0–1）", "Minimum score (0–1)"),
    ("dup.rule_schedule", "运行方式", "Runs"),
    ("dup.rule_last_run", "上次运行", "Last run"),
    ("dup.rule_off", "已停用", "disabled"),
    ("dup.rule_disable", "停用", "Disable"),
    ("dup.rule_enable", "启用", "Enable"),
    ("dup.manual", "手动", "By hand"),
    ("dup.daily", "每天（先扫描）", "Daily (after a scan)"),
    ("dup.run_rules", "立即按规则合并", "Run the rules now"),
    ("dup.add_rule", "新建规则", "New rule"),
    ("dup.save_rule", "保存规则", "Save the rule"),
    ("flash.rule_saved", "规则已保存", "Rule saved"),
    ("flash.rule_deleted", "规则已删除", "Rule deleted"),
    ("flash.rule_invalid", "规则未保存：请填写不重复的名称、0 到 1 之间的最低相似度，并至少选择一项依据（或把最低相似度设为 0.9 以上）", "The rule was not saved: give it a name no other rule has, a minimum score between 0 and 1, and at least one piece of evidence (or a minimum score of 0.9 or more)"),
    ("flash.rule_in_use", "这条规则已经合并过记录，不能删除，可以停用", "This rule has merged records and cannot be deleted: disable it instead"),
    ("flash.rules_ran", "按规则合并了 {n} 组", "The rules merged {n} clusters"),
    ("dup.queue_title", "重复客户核对", "Duplicate review"),
    ("dup.scan_now", "立即扫描", "Scan now"),
    ("dup.never", "还没有扫描过。点“立即扫描”查找已有数据中的重复客户。", "No scan yet. Scan now to find duplicates among the customers you hold."),
    ("dup.status", "状态", "Status"),
    ("dup.entity", "记录类型", "Record type"),
    ("dup.customers", "客户", "Customers"),
    ("dup.contacts", "联系人", "Contacts"),
    ("dup.open", "待处理", "To review"),
    ("dup.merged", "已合并", "Merged"),
    ("dup.dismissed", "不是重复", "Not duplicates"),
    ("dup.none", "这里没有重复客户。", "Nothing here."),
    ("dup.total", "共 {n} 组", "Clusters: {n}"),
    ("dup.score", "相似度", "Score"),
    ("dup.related", "分支机构", "Branches"),
    ("dup.related_note", "这些记录是同一公司的总部与分支机构：相关，但不是同一条记录。一般不应合并。", "These are a company's head office and branches: related, not the same record. They should not usually be merged."),
    ("dup.review", "核对并合并", "Review and merge"),
    ("dup.view", "查看", "View"),
    ("dup.reasons", "依据", "Evidence"),
    ("dup.pages", "分页", "Pages"),
    ("dup.prev", "上一页", "Previous"),
    ("dup.next", "下一页", "Next"),
    ("dup.back", "← 返回查重列表", "← Back to the duplicates"),
    ("dup.cluster", "重复组", "Cluster"),
    ("dup.compare_hint", "逐个字段选择要保留的值；默认取最近核对过的记录，其次最完整的，再次最新的。", "Choose the value to keep for each field; by default the most recently verified record's, else the most complete's, else the newest's."),
    ("dup.field", "字段", "Field"),
    ("dup.created", "创建于", "created"),
    ("dup.updated", "更新于", "updated"),
    ("dup.verified", "核对", "Verified"),
    ("dup.keep_record", "保留的记录", "Record that stays"),
    ("dup.stays", "保留", "Stays"),
    ("dup.include", "参与合并", "In the merge"),
    ("dup.in_merge", "合并", "Merge"),
    ("dup.same_values", "各记录的其他字段相同或为空。", "Every other field is the same or empty in each record."),
    ("dup.merge", "合并所选记录", "Merge the selected records"),
    ("dup.managers_merge", "只有经理和管理员可以合并客户。", "Only managers and administrators may merge customers."),
    ("dup.not_duplicate", "不是重复", "Not duplicates"),
    ("dup.not_duplicate_hint", "标记后不会再次提示这些记录互为重复。", "Once marked, these records are never proposed as duplicates of each other again."),
    ("dup.not_this", "此记录不是重复", "Not a duplicate"),
    ("dup.none_duplicates", "这些记录都不是重复", "None of these are duplicates"),
    ("dup.merged_note", "这组记录已合并。撤销合并会恢复两条记录以及移动过的联系人、跟进和任务。", "These records were merged. Undoing the merge restores the records and the contacts, follow-ups and tasks it moved."),
    ("dup.merged_away", "已并入", "merged"),
    ("dup.changed_since", "扫描之后这组记录已被合并或删除，只剩一条：无需再合并。重新扫描会更新查重列表。", "Since the scan, records of this cluster were merged or deleted and only one is left: nothing to merge. A new scan updates the queue."),
    ("dup.dismissed_note", "这组记录已标记为不是重复。", "These records were marked as not duplicates."),
    ("dup.undo", "撤销合并", "Undo the merge"),
    ("dup.undo_force", "仍然撤销", "Undo anyway"),
    ("dup.undo_conflict", "保留的记录在合并之后被修改过，撤销会覆盖合并时设置的字段，之后的其他修改会保留。确认要撤销请点“仍然撤销”。", "The record that stayed was changed after the merge: undoing overwrites the fields the merge set (other later changes stay). Choose Undo anyway to go ahead."),
    ("flash.created", "客户已创建", "Customer created"),
    ("flash.verified", "已标记为核对", "Marked verified"),
    ("flash.contact_added", "联系人已添加", "Contact added"),
    ("flash.follow_up", "跟进记录已添加", "Follow-up added"),
    ("flash.bulk", "已更新 {n} 条记录", "{n} records changed"),
    (
        "flash.bulk_none",
        "没有需要更改的记录",
        "No records needed the change",
    ),
    ("flash.view_saved", "视图已保存", "View saved"),
    ("flash.view_deleted", "视图已删除", "View deleted"),
    ("flash.task_done", "任务已完成", "Task completed"),
    ("flash.task_moved", "任务已改期", "Task rescheduled"),
    ("flash.user_added", "用户已添加", "User added"),
    ("flash.password_reset", "密码已重置", "Password reset"),
    ("flash.field_added", "字段已添加", "Field added"),
    ("flash.team_added", "团队已添加", "Team added"),
    // Own account
    ("account.title", "我的账号", "My account"),
    ("account.change_password", "修改密码", "Change password"),
    ("account.current_password", "当前密码", "Current password"),
    ("account.new_password", "新密码", "New password"),
    (
        "account.confirm_password",
        "再次输入新密码",
        "New password again",
    ),
    (
        "account.password_hint",
        "至少 10 个字符；修改后所有已登录的浏览器都需重新登录",
        "At least 10 characters; every signed-in browser will need to sign in again",
    ),
    (
        "login.password_changed",
        "密码已修改，请用新密码登录",
        "Password changed; sign in with the new one",
    ),
    // Customer list
    ("list.new", "新建客户", "New customer"),
    ("list.views", "视图", "Views"),
    ("list.shared", "共享", "shared"),
    ("list.search_label", "搜索客户", "Search customers"),
    (
        "list.search_hint",
        "姓名、拼音、首字母、公司、手机号片段或邮箱",
        "Name, pinyin, initials, company, part of a phone number or email",
    ),
    ("list.filters", "筛选与列", "Filters and columns"),
    ("list.columns", "显示的列", "Columns shown"),
    ("list.sort", "排序", "Sort by"),
    ("list.sort_updated", "最近更新", "Recently updated"),
    ("list.sort_created", "最近创建", "Recently created"),
    ("list.sort_name", "名称 A→Z", "Name A→Z"),
    ("list.sort_name_desc", "名称 Z→A", "Name Z→A"),
    (
        "list.sort_updated_old",
        "最早更新",
        "Least recently updated",
    ),
    ("list.sort_created_old", "最早创建", "Oldest first"),
    ("list.empty", "没有符合条件的客户", "No customers match"),
    ("list.shown", "本页 {n} 条", "{n} on this page"),
    (
        "list.select_page",
        "选择本页全部",
        "Select all on this page",
    ),
    ("list.select_row", "选择", "Select"),
    ("list.pages", "翻页", "Pages"),
    // Bulk changes
    ("bulk.title", "批量操作", "Bulk change"),
    ("bulk.which", "对哪些客户", "Which customers"),
    ("bulk.selected", "勾选的客户", "The ticked ones"),
    (
        "bulk.filter",
        "当前筛选的全部客户",
        "Every customer the filter finds",
    ),
    ("bulk.action", "操作", "Change"),
    ("bulk.choose", "请选择…", "Choose…"),
    ("bulk.owner", "分配负责人", "Assign owner"),
    ("bulk.add_tag", "添加标签", "Add tag"),
    ("bulk.remove_tag", "移除标签", "Remove tag"),
    ("bulk.stage", "更改阶段", "Change stage"),
    (
        "bulk.confirm_filter",
        "将更改当前筛选到的全部客户（不只是本页），确定吗？",
        "This changes every customer the filter finds, not only this page. Go ahead?",
    ),
    // Saved views
    ("view.save_title", "保存为视图", "Save as a view"),
    ("view.name", "视图名称", "View name"),
    ("view.shared", "与所有人共享", "Share with everyone"),
    ("view.save", "保存视图", "Save view"),
    ("view.delete", "删除视图", "Delete view"),
    // Entry form
    ("form.new_title", "新建客户", "New customer"),
    ("form.edit_title", "编辑客户", "Edit customer"),
    (
        "form.mobile_hint",
        "11 位大陆手机号，可带 +86",
        "11-digit mainland mobile; +86 allowed",
    ),
    (
        "form.phone_hint",
        "固定电话，如 010-12345678",
        "Landline, e.g. 010-12345678",
    ),
    (
        "form.uscc_hint",
        "18 位，含校验位",
        "18 characters with a check character",
    ),
    (
        "form.tags_hint",
        "多个标签用逗号分隔",
        "Separate tags with commas",
    ),
    (
        "form.unique_hint",
        "每个客户的值必须不同",
        "Must differ between customers",
    ),
    (
        "dup.title",
        "可能已存在相同客户：",
        "This customer may already exist:",
    ),
    (
        "dup.hidden",
        "他人负责的客户",
        "A customer owned by someone else",
    ),
    ("dup.joiner", "，", ", "),
    ("dup.reason.mobile", "手机号相同", "same mobile"),
    ("dup.reason.email", "邮箱相同", "same email"),
    ("dup.reason.uscc", "信用代码相同", "same credit code"),
    (
        "dup.reason.name_company",
        "名称和公司相近",
        "similar name and company",
    ),
    (
        "dup.confirm",
        "我已核实，仍要新建",
        "I have checked; create it anyway",
    ),
    // Customer page
    ("show.verify", "标记已核对", "Mark verified"),
    ("show.verified", "已核对", "Verified"),
    ("show.never_verified", "尚未核对", "Not verified yet"),
    ("show.details", "资料", "Details"),
    ("show.contacts", "联系人", "Contacts"),
    ("show.add_contact", "添加联系人", "Add a contact"),
    ("show.no_contacts", "暂无联系人", "No contacts yet"),
    ("show.follow_up", "添加跟进", "Add a follow-up"),
    ("show.add_follow_up", "保存跟进", "Save follow-up"),
    (
        "show.next_date_hint",
        "填写日期会生成一条任务",
        "A date creates a task",
    ),
    ("show.timeline", "动态", "Timeline"),
    ("show.no_events", "暂无动态", "Nothing yet"),
    ("timeline.created", "创建了记录", "Created the record"),
    ("timeline.deleted", "删除了记录", "Deleted the record"),
    ("timeline.restored", "恢复了记录", "Restored the record"),
    ("timeline.verified", "核对了记录", "Verified the record"),
    ("timeline.changed", "修改", "Changed"),
    ("timeline.task", "任务", "Task"),
    // Tasks
    ("tasks.overdue", "已逾期", "Overdue"),
    ("tasks.today", "今天到期", "Due today"),
    ("tasks.upcoming", "即将到期", "Upcoming"),
    ("tasks.none", "没有任务", "Nothing here"),
    ("tasks.complete", "完成", "Complete"),
    ("tasks.new_date", "改到", "Move to"),
    ("tasks.reschedule", "改期", "Reschedule"),
    (
        "tasks.more",
        "只显示最早到期的 500 条任务",
        "Only the 500 earliest tasks are shown",
    ),
    // Settings
    (
        "settings.fields",
        "字段与录入标准",
        "Fields and entry standards",
    ),
    ("settings.users", "用户与角色", "Users and roles"),
    ("settings.teams", "团队", "Teams"),
    ("settings.custom_fields", "自定义字段", "Custom fields"),
    (
        "settings.no_fields",
        "还没有自定义字段",
        "No custom fields yet",
    ),
    ("settings.add_field", "添加字段", "Add a field"),
    ("settings.edit_field", "编辑字段", "Edit field"),
    (
        "settings.key_hint",
        "小写字母开头，只含小写字母、数字和下划线；创建后不能修改",
        "Starts with a lowercase letter; lowercase letters, digits and _ only; cannot change later",
    ),
    ("settings.options", "选项", "Options"),
    (
        "settings.options_hint",
        "单选或多选字段：每行一个选项",
        "For choice fields: one option per line",
    ),
    ("settings.rules", "规则", "Rules"),
    ("settings.rule_required", "必填", "Required"),
    ("settings.rule_unique", "不可重复", "Unique"),
    (
        "settings.sensitive",
        "敏感（对无权查看的角色隐藏）",
        "Sensitive (hidden from roles that may not see it)",
    ),
    (
        "settings.pattern",
        "格式（正则表达式）",
        "Pattern (regular expression)",
    ),
    (
        "settings.pattern_hint",
        "整个值必须匹配，如 [A-Z]{2}\\d{4}",
        "The whole value must match, e.g. [A-Z]{2}\\d{4}",
    ),
    ("settings.min_length", "最少字数", "Minimum length"),
    ("settings.max_length", "最多字数", "Maximum length"),
    ("settings.min", "最小值", "Minimum"),
    ("settings.max", "最大值", "Maximum"),
    ("settings.position", "排序位置", "Position"),
    (
        "settings.delete_field_confirm",
        "删除字段后，已填写的值不再显示。确定删除吗？",
        "Values of a deleted field are no longer shown. Delete it?",
    ),
    (
        "settings.standards",
        "内置字段的录入标准",
        "Entry standards of the built-in fields",
    ),
    (
        "std.name",
        "必填，最多 200 字；全角字符和多余空格自动整理",
        "Required, up to 200 characters; full-width characters and extra spaces are tidied",
    ),
    (
        "std.mobile",
        "中国大陆手机号 11 位，1 开头；+86、空格和横线自动去除",
        "Mainland mobile: 11 digits starting with 1; +86, spaces and dashes are removed",
    ),
    (
        "std.phone",
        "固定电话含区号，可带分机；或 + 开头的国际号码",
        "Landline with area code, extension allowed; or an international number starting with +",
    ),
    (
        "std.email",
        "有效的邮箱地址，域名统一为小写",
        "A valid email address; the domain is lower-cased",
    ),
    (
        "std.uscc",
        "统一社会信用代码 18 位，校验位必须正确",
        "Unified social credit code: 18 characters with a valid check character",
    ),
    (
        "std.province",
        "34 个省级行政区之一，简称也可识别",
        "One of the 34 provincial divisions; short names are recognised",
    ),
    ("std.postal_code", "6 位数字", "6 digits"),
    (
        "std.website",
        "http 或 https 网址",
        "An http or https address",
    ),
    ("settings.add_user", "添加用户", "Add user"),
    (
        "settings.password_hint",
        "留空则生成随机密码，仅显示一次；至少 10 个字符",
        "Leave blank to generate one, shown once; at least 10 characters",
    ),
    (
        "settings.password_once",
        "新密码仅显示这一次，请转交给",
        "The new password is shown only this once; hand it over to",
    ),
    ("settings.deactivate", "停用", "Deactivate"),
    ("settings.activate", "启用", "Activate"),
    ("settings.reset_password", "重置密码", "Reset password"),
    (
        "settings.reset_confirm",
        "重置后该用户需用新密码登录，确定吗？",
        "The user will need the new password to sign in. Reset it?",
    ),
    ("settings.add_team", "添加团队", "Add team"),
    ("settings.no_teams", "还没有团队", "No teams yet"),
    ("settings.members", "{n} 名成员", "{n} members"),
    (
        "settings.delete_team_confirm",
        "确定删除这个团队吗？",
        "Delete this team?",
    ),
    (
        "settings.team_in_use",
        "团队仍有成员或客户，不能删除",
        "The team still has members or customers",
    ),
    ("type.text", "文本", "Text"),
    ("type.long_text", "长文本", "Long text"),
    ("type.integer", "整数", "Whole number"),
    ("type.decimal", "小数", "Decimal"),
    ("type.money", "金额", "Money"),
    ("type.date", "日期", "Date"),
    ("type.date_time", "日期时间", "Date and time"),
    ("type.bool", "是/否", "Yes/no"),
    ("type.select", "单选", "Choice"),
    ("type.multi_select", "多选", "Multiple choice"),
    ("type.email", "邮箱", "Email"),
    ("type.phone", "电话", "Phone"),
    ("type.url", "网址", "Web address"),
    // Built-in fields
    ("field.kind", "类型", "Type"),
    ("field.name", "名称", "Name"),
    ("field.company", "公司", "Company"),
    ("field.title", "职位", "Title"),
    ("field.mobile", "手机", "Mobile"),
    ("field.phone", "电话", "Phone"),
    ("field.email", "邮箱", "Email"),
    (
        "field.uscc",
        "统一社会信用代码",
        "Unified social credit code",
    ),
    ("field.province", "省份", "Province"),
    ("field.city", "城市", "City"),
    ("field.district", "区县", "District"),
    ("field.address", "地址", "Address"),
    ("field.postal_code", "邮编", "Postal code"),
    ("field.industry", "行业", "Industry"),
    ("field.company_size", "公司规模", "Company size"),
    ("field.website", "网站", "Website"),
    ("field.stage", "阶段", "Stage"),
    ("field.source", "来源", "Source"),
    ("field.value_tier", "价值等级", "Value tier"),
    ("field.notes", "备注", "Notes"),
    ("field.owner_id", "负责人", "Owner"),
    ("field.owner", "负责人", "Owner"),
    ("field.team_id", "团队", "Team"),
    ("field.team", "团队", "Team"),
    ("field.external_id", "外部编号", "External ID"),
    ("field.tags", "标签", "Tags"),
    ("field.custom", "自定义字段", "Custom fields"),
    ("field.region", "地区", "Region"),
    ("field.created_at", "创建时间", "Created"),
    ("field.updated_at", "更新时间", "Updated"),
    ("field.verified_at", "核对时间", "Verified"),
    ("field.created", "创建时间", "Created"),
    ("field.updated", "更新时间", "Updated"),
    ("field.deleted_at", "删除时间", "Deleted"),
    ("field.version", "版本", "Version"),
    ("field.verified_by", "核对人", "Verified by"),
    ("field.customer_id", "客户", "Customer"),
    ("field.channel", "方式", "Channel"),
    ("field.content", "内容", "What was said"),
    ("field.next_step", "下一步", "Next step"),
    ("field.next_step_at", "下一步日期", "Next step date"),
    ("field.occurred_at", "时间", "When"),
    ("field.due_at", "到期", "Due"),
    ("field.status", "状态", "Status"),
    ("field.role", "角色", "Role"),
    ("field.active", "启用", "Active"),
    ("field.lang", "语言", "Language"),
    ("field.password", "密码", "Password"),
    ("field.is_primary", "主要联系人", "Primary contact"),
    ("field.label_zh", "中文名称", "Chinese label"),
    ("field.label_en", "英文名称", "English label"),
    ("field.key", "字段键", "Key"),
    // Imports
    ("import.new", "新建导入", "New import"),
    ("import.none", "还没有导入过文件", "No imports yet"),
    ("import.recent", "最近的导入和批量更新", "Recent imports and batch updates"),
    ("import.file", "文件", "File"),
    ("import.kind", "类型", "Kind"),
    ("import.status", "状态", "Status"),
    ("import.started", "开始于", "Started"),
    ("import.finished", "完成于", "Finished"),
    ("import.kind_import", "导入客户", "Import customers"),
    ("import.kind_update", "批量更新", "Batch update"),
    (
        "import.kind_import_hint",
        "新建客户；与已有客户重复的行按下一步选择的方式处理。",
        "Creates customers; rows that duplicate existing ones are handled as you choose in the next step.",
    ),
    (
        "import.kind_update_hint",
        "只修改文件中按 ID、外部编号、手机或邮箱找到的已有客户，不新建。",
        "Only changes the existing customers the rows name by id, external id, mobile or email; creates none.",
    ),
    ("import.step_upload", "1 上传", "1 Upload"),
    ("import.step_map", "2 对应字段", "2 Map columns"),
    ("import.step_preview", "3 预检", "3 Preview"),
    ("import.step_run", "4 导入", "4 Import"),
    ("import.what", "要做什么", "What to do"),
    (
        "import.file_hint",
        "Excel（xlsx/xls）、WPS/ODS、CSV/TSV（UTF-8、GBK/GB18030 均可）、vCard 或 JSON Lines，最大 {n} MB。",
        "Excel (xlsx/xls), ODS, CSV/TSV (UTF-8 or GBK/GB18030), vCard or JSON Lines, up to {n} MB.",
    ),
    ("import.upload", "上传并继续", "Upload and continue"),
    ("import.choose_file", "请选择要导入的文件", "Choose a file to import"),
    ("import.map_title", "对应字段", "Map the columns"),
    ("import.sheet", "工作表", "Sheet"),
    ("import.template", "导入模板", "Import template"),
    ("import.template_guess", "按表头自动识别", "Guess from the headers"),
    ("import.columns", "文件的列", "The file's columns"),
    (
        "import.columns_hint",
        "为每一列选择要填入的字段；已按表头自动识别，可修改。",
        "Choose the field each column fills; guessed from the headers, change what is wrong.",
    ),
    ("import.no_samples", "（前几行为空）", "(empty in the first rows)"),
    ("import.samples", "示例", "Examples"),
    ("import.ignore", "— 不导入 —", "— Ignore —"),
    ("import.delimiter", "分隔符", "delimiter"),
    ("import.policy", "遇到重复客户时", "When a row duplicates a customer"),
    ("import.policy_skip", "跳过", "Skip"),
    (
        "import.policy_skip_hint",
        "已有客户保持不变，该行记为重复。",
        "The existing customer stays as it is; the row is reported as a duplicate.",
    ),
    ("import.policy_fill", "补全空白字段", "Fill empty fields"),
    (
        "import.policy_fill_hint",
        "只把文件中的值填入已有客户为空的字段。",
        "Only fields the existing customer leaves empty are filled from the row.",
    ),
    ("import.policy_overwrite", "覆盖", "Overwrite"),
    (
        "import.policy_overwrite_hint",
        "用文件中非空的值覆盖已有客户的字段。",
        "The row's non-empty cells replace the existing customer's values.",
    ),
    ("import.policy_create", "仍然新建", "Create anyway"),
    (
        "import.policy_create_hint",
        "即使重复也新建客户（按 ID 或外部编号匹配的行除外）。",
        "A new customer is created even so (except for rows matching by id or external id).",
    ),
    ("import.save_template", "保存为导入模板", "Save as an import template"),
    (
        "import.save_template_hint",
        "填写名称，下次导入同样格式的文件时可直接选用这套对应关系。",
        "Give it a name to reuse this mapping for the next file of the same layout.",
    ),
    ("import.preview", "预检", "Preview"),
    ("import.other_file", "换一个文件", "Another file"),
    ("import.preview_title", "预检结果", "Preview"),
    (
        "import.preview_hint",
        "已检查每一行，尚未写入任何数据。",
        "Every row was checked; nothing has been written yet.",
    ),
    ("import.run", "开始导入", "Run import"),
    ("import.run_update", "开始批量更新", "Run batch update"),
    ("import.back", "返回修改对应", "Back to mapping"),
    ("import.problem_rows", "被拒绝和跳过的行", "Rejected and skipped rows"),
    (
        "import.more_issues",
        "仅列出前 200 行；导入后可下载全部。",
        "Only the first 200 are listed; all of them can be downloaded after the import.",
    ),
    ("import.row", "行号", "Row"),
    ("import.outcome", "结果", "Outcome"),
    ("import.reasons", "原因", "Reasons"),
    ("import.matches", "重复于", "Duplicates"),
    ("import.cells", "原始内容", "Original cells"),
    ("import.same_as_row", "第 {n} 行", "row {n}"),
    ("import.customer_n", "客户 #{n}", "customer #{n}"),
    ("import.created", "新建", "Created"),
    ("import.updated", "更新", "Updated"),
    ("import.unchanged", "无变化", "Unchanged"),
    ("import.skipped", "重复跳过", "Skipped (duplicates)"),
    ("import.rejected", "拒绝", "Rejected"),
    ("import.batch", "导入批次", "Import batch"),
    ("import.all_batches", "全部导入", "All imports"),
    ("import.progress", "进度", "Progress"),
    ("import.rows_done", "已处理行数", "Rows done"),
    ("import.refresh", "刷新进度", "Refresh progress"),
    (
        "import.interrupted_hint",
        "这个批次在中途停止了。继续导入会从最后提交的行接着做，每行只写入一次。",
        "This batch stopped half-way. Resuming carries on after its last committed row; no row is written twice.",
    ),
    ("import.resume", "继续导入", "Resume"),
    ("import.undo_refused", "未撤销", "Not undone"),
    (
        "import.undo_conflicts",
        "导入之后有 {n} 条客户被他人修改过，撤销会覆盖这些修改：",
        "{n} customers were changed after the import, and undoing would overwrite that work:",
    ),
    (
        "import.undo_force_confirm",
        "仍然撤销并覆盖这些修改？",
        "Undo anyway and overwrite those changes?",
    ),
    ("import.undo_force", "仍然撤销", "Undo anyway"),
    ("import.report", "导入报告", "Report"),
    (
        "import.download_hint",
        "下载被拒绝和跳过的行（原样保留，并附行号和原因），修改后可再次导入。",
        "Download the rejected and skipped rows (as they were, with row numbers and reasons), fix them and import again.",
    ),
    ("import.download_csv", "下载 CSV", "Download CSV"),
    ("import.download_xlsx", "下载 Excel", "Download Excel"),
    ("import.no_problems", "每一行都已导入。", "Every row went in."),
    (
        "import.undo_confirm",
        "撤销这个批次？新建的客户将移入回收站，被修改的字段恢复原值。",
        "Undo this batch? The customers it created go to the bin and the fields it changed get their previous values.",
    ),
    (
        "import.undo_hint",
        "撤销会删除本批次新建的客户，并把它修改过的字段恢复为导入前的值。",
        "Undo removes the customers this batch created and gives the fields it changed their values from before.",
    ),
    ("import.undo", "撤销本批次", "Undo this batch"),
    ("import.status_running", "导入中", "Running"),
    ("import.status_interrupted", "已中断", "Interrupted"),
    ("import.status_done", "已完成", "Done"),
    ("import.status_undoing", "撤销中", "Undoing"),
    ("import.status_undone", "已撤销", "Undone"),
    ("import.already_undone", "这个批次已经撤销过了。", "This batch has already been undone."),
    (
        "import.still_running",
        "这个批次正在导入，请等它完成或中断后再操作。",
        "This batch is still running; wait until it has finished or stopped.",
    ),
    (
        "import.file_gone",
        "这个批次的文件已不在或已改变，无法继续。",
        "The batch's file is gone or has changed, so it cannot go on.",
    ),
    (
        "import.finished_elsewhere",
        "这个批次已经完成，或正由别的进程导入。",
        "This batch has finished, or another process is importing it.",
    ),
    ("list.export_csv", "导出 CSV", "Export CSV"),
    ("list.export_xlsx", "导出 Excel", "Export Excel"),
    ("list.export", "导出当前筛选的客户", "Export the customers of this list"),
    // Choice lists
    ("kind.company", "企业", "Company"),
    ("kind.individual", "个人", "Individual"),
    ("stage.lead", "线索", "Lead"),
    ("stage.prospect", "意向", "Prospect"),
    ("stage.customer", "成交客户", "Customer"),
    ("stage.loyal", "忠诚客户", "Loyal"),
    ("stage.churned", "流失", "Churned"),
    ("value_tier.high", "高", "High"),
    ("value_tier.medium", "中", "Medium"),
    ("value_tier.low", "低", "Low"),
    ("channel.call", "电话", "Call"),
    ("channel.visit", "拜访", "Visit"),
    ("channel.meeting", "会议", "Meeting"),
    ("channel.email", "邮件", "Email"),
    ("channel.message", "消息", "Message"),
    ("channel.note", "备注", "Note"),
    ("role.admin", "管理员", "Administrator"),
    ("role.manager", "经理", "Manager"),
    ("role.sales", "销售", "Sales rep"),
    ("role.service", "客服", "Service"),
    ("role.marketing", "市场", "Marketing"),
    ("role.viewer", "只读", "Viewer"),
    ("source.ui", "页面", "page"),
    ("source.api", "接口", "API"),
    ("source.import", "导入", "import"),
    ("source.system", "系统", "system"),
    ("status.open", "待办", "Open"),
    ("status.done", "已完成", "Done"),
    ("status.cancelled", "已取消", "Cancelled"),
    // Settings → webhooks
    ("settings.webhooks", "Webhook", "Webhooks"),
    (
        "webhooks.intro",
        "订单确认、付清、发货、签收、取消，客户新建、修改、合并时，kehu 向下列地址发送带签名的 JSON（HMAC-SHA256，验证方法见 README）。发送失败时按 1 分钟、5 分钟、30 分钟、2 小时、6 小时、12 小时重试，之后标为失败。",
        "When an order is confirmed, paid, shipped, delivered or cancelled, and when a customer is created, changed or merged, kehu sends signed JSON to these addresses (HMAC-SHA256; the README shows how to verify it). A failed delivery is retried after 1 minute, 5 minutes, 30 minutes, 2, 6 and 12 hours, then marked failed.",
    ),
    ("webhooks.none", "还没有 Webhook", "No webhooks yet"),
    ("webhooks.url", "接收地址", "URL"),
    (
        "webhooks.url_hint",
        "以 http:// 或 https:// 开头。本机、内网和保留地址不会发送，除非其主机在下方的允许列表中。",
        "Starts with http:// or https://. Local, private and reserved addresses are not sent to unless their host is on the allowed list below.",
    ),
    ("webhooks.description", "说明", "Description"),
    ("webhooks.events", "事件", "Events"),
    ("webhooks.active", "启用", "Active"),
    ("webhooks.add", "添加 Webhook", "Add webhook"),
    ("webhooks.allowed_hosts", "允许的内网主机", "Allowed private hosts"),
    (
        "webhooks.allowed_hint",
        "Webhook 默认不发往本机、内网（10.x、172.16–31.x、192.168.x 等）、链路本地（含 169.254.169.254）和保留地址。确需发往内网系统（如 ERP）时，把它的主机名或 IP 加在这里；只匹配完全相同的主机，端口不限。",
        "Webhooks are not sent to this machine, private networks (10.x, 172.16–31.x, 192.168.x and others), link-local addresses (169.254.169.254 among them) or reserved ranges. To reach a system on your own network (an ERP), add its host name or IP address here; only that exact host is allowed, at any port.",
    ),
    ("webhooks.no_hosts", "没有允许的内网主机", "No private hosts allowed"),
    ("webhooks.host", "主机名或 IP 地址", "Host name or IP address"),
    ("webhooks.allow_host", "允许", "Allow"),
    ("webhooks.remove_host", "移除", "Remove"),
    (
        "webhooks.remove_host_confirm",
        "移除后，发往这个主机的 Webhook 将被拒绝。确定吗？",
        "Webhooks to this host will be refused from now on. Remove it?",
    ),
    ("webhooks.back", "← 全部 Webhook", "← All webhooks"),
    (
        "webhooks.secret_once",
        "签名密钥只显示这一次，请立即复制到接收系统中：",
        "This signing secret is shown only now. Copy it into the receiving system:",
    ),
    ("webhooks.secret_rotated_at", "签名密钥生成于", "Signing secret made"),
    ("webhooks.rotate", "更换签名密钥", "Rotate secret"),
    (
        "webhooks.rotate_confirm",
        "更换后旧密钥立即失效，接收系统须改用新密钥。确定吗？",
        "The old secret stops signing at once; the receiver must use the new one. Rotate?",
    ),
    (
        "webhooks.delete_confirm",
        "删除这个 Webhook 及其发送记录吗？",
        "Delete this webhook and its deliveries?",
    ),
    ("webhooks.deliveries", "发送记录", "Deliveries"),
    ("webhooks.no_deliveries", "还没有发送记录", "Nothing sent yet"),
    ("webhooks.event", "事件", "Event"),
    ("webhooks.created", "产生时间", "Created"),
    ("webhooks.status", "状态", "Status"),
    ("webhooks.attempts", "发送尝试", "Attempts"),
    ("webhooks.replay_of", "重发自", "replay of"),
    ("webhooks.payload", "内容", "Payload"),
    ("webhooks.next_attempt", "下次尝试", "next attempt"),
    ("webhooks.not_tried", "尚未发送", "Not sent yet"),
    ("webhooks.replay", "重发", "Send again"),
    ("webhooks.older", "更早的记录", "Older deliveries"),
    ("webhooks.status.pending", "待发送", "Pending"),
    ("webhooks.status.delivered", "已送达", "Delivered"),
    ("webhooks.status.failed", "失败", "Failed"),
    (
        "webhooks.error.refused_address",
        "拒绝发往本机、内网或保留地址",
        "Refused: local, private or reserved address",
    ),
    ("webhooks.error.timeout", "超时", "Timed out"),
    ("webhooks.error.connect", "无法连接", "Could not connect"),
    ("webhooks.error.request", "请求失败", "Request failed"),
    ("webhooks.error.redirect", "不跟随重定向", "Redirect not followed"),
    ("webhooks.event.order.confirmed", "订单已确认", "Order confirmed"),
    ("webhooks.event.order.paid", "订单已付清", "Order paid in full"),
    ("webhooks.event.order.shipped", "订单已发货", "Order shipped"),
    ("webhooks.event.order.delivered", "订单已签收", "Order delivered"),
    ("webhooks.event.order.cancelled", "订单已取消", "Order cancelled"),
    ("webhooks.event.lead.created", "新线索", "Lead created"),
    ("webhooks.event.opportunity.won", "商机赢单", "Opportunity won"),
    ("webhooks.event.opportunity.lost", "商机输单", "Opportunity lost"),
    ("webhooks.event.customer.created", "新客户", "Customer created"),
    ("webhooks.event.customer.updated", "客户资料修改", "Customer changed"),
    ("webhooks.event.customer.merged", "客户合并", "Customers merged"),
    ("flash.webhook_added", "Webhook 已添加", "Webhook added"),
    ("flash.webhook_deleted", "Webhook 已删除", "Webhook deleted"),
    ("flash.secret_rotated", "签名密钥已更换", "Secret rotated"),
    ("flash.host_allowed", "已允许该主机", "Host allowed"),
    ("flash.host_removed", "已移除该主机", "Host removed"),
    ("flash.replay_queued", "已安排重发，几秒内发送", "Queued to be sent again within seconds"),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `t.s("…")`, `t.field("…")` and `.count("…"` in the templates and
    /// page code names a text that exists in both languages.
    #[test]
    fn every_key_the_pages_use_exists() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/");
        let mut sources = Vec::new();
        for dir in [
            "templates",
            "templates/customers",
            "templates/settings",
            "templates/imports",
            "src/pages",
            "src/pages/imports",
        ] {
            for entry in std::fs::read_dir(format!("{root}{dir}")).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() && !path.ends_with("i18n.rs") {
                    sources.push(std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        let mut missing = Vec::new();
        for source in &sources {
            for (call, prefix) in [(".s(\"", ""), (".field(\"", "field."), (".count(\"", "")] {
                for part in source.split(call).skip(1) {
                    let key = format!("{prefix}{}", part.split('"').next().unwrap());
                    if !key.contains('{') && !DICTIONARY.contains_key(key.as_str()) {
                        missing.push(key);
                    }
                }
            }
        }
        // Keys passed around as values: "tasks.overdue", flash=saved.
        for source in &sources {
            for prefix in [
                "nav", "login", "error", "form", "common", "flash", "list", "bulk", "view", "dup",
                "show", "timeline", "tasks", "settings", "std", "type", "import", "quality",
                "webhooks",
            ] {
                for part in source.split(&format!("\"{prefix}.")).skip(1) {
                    let rest = part.split('"').next().unwrap();
                    let key = format!("{prefix}.{rest}");
                    let template = key.ends_with(".html");
                    if !rest.contains('{') && !template && !DICTIONARY.contains_key(key.as_str()) {
                        missing.push(key);
                    }
                }
            }
            for part in source.split("flash=").skip(1) {
                let name: String = part
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !name.is_empty() && !DICTIONARY.contains_key(format!("flash.{name}").as_str()) {
                    missing.push(format!("flash.{name}"));
                }
            }
        }
        assert!(missing.is_empty(), "texts missing: {missing:?}");
        assert_eq!(DICTIONARY.len(), TEXTS.len(), "a key appears twice");
    }

    #[test]
    fn texts_follow_the_language() {
        assert_eq!(T(Lang::ZhCn).s("nav.customers"), "客户");
        assert_eq!(T(Lang::En).s("nav.customers"), "Customers");
        assert_eq!(T(Lang::En).choice("stage", "lead"), "Lead");
        assert_eq!(T(Lang::En).choice("stage", "自定义"), "自定义");
        assert_eq!(T(Lang::En).count("flash.bulk", 2), "2 records changed");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(url_encode("张 a&b=/"), "%E5%BC%A0%20a%26b%3D%2F");
    }
}
