//! A problem's title, by its code, in Chinese and English; a code
//! without a title of its own is titled by its status.

use axum::http::StatusCode;
use kehu_core::Lang;

use super::Problem;

impl Problem {
    pub(super) fn title(&self, lang: Lang) -> &'static str {
        let zh = lang == Lang::ZhCn;
        match self.code {
            "not_found" => {
                if zh {
                    "记录不存在"
                } else {
                    "Not found"
                }
            }
            "invalid" => {
                if zh {
                    "输入有误，请检查标出的字段"
                } else {
                    "Some fields are invalid"
                }
            }
            "malformed_json" => {
                if zh {
                    "请求内容不是有效的 JSON"
                } else {
                    "The request body is not valid JSON"
                }
            }
            "not_an_object" => {
                if zh {
                    "请求内容应为 JSON 对象"
                } else {
                    "The request body must be a JSON object"
                }
            }
            "unsupported_media_type" => {
                if zh {
                    "请求内容应为 application/json"
                } else {
                    "The request body must be application/json"
                }
            }
            "too_large" => {
                if zh {
                    "请求内容过大"
                } else {
                    "The request body is too large"
                }
            }
            "unauthorized" => {
                if zh {
                    "请先登录"
                } else {
                    "Sign in first"
                }
            }
            "forbidden" => {
                if zh {
                    "您的角色无权执行此操作"
                } else {
                    "Your role may not do this"
                }
            }
            "bad_credentials" => {
                if zh {
                    "邮箱或密码不正确"
                } else {
                    "Wrong email or password"
                }
            }
            "rate_limited" => {
                if zh {
                    "登录失败次数过多，请 15 分钟后再试"
                } else {
                    "Too many failed sign-ins; try again in 15 minutes"
                }
            }
            "version" => {
                if zh {
                    "记录已被他人修改，请刷新后重试"
                } else {
                    "Someone else changed this record; reload and try again"
                }
            }
            "claim_cap" => {
                if zh {
                    "持有的线索和客户已达上限"
                } else {
                    "You hold as many leads and customers as your team allows"
                }
            }
            "already_claimed" => {
                if zh {
                    "已被别人领取"
                } else {
                    "Someone else claimed it first"
                }
            }
            "lead_in_pool" => {
                if zh {
                    "公海中的线索要先领取"
                } else {
                    "Claim a pool lead before working it"
                }
            }
            "lead_status" => {
                if zh {
                    "线索当前状态不能改为这个状态"
                } else {
                    "The lead cannot move to that status from where it is"
                }
            }
            "lead_not_qualified" => {
                if zh {
                    "只有已确认的线索才能转为客户"
                } else {
                    "Only a qualified lead converts"
                }
            }
            "stage_in_use" => {
                if zh {
                    "这个阶段还有商机，请先把它们移到别的阶段"
                } else {
                    "Opportunities are still in this stage; move them to another stage first"
                }
            }
            "order_not_draft" => {
                if zh {
                    "订单已确认，明细、客户和下单日期不能再修改"
                } else {
                    "The order is confirmed: its lines, customer and date can no longer change"
                }
            }
            "webhook_inactive" => {
                if zh {
                    "该 Webhook 已停用，请先启用再重发"
                } else {
                    "This webhook is inactive; activate it before sending again"
                }
            }
            "sign_in_throttled" => {
                if zh {
                    "登录失败次数过多，请稍后再试"
                } else {
                    "Too many failed sign-ins; please try again later"
                }
            }
            "two_factor_required" => {
                if zh {
                    "请输入身份验证器应用中的动态验证码（或一个恢复码）"
                } else {
                    "Enter the code from your authenticator app (or a recovery code)"
                }
            }
            "two_factor_setup_required" => {
                if zh {
                    "管理员要求此账号使用两步验证，请先在网页登录并完成设置"
                } else {
                    "Two-factor sign-in is required for this account; sign in on the web page to set it up"
                }
            }
            "wrong_code" => {
                if zh {
                    "验证码不正确或已使用"
                } else {
                    "The code is wrong or was already used"
                }
            }
            "two_factor_enabled" => {
                if zh {
                    "两步验证已开启"
                } else {
                    "Two-factor sign-in is already on"
                }
            }
            "two_factor_not_started" | "two_factor_not_enabled" => {
                if zh {
                    "两步验证尚未设置"
                } else {
                    "Two-factor sign-in is not set up"
                }
            }
            "team_in_use" => {
                if zh {
                    "团队仍有成员或客户，不能删除"
                } else {
                    "The team still has members or customers"
                }
            }
            "bad_request" => {
                if zh {
                    "请求有误"
                } else {
                    "Bad request"
                }
            }
            "bad_query" => {
                if zh {
                    "查询参数有误"
                } else {
                    "Invalid query parameters"
                }
            }
            "method_not_allowed" => {
                if zh {
                    "不支持此请求方法"
                } else {
                    "Method not allowed"
                }
            }
            "route_not_found" => {
                if zh {
                    "没有这个地址"
                } else {
                    "No such address"
                }
            }
            "file_too_large" => {
                if zh {
                    "文件过大"
                } else {
                    "The file is too large"
                }
            }
            "unreadable_file" | "unknown_format" | "corrupt_file" | "no_such_sheet"
            | "empty_file" | "bad_row" | "too_many_rows" => {
                if zh {
                    "无法读取此文件"
                } else {
                    "The file cannot be read"
                }
            }
            "lookup_limit" => {
                if zh {
                    "查号次数过多，请稍后再试"
                } else {
                    "Too many lookups; try again later"
                }
            }
            "no_upload" => {
                if zh {
                    "没有这个上传的文件，请重新上传"
                } else {
                    "There is no such uploaded file; upload it again"
                }
            }
            "nothing_mapped" | "no_template" => {
                if zh {
                    "列的对应关系有误"
                } else {
                    "The column mapping is not usable"
                }
            }
            "undo_conflicts" => {
                if zh {
                    "导入之后有记录被修改过，未撤销"
                } else {
                    "Records were changed after the import; nothing was undone"
                }
            }
            "already_undone" => {
                if zh {
                    "这个批次已经撤销过了"
                } else {
                    "This batch has already been undone"
                }
            }
            "batch_running" => {
                if zh {
                    "这个批次正在导入，请等它完成或中断后再操作"
                } else {
                    "This batch is still being imported; wait until it has finished or stopped"
                }
            }
            "batch_finished" | "batch_moved" => {
                if zh {
                    "这个批次已经完成，或正由别的进程导入"
                } else {
                    "This batch has finished, or another process is importing it"
                }
            }
            "file_changed" | "batch_without_file" => {
                if zh {
                    "这个批次的文件已不在或已改变，无法续传"
                } else {
                    "The batch's file is gone or has changed, so it cannot be resumed"
                }
            }
            "cross_site_request" => {
                if zh {
                    "拒绝来自其他网站的请求"
                } else {
                    "Request from another site refused"
                }
            }
            // A code without a title of its own is titled by its status:
            // a refusal must never read as a server failure.
            _ if self.status.is_server_error() => {
                if zh {
                    "服务器内部错误，请稍后再试"
                } else {
                    "Internal server error; please try again later"
                }
            }
            _ if self.status == StatusCode::CONFLICT => {
                if zh {
                    "与记录的当前状态冲突，未做更改"
                } else {
                    "The request conflicts with the record's current state; nothing was changed"
                }
            }
            _ => {
                if zh {
                    "请求未被接受，未做更改"
                } else {
                    "The request was not accepted; nothing was changed"
                }
            }
        }
    }
}
