//! The API's dispatcher: checks who may call a method (the table is in
//! `method_table`) and runs the call against a node. Transports (Unix socket, WebSocket)
//! share it, so a method behaves the same everywhere.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::params::{choose_one, decode as params};
use super::{codes, ApiError, Caller, API_VERSION};
use crate::NodeHandle;

pub use super::method_table::{Access, Method, METHODS, SUBSCRIBE, UNSUBSCRIBE};

/// Looks a method up.
pub fn find(name: &str) -> Option<&'static Method> {
    METHODS.iter().find(|m| m.name == name)
}

/// Looks a method up, or `method_not_found` (detail `method`: the name, cut).
pub fn method(name: &str) -> Result<&'static Method, ApiError> {
    find(name).ok_or_else(|| {
        ApiError::new(
            codes::METHOD_NOT_FOUND,
            "method_not_found",
            format!("no method {}", crate::text::quote(name)),
        )
        .with("method", crate::text::shorten(name, crate::text::MAX_QUOTE_CHARS))
    })
}

/// Checks that `caller` may call `method`: `forbidden` (details `method`, and `scope`:
/// the scope it needs, or `owner`) when it may not.
pub fn authorize(caller: &Caller, method: &Method) -> Result<(), ApiError> {
    let allowed = match method.access {
        Access::Scoped(scope) => caller.may(scope),
        Access::OwnerOnly => *caller == Caller::Owner,
    };
    if allowed {
        return Ok(());
    }
    let (need, scope) = match method.access {
        Access::Scoped(scope) => (format!("the {} scope", scope.as_str()), scope.as_str()),
        Access::OwnerOnly => ("the node owner".into(), "owner"),
    };
    Err(
        ApiError::new(codes::FORBIDDEN, "forbidden", format!("{} needs {need}", method.name))
            .with("method", method.name)
            .with("scope", scope),
    )
}

fn to_json<T: Serialize>(value: T) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(ApiError::internal)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoParams {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DialParams {
    addr: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddContactParams {
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    invite: Option<String>,
    #[serde(default)]
    name: String,
    /// Add the number to this existing contact (one person, several numbers).
    #[serde(default)]
    to: Option<String>,
}

/// `contacts.import`: a file's text, or persons a client parsed itself (large files,
/// sent in parts).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportParams {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    persons: Option<Vec<crate::contacts::import::PersonInput>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenameParams {
    contact: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MuteParams {
    contact: String,
    #[serde(default = "yes")]
    muted: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestParams {
    request: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileParams {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConversationParams {
    conversation: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageParams {
    conversation: String,
    #[serde(default = "default_history_limit")]
    limit: usize,
    #[serde(default)]
    before: Option<String>,
    #[serde(default)]
    after: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchParams {
    query: String,
    #[serde(default)]
    conversation: Option<String>,
    #[serde(default = "default_history_limit")]
    limit: usize,
    #[serde(default)]
    before: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportParams {
    #[serde(default)]
    conversation: Option<String>,
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default = "default_export_limit")]
    limit: usize,
}

fn default_export_limit() -> usize {
    crate::node::messages::MAX_HISTORY_LIMIT
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactParams {
    contact: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyParams {
    contact: String,
    #[serde(default)]
    confirm: bool,
    #[serde(default)]
    candidate: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InviteParams {
    #[serde(default = "default_invite_secs")]
    valid_secs: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SendParams {
    contact: String,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileParams {
    to: String,
    path: std::path::PathBuf,
}

fn thirty() -> u32 {
    30
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueParams {
    to: String,
    item: String,
    value: String,
    #[serde(default = "thirty")]
    valid_days: u32,
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GiveParams {
    serial: String,
    to: String,
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceParams {
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkParams {
    #[serde(default = "default_history_days")]
    history_days: u32,
}

fn default_history_days() -> u32 {
    crate::account::history::DEFAULT_HISTORY_DAYS
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmParams {
    accept: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SerialParams {
    serial: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackParams {
    name: String,
    dir: std::path::PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InstallParams {
    path: std::path::PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SaveParams {
    id: String,
    path: std::path::PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BackupParams {
    path: std::path::PathBuf,
    passphrase: Option<String>,
    recovery_code: Option<String>,
    #[serde(default)]
    new_recovery_code: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaperParams {
    recipient: String,
    title: String,
    writers: Vec<String>,
    #[serde(default)]
    deliver_at_ms: Option<u64>,
    #[serde(default)]
    deliver_in_s: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteParams {
    paper: String,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryParams {
    contact: String,
    #[serde(default = "default_history_limit")]
    limit: usize,
    #[serde(default)]
    before: Option<String>,
}

fn default_history_limit() -> usize {
    50
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TypingParams {
    contact: String,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupCreateParams {
    name: String,
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupParams {
    group: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupContactParams {
    group: String,
    contact: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupMemberParams {
    group: String,
    member: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupAdminsParams {
    group: String,
    action: crate::node::AdminAction,
    member: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupRenameParams {
    group: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupSendParams {
    group: String,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupHistoryParams {
    group: String,
    #[serde(default = "default_history_limit")]
    limit: usize,
    #[serde(default)]
    before: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeetupCreateParams {
    #[serde(default)]
    name: Option<String>,
    #[serde(default = "default_meetup_secs")]
    expires_s: u64,
}

fn default_meetup_secs() -> u64 {
    crate::node::groups::DEFAULT_MEETUP_SECS
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeetupJoinParams {
    code: String,
}

fn default_invite_secs() -> u64 {
    7 * 24 * 3600
}

/// Runs one call. `events.*` are connection-level and handled by the transport before
/// this is reached. Parameters it cannot take are refused naming the method (`method`).
pub async fn call(node: &NodeHandle, caller: &Caller, name: &str, raw: Value) -> Result<Value, ApiError> {
    let method = method(name)?;
    authorize(caller, method)?;
    run(node, caller, method, raw)
        .await
        .map_err(|error| match error.reason() {
            Some("invalid_params") => error.with("method", method.name),
            _ => error,
        })
}

/// Runs `method`, which `caller` may call.
async fn run(node: &NodeHandle, caller: &Caller, method: &Method, raw: Value) -> Result<Value, ApiError> {
    match method.name {
        "api.version" => {
            params::<NoParams>(raw)?;
            Ok(json!({ "api": API_VERSION, "chingu": crate::VERSION }))
        }
        "api.methods" => {
            params::<NoParams>(raw)?;
            let allowed: Vec<_> = METHODS
                .iter()
                .filter(|m| authorize(caller, m).is_ok())
                .map(|m| json!({"name": m.name, "summary": m.summary}))
                .collect();
            Ok(Value::Array(allowed))
        }
        "node.status" => {
            params::<NoParams>(raw)?;
            to_json(node.status().await?)
        }
        "node.peers" => {
            params::<NoParams>(raw)?;
            to_json(node.peers().await?)
        }
        "node.dial" => {
            let p: DialParams = params(raw)?;
            let addr = p
                .addr
                .parse()
                .map_err(|e: libp2p::multiaddr::Error| crate::NodeError::InvalidAddress {
                    addr: p.addr.clone(),
                    source: e.into(),
                })?;
            let peer = node.dial(addr).await?;
            Ok(json!({ "peer_id": peer.to_string() }))
        }
        "node.shutdown" => {
            params::<NoParams>(raw)?;
            node.shutdown().await?;
            Ok(json!({ "stopped": true }))
        }
        "contacts.add" => {
            let p: AddContactParams = params(raw)?;
            match (p.phone, p.invite, p.to) {
                (Some(phone), None, None) => to_json(node.add_contact(&phone, &p.name).await?),
                (Some(phone), None, Some(to)) => to_json(node.add_number(&phone, &to).await?),
                (None, Some(code), None) => to_json(node.add_contact_from_invite(&code, &p.name).await?),
                // `to` goes with `phone`.
                _ => Err(choose_one(&["phone", "invite"])),
            }
        }
        "contacts.import" => {
            let p: ImportParams = params(raw)?;
            match (p.content, p.persons) {
                (Some(content), None) => to_json(node.import_contacts(content).await?),
                (None, Some(persons)) => {
                    let report = crate::contacts::import::checked_persons(persons);
                    to_json(node.import_persons(report).await?)
                }
                _ => Err(choose_one(&["content", "persons"])),
            }
        }
        "contacts.rename" => {
            let p: RenameParams = params(raw)?;
            to_json(node.rename_contact(&p.contact, &p.name).await?)
        }
        "contacts.block" | "contacts.unblock" => {
            let p: ContactParams = params(raw)?;
            to_json(node.block_contact(&p.contact, method.name == "contacts.block").await?)
        }
        "contacts.mute" => {
            let p: MuteParams = params(raw)?;
            to_json(node.mute_contact(&p.contact, p.muted).await?)
        }
        "contacts.accept" => {
            let p: ContactParams = params(raw)?;
            to_json(node.accept_key(&p.contact).await?)
        }
        "requests.list" => {
            params::<NoParams>(raw)?;
            to_json(node.requests().await?)
        }
        "requests.accept" => {
            let p: RequestParams = params(raw)?;
            to_json(node.accept_request(&p.request, &p.name).await?)
        }
        "requests.block" => {
            let p: RequestParams = params(raw)?;
            to_json(node.block_request(&p.request).await?)
        }
        "profile.get" => {
            params::<NoParams>(raw)?;
            to_json(node.profile().await?)
        }
        "profile.set" => {
            let p: ProfileParams = params(raw)?;
            to_json(node.set_profile(p.name.as_deref(), p.status.as_deref()).await?)
        }
        "conversations.read" => {
            let p: ConversationParams = params(raw)?;
            Ok(json!({ "marked": node.mark_conversation_read(&p.conversation).await? }))
        }
        "history.page" => {
            let p: PageParams = params(raw)?;
            to_json(
                node.history_page(&p.conversation, p.limit, p.before.as_deref(), p.after.as_deref())
                    .await?,
            )
        }
        "history.search" => {
            let p: SearchParams = params(raw)?;
            to_json(
                node.search(&p.query, p.conversation.as_deref(), p.limit, p.before.as_deref())
                    .await?,
            )
        }
        "history.export" => {
            let p: ExportParams = params(raw)?;
            to_json(
                node.export(p.conversation.as_deref(), p.cursor.as_deref(), p.limit)
                    .await?,
            )
        }
        "contacts.list" => {
            params::<NoParams>(raw)?;
            to_json(node.contacts().await?)
        }
        "contacts.remove" => {
            let p: ContactParams = params(raw)?;
            to_json(node.remove_contact(&p.contact).await?)
        }
        "contacts.verify" => {
            let p: VerifyParams = params(raw)?;
            to_json(node.verify_contact(&p.contact, p.confirm, p.candidate).await?)
        }
        "contacts.lookup" => {
            let p: ContactParams = params(raw)?;
            to_json(node.lookup_contact(&p.contact).await?)
        }
        "invite.create" => {
            let p: InviteParams = params(raw)?;
            to_json(node.create_invite(p.valid_secs).await?)
        }
        "messages.send" => {
            let p: SendParams = params(raw)?;
            to_json(node.send(&p.contact, &p.text).await?)
        }
        "messages.file" => {
            let p: FileParams = params(raw)?;
            to_json(node.send_file(&p.to, p.path).await?)
        }
        "files.list" => to_json(node.files().await?),
        "devices.list" => {
            params::<NoParams>(raw)?;
            to_json(node.devices().await?)
        }
        "devices.link" => {
            let p: LinkParams = params(raw)?;
            to_json(node.link_offer(p.history_days).await?)
        }
        "devices.link_confirm" => {
            let p: ConfirmParams = params(raw)?;
            node.link_decide(p.accept).await?;
            Ok(json!({ "accepted": p.accept }))
        }
        "devices.remove" => {
            let p: DeviceParams = params(raw)?;
            to_json(node.remove_device(&p.name).await?)
        }
        "stickers.list" => to_json(node.packs().await?),
        "vouchers.issue" => {
            let p: IssueParams = params(raw)?;
            to_json(
                node.issue_voucher(&p.to, &p.item, &p.value, p.valid_days, &p.title, &p.text)
                    .await?,
            )
        }
        "vouchers.list" => to_json(node.vouchers().await?),
        "vouchers.give" => {
            let p: GiveParams = params(raw)?;
            to_json(node.give_voucher(&p.serial, &p.to, &p.text).await?)
        }
        "vouchers.redeem" => {
            let p: SerialParams = params(raw)?;
            to_json(node.redeem_voucher(&p.serial).await?)
        }
        "stickers.create" => {
            let p: PackParams = params(raw)?;
            to_json(node.create_pack(&p.name, p.dir).await?)
        }
        "stickers.install" => {
            let p: InstallParams = params(raw)?;
            to_json(node.install_pack(p.path).await?)
        }
        "backup.create" => {
            use crate::node::backup::BackupKey;
            let p: BackupParams = params(raw)?;
            let key = match (p.passphrase, p.recovery_code, p.new_recovery_code) {
                (Some(passphrase), None, false) => BackupKey::Passphrase(passphrase.into()),
                (None, Some(words), false) => BackupKey::RecoveryCode(words.into()),
                (None, None, true) => BackupKey::NewRecoveryCode,
                _ => return Err(choose_one(&["passphrase", "recovery_code", "new_recovery_code"])),
            };
            to_json(node.backup(p.path, key).await?)
        }
        "files.save" => {
            let p: SaveParams = params(raw)?;
            to_json(node.save_file(&p.id, p.path).await?)
        }
        "messages.reply" | "messages.react" | "messages.edit" | "messages.delete" | "messages.forward"
        | "messages.card" | "messages.sticker" => {
            // The method's last word names the kind; its parameters are the kind's fields.
            let kind = method.name.rsplit('.').next().expect("a dotted name");
            let compose: crate::node::Compose = super::params::decode_variant(kind, raw)?;
            to_json(node.compose(compose).await?)
        }
        "papers.start" => {
            let p: PaperParams = params(raw)?;
            let deliver_at_ms = match (p.deliver_at_ms, p.deliver_in_s) {
                (Some(at), None) => at,
                (None, Some(secs)) => crate::model::now_ms() + secs.saturating_mul(1000),
                _ => return Err(choose_one(&["deliver_at_ms", "deliver_in_s"])),
            };
            let writers: Vec<&str> = p.writers.iter().map(String::as_str).collect();
            to_json(
                node.start_paper(&p.recipient, &p.title, deliver_at_ms, &writers)
                    .await?,
            )
        }
        "papers.write" => {
            let p: NoteParams = params(raw)?;
            to_json(
                node.compose(crate::node::Compose::Note {
                    paper: p.paper,
                    text: p.text,
                })
                .await?,
            )
        }
        "messages.history" => {
            let p: HistoryParams = params(raw)?;
            to_json(node.history(&p.contact, p.limit, p.before.as_deref()).await?)
        }
        "messages.read" => {
            let p: ContactParams = params(raw)?;
            Ok(json!({ "marked": node.mark_read(&p.contact).await? }))
        }
        "messages.typing" => {
            let p: TypingParams = params(raw)?;
            Ok(json!({ "sent": node.typing(&p.contact, p.active).await? }))
        }
        "conversations.list" => {
            params::<NoParams>(raw)?;
            to_json(node.conversations().await?)
        }
        "groups.create" => {
            let p: GroupCreateParams = params(raw)?;
            let members: Vec<&str> = p.members.iter().map(String::as_str).collect();
            to_json(node.group_create(&p.name, &members, None).await?)
        }
        "groups.list" => {
            params::<NoParams>(raw)?;
            to_json(node.groups().await?)
        }
        "groups.invitations" => {
            params::<NoParams>(raw)?;
            to_json(node.group_invitations().await?)
        }
        "groups.join" => {
            let p: GroupParams = params(raw)?;
            to_json(node.group_join(&p.group).await?)
        }
        "groups.decline" => {
            let p: GroupParams = params(raw)?;
            to_json(node.group_decline(&p.group).await?)
        }
        "groups.members" => {
            let p: GroupParams = params(raw)?;
            to_json(node.group_members(&p.group).await?)
        }
        "groups.invite" => {
            let p: GroupContactParams = params(raw)?;
            to_json(node.group_invite(&p.group, &p.contact).await?)
        }
        "groups.remove" => {
            let p: GroupMemberParams = params(raw)?;
            to_json(node.group_remove(&p.group, &p.member).await?)
        }
        "groups.admins" => {
            let p: GroupAdminsParams = params(raw)?;
            to_json(node.group_admins(&p.group, p.action, &p.member).await?)
        }
        "groups.rename" => {
            let p: GroupRenameParams = params(raw)?;
            to_json(node.group_rename(&p.group, &p.name).await?)
        }
        "groups.leave" => {
            let p: GroupParams = params(raw)?;
            to_json(node.group_leave(&p.group).await?)
        }
        "groups.close" => {
            let p: GroupParams = params(raw)?;
            to_json(node.group_close(&p.group).await?)
        }
        "groups.send" => {
            let p: GroupSendParams = params(raw)?;
            to_json(node.group_send(&p.group, &p.text).await?)
        }
        "meetups.create" => {
            let p: MeetupCreateParams = params(raw)?;
            let name = p.name.unwrap_or_else(|| "번개".to_owned());
            to_json(node.meetup_create(&name, p.expires_s).await?)
        }
        "meetups.join" => {
            let p: MeetupJoinParams = params(raw)?;
            to_json(node.meetup_join(&p.code).await?)
        }
        "meetups.forget" => {
            let p: GroupParams = params(raw)?;
            to_json(node.meetup_forget_at_end(&p.group).await?)
        }
        "meetups.close" => {
            let p: GroupParams = params(raw)?;
            to_json(node.group_close(&p.group).await?)
        }
        "groups.history" => {
            let p: GroupHistoryParams = params(raw)?;
            to_json(node.group_history(&p.group, p.limit, p.before.as_deref()).await?)
        }
        "groups.read" => {
            let p: GroupParams = params(raw)?;
            Ok(json!({ "marked": node.group_read(&p.group).await? }))
        }
        other => Err(ApiError::internal(format!("{other} is listed but not dispatched"))),
    }
}
