//! `chingu link`, `chingu devices` and the new device's `chingu init --link CODE`: one
//! person's several devices (SPEC.md §8.5). The existing device's side goes through the
//! running node's API (`devices.*`); the new device has no node yet and runs the link
//! client itself ([`chingu::node::link::join`]).

use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::{json, Value};

use chingu::account::LinkCode;
use chingu::home::Home;
use chingu::identity::Identity;
use chingu::node::link::join::{join, JoinPrompt};
use chingu::node::link::{DevicesView, LinkOfferView};
use chingu::phone::Region;
use chingu::text::for_terminal;
use chingu::tr;

use super::output::{errln, outln, print_json, print_json_line};

#[derive(Debug, Args)]
pub struct DevicesArgs {
    #[command(subcommand)]
    command: Option<DevicesCommand>,
}

#[derive(Debug, Subcommand)]
enum DevicesCommand {
    /// Remove a device from your account (it stops being yours at once)
    Remove {
        /// The device's name (chingu devices lists them)
        name: String,
    },
}

/// `chingu devices [remove NAME]`.
pub async fn devices(home: &Home, args: DevicesArgs, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    let view: DevicesView = match args.command {
        None => client.call_as("devices.list", json!({})).await?,
        Some(DevicesCommand::Remove { name }) => {
            let view = client.call_as("devices.remove", json!({ "name": name })).await?;
            if !json {
                outln!("{}", tr!("devices-removed", name = for_terminal(&name).into_owned()))?;
            }
            view
        }
    };
    if json {
        return print_json(&view);
    }
    for device in &view.devices {
        let mut marks = Vec::new();
        if device.this_device {
            marks.push(tr!("devices-this"));
        }
        if device.account_device {
            marks.push(tr!("devices-account"));
        }
        outln!(
            "{}  {}  {}",
            for_terminal(&device.name),
            device.peer_id,
            marks.join(", ")
        )?;
    }
    Ok(())
}

/// A yes from the person at this terminal (a line starting with y); end of input is no.
/// The question goes to stderr, so `--json` output stays JSON.
async fn ask_yes(prompt: String) -> bool {
    errln!("{prompt}");
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).is_ok() && line.trim_start().to_lowercase().starts_with('y')
    })
    .await
    .unwrap_or(false)
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    /// Days of history the new device gets (0: none)
    #[arg(long, value_name = "DAYS", default_value_t = chingu::account::history::DEFAULT_HISTORY_DAYS)]
    history_days: u32,
}

/// `chingu link`: shows a code and its QR, then waits for the new device, asks its owner
/// to compare the string, and ends when the device joined (or the offer ended).
pub async fn link(home: &Home, args: LinkArgs, json: bool) -> anyhow::Result<()> {
    let mut events = super::connect(home).await?;
    events.subscribe().await?;
    let mut client = super::connect(home).await?;
    let params = json!({ "history_days": args.history_days });
    let offer: LinkOfferView = client.call_as("devices.link", params).await?;
    if json {
        print_json_line(&offer)?;
    } else {
        outln!("{}", tr!("link-code", code = offer.code.clone()))?;
        outln!("{}", super::qr::draw(&offer.code)?)?;
        outln!("{}", tr!("link-waiting"))?;
    }
    let expires = std::time::Duration::from_millis(offer.expires_ms.saturating_sub(chingu::model::now_ms()));
    let deadline = tokio::time::sleep(expires);
    tokio::pin!(deadline);
    loop {
        let event: Value = tokio::select! {
            _ = &mut deadline => anyhow::bail!(super::errors::UsageError(tr!("link-expired"))),
            event = events.next_event() => match event? {
                Some(event) => event,
                None => anyhow::bail!(super::errors::UsageError(tr!("watch-ended"))),
            },
        };
        let text = |key: &str| for_terminal(event[key].as_str().unwrap_or_default()).into_owned();
        match event["type"].as_str().unwrap_or_default() {
            "device_link_pending" => {
                if json {
                    print_json_line(&event)?;
                }
                let accept = ask_yes(tr!("link-compare", name = text("name"), sas = text("sas"))).await;
                client.call("devices.link_confirm", json!({ "accept": accept })).await?;
            }
            "device_linked" => {
                if json {
                    return print_json_line(&event);
                }
                return outln!("{}", tr!("link-done", name = text("name"))).map_err(Into::into);
            }
            "device_link_failed" => {
                if json {
                    print_json_line(&event)?;
                } else {
                    outln!("{}", tr!("link-failed", reason = text("reason")))?;
                }
                if event["withdrawn"].as_bool().unwrap_or(false) {
                    anyhow::bail!(super::errors::UsageError(tr!("link-withdrawn")));
                }
            }
            _ => {}
        }
    }
}

/// What `init --link --json` prints.
#[derive(Serialize)]
struct Linked {
    home: String,
    peer_id: String,
    account: String,
    phone: String,
    account_name: String,
    device: String,
}

/// `chingu init --link CODE --device NAME`: joins the account, then makes the home.
pub async fn init_linked(
    home: &Home,
    code: &str,
    device: &str,
    region: Region,
    force: bool,
    json: bool,
) -> anyhow::Result<()> {
    if home.is_initialized() && !force {
        return Err(chingu::home::HomeError::AlreadyInitialized(home.dir().to_owned()).into());
    }
    let code = LinkCode::parse(code, chingu::model::now_ms())?;
    let identity = Identity::generate();
    let confirm = |prompt: JoinPrompt| {
        ask_yes(tr!(
            "link-join-compare",
            name = prompt.account_name,
            phone = prompt.phone,
            sas = prompt.sas
        ))
    };
    let joined = join(&code, &identity, device, confirm).await?;
    let report = home.init_linked(joined.home(identity), region, force)?;
    let linked = Linked {
        home: home.dir().display().to_string(),
        peer_id: report.peer_id.to_string(),
        account: hex::encode(joined.list.list.account.as_bytes()),
        phone: joined.phone,
        account_name: joined.account_name,
        device: device.to_owned(),
    };
    if json {
        return print_json(&linked);
    }
    outln!(
        "{}",
        tr!(
            "link-joined",
            name = linked.account_name.clone(),
            phone = linked.phone.clone(),
            device = for_terminal(device).into_owned(),
            home = linked.home.clone()
        )
    )?;
    Ok(())
}
