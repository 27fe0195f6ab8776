//! `chingu vouchers issue|list|give|redeem`: gifts and vouchers through the running node
//! (SPEC.md §6.13).

use clap::Subcommand;
use serde_json::json;

use chingu::home::Home;
use chingu::node::{MessageView, VoucherView};
use chingu::text::for_terminal;
use chingu::tr;

use super::output::{outln, print_json, print_list};

#[derive(Debug, Subcommand)]
pub enum VouchersCommand {
    /// Mint a voucher in this node's name (a shop's node) and send it to a friend in a card
    Issue {
        /// The friend: name or number
        to: String,
        /// What it is for
        item: String,
        /// What it is worth ("₩10,000", "1 coffee")
        value: String,
        /// Days it stays valid
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// The card's text
        #[arg(long, default_value = "")]
        text: String,
    },
    /// The vouchers you hold or held
    List,
    /// Pass a voucher you hold on to a friend
    Give {
        /// The voucher's serial (from `chingu vouchers list`)
        serial: String,
        /// The friend: name or number
        to: String,
        /// The card's text
        #[arg(long, default_value = "")]
        text: String,
    },
    /// Redeem a voucher you hold at the node that issued it
    Redeem {
        /// The voucher's serial
        serial: String,
    },
}

fn sent(message: &MessageView, to: &str, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(message);
    }
    let name = if message.title.is_empty() { to } else { &message.title };
    outln!(
        "{}",
        tr!(
            "vouchers-sent",
            name = for_terminal(name).into_owned(),
            text = for_terminal(&message.text).into_owned()
        )
    )?;
    Ok(())
}

pub async fn run(home: &Home, command: VouchersCommand, json: bool) -> anyhow::Result<()> {
    let mut client = super::connect(home).await?;
    match command {
        VouchersCommand::Issue {
            to,
            item,
            value,
            days,
            text,
        } => {
            let params = json!({ "to": to, "item": item, "value": value, "valid_days": days, "text": text });
            let message: MessageView = client.call_as("vouchers.issue", params).await?;
            sent(&message, &to, json)
        }
        VouchersCommand::Give { serial, to, text } => {
            let params = json!({ "serial": serial, "to": to, "text": text });
            let message: MessageView = client.call_as("vouchers.give", params).await?;
            sent(&message, &to, json)
        }
        VouchersCommand::Redeem { serial } => {
            let voucher: VoucherView = client.call_as("vouchers.redeem", json!({ "serial": serial })).await?;
            if json {
                return print_json(&voucher);
            }
            outln!(
                "{}",
                tr!(
                    "vouchers-redeemed",
                    item = for_terminal(&voucher.item).into_owned(),
                    value = for_terminal(&voucher.value).into_owned()
                )
            )?;
            Ok(())
        }
        VouchersCommand::List => {
            let vouchers: Vec<VoucherView> = client.call_as("vouchers.list", json!({})).await?;
            print_list(
                &vouchers,
                json,
                tr!("vouchers-none"),
                [
                    tr!("vouchers-col-serial"),
                    tr!("vouchers-col-item"),
                    tr!("vouchers-col-value"),
                    tr!("vouchers-col-state"),
                ],
                |v| {
                    [
                        v.serial.clone(),
                        for_terminal(&v.item).into_owned(),
                        for_terminal(&v.value).into_owned(),
                        v.state.clone(),
                    ]
                },
            )
        }
    }
}
