//! The tour's last part: 민지 links her laptop to her account (SPEC.md §8.5). Her node
//! shows a link code, the laptop joins with it once both screens' numbers are confirmed
//! (answered at once, as two people would after comparing them), and the laptop's own
//! node then lists her devices and shows the history it got, writes to Yuki and in the
//! group and reads Yuki's answer — all through her phone. Then her phone goes off: Yuki's next message
//! reaches the laptop, her answer goes from it, and the phone, back, gets both from the
//! laptop (protocol/devices.md §7).

use super::*;
use crate::account::history::DEFAULT_HISTORY_DAYS;
use crate::account::LinkCode;
use crate::identity::Identity;
use crate::node::link::join::join;
use crate::{Node, NodeConfig};

/// The name of 민지's second device.
pub const LAPTOP: &str = "laptop";
/// What 민지 writes from it.
const LAPTOP_LINE: &str = "노트북으로 보내요 💻";
/// What 민지 writes in the group from it.
const LAPTOP_GROUP_LINE: &str = "노트북에서도 단톡방 ✌️";
/// What Yuki answers (민지 reads it on the laptop).
const YUKI_REPLY: &str = "届いたよ！";
/// What Yuki writes while 민지's phone is off, and her answer from the laptop.
const WHILE_PHONE_OFF: &str = "スマホ切れてる？";
const LAPTOP_ANSWER: &str = "응, 노트북으로 받았어";

impl Demo {
    /// 민지 links her laptop; its node comes up with her devices and her history.
    pub async fn link_laptop(&mut self, observe: &mut impl FnMut(Step)) -> Result<(), DemoError> {
        observe(Step::Stage(Stage::Devices));
        let minji = self.node(Who::Minji);
        let (answering, mut events) = (minji.clone(), minji.events());
        let confirmed = tokio::spawn(async move {
            while let Some(event) = events.next().await {
                if let Event::DeviceLinkPending { sas, .. } = event {
                    answering.link_decide(true).await.ok()?;
                    return Some(sas);
                }
            }
            None
        });
        let offer = minji.link_offer(DEFAULT_HISTORY_DAYS).await?;
        observe(Step::LinkShown {
            who: Who::Minji,
            code: offer.code.clone(),
        });
        let code = LinkCode::parse(&offer.code, crate::model::now_ms())?;
        let identity = Identity::generate();
        let joined = tokio::time::timeout(STEP_DEADLINE, join(&code, &identity, LAPTOP, |_| async { true }))
            .await
            .map_err(|_| DemoError::Timeout("the laptop's link"))??;
        let sas = confirmed.await.ok().flatten().unwrap_or_default();
        let home = Home::at(self.home(Who::Minji).dir().join(LAPTOP));
        home.init_linked(joined.home(identity), Who::Minji.region(), false)?;
        let mut config = NodeConfig::from_home(&home)?;
        config.listen = vec!["/ip4/127.0.0.1/tcp/0".parse().expect("a valid multiaddr")];
        config.bootstrap = Vec::new();
        config.mdns = false;
        let laptop = Node::start(config).await?;
        // The laptop follows her phone: once the phone's first batch is in, it writes to
        // Yuki through the phone, and Yuki's node gets it from 민지's key.
        let mut on_laptop = laptop.events();
        within("the laptop's first batch from the phone", async {
            while let Some(event) = on_laptop.next().await {
                if matches!(event, Event::MessageReceived { .. } | Event::MessageChanged { .. }) {
                    break;
                }
            }
            Ok(())
        })
        .await?;
        let yuki = self.node(Who::Yuki);
        let (_, arrived) = send_and_wait(
            &laptop,
            Who::Yuki.name(),
            LAPTOP_LINE,
            &yuki,
            "the laptop's message at Yuki's",
        )
        .await?;
        let devices = laptop.devices().await?.devices.len();
        let mut messages = 0;
        for conversation in laptop.conversations().await? {
            messages += laptop
                .history_page(&conversation.id, 1_000, None, None)
                .await?
                .messages
                .len();
        }
        observe(Step::DeviceLinked {
            who: Who::Minji,
            device: LAPTOP,
            sas,
            devices,
            messages,
            at: self.started.elapsed(),
        });
        observe(Step::SentFromDevice {
            who: Who::Minji,
            device: LAPTOP,
            to: Who::Yuki.name(),
            reader: Who::Yuki,
            text: LAPTOP_LINE,
            latency: arrived,
        });
        // In the group too: the laptop shows it (its phone sent the group's copy) and
        // writes in it through the phone, which posts it as her member's.
        let mut at_yuki = yuki.events();
        let sent_at = Instant::now();
        let sent = laptop.group_send(GROUP_NAME, LAPTOP_GROUP_LINE).await?;
        let latency = wait_received(&mut at_yuki, &sent, sent_at)
            .await
            .ok_or(DemoError::Timeout("the laptop's group line at Yuki's"))?;
        observe(Step::SentFromDevice {
            who: Who::Minji,
            device: LAPTOP,
            to: GROUP_NAME,
            reader: Who::Yuki,
            text: LAPTOP_GROUP_LINE,
            latency,
        });
        // Yuki answers; 민지 reads it on the laptop, and her phone marks it read and
        // tells Yuki.
        let (reply, _) = send_and_wait(
            &yuki,
            Who::Minji.name(),
            YUKI_REPLY,
            &laptop,
            "Yuki's reply on the laptop",
        )
        .await?;
        let mut at_yuki = yuki.events();
        let read_at = Instant::now();
        laptop.mark_read(Who::Yuki.name()).await?;
        within("Yuki's reply read", async {
            while let Some(event) = at_yuki.next().await {
                if let Event::MessageState { id, state, .. } = event {
                    if id == reply.id && state == crate::model::MessageState::Read {
                        break;
                    }
                }
            }
            Ok(())
        })
        .await?;
        let latency = read_at.elapsed();
        let unread = minji
            .conversations()
            .await?
            .iter()
            .filter(|c| c.kind == "direct" && c.title == Who::Yuki.name())
            .map(|c| c.unread)
            .sum();
        observe(Step::ReadOnDevice {
            who: Who::Minji,
            device: LAPTOP,
            friend: Who::Yuki,
            unread,
            latency,
        });
        self.phone_off(observe, &laptop).await?;
        laptop.shutdown().await?;
        Ok(())
    }

    /// 민지's phone goes off: Yuki's node, which cannot reach it, sends to her laptop (her
    /// record lists it); her answer goes from the laptop; the phone, back, gets both.
    async fn phone_off(&mut self, observe: &mut impl FnMut(Step), laptop: &NodeHandle) -> Result<(), DemoError> {
        let (minji, yuki) = (Who::Minji, Who::Yuki);
        let at_yuki = self.node(yuki);
        // Yuki's copy of 민지's record says where the laptop listens (a lookup is asked
        // again until the phone's republished record is found: no event tells).
        within("the laptop in Yuki's view of 민지", async {
            while at_yuki.lookup_contact(minji.name()).await?.devices.is_empty() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(())
        })
        .await?;
        self.net.stop_node(minji.index()).await?;
        let (message, received) = send_and_wait(
            &at_yuki,
            minji.name(),
            WHILE_PHONE_OFF,
            laptop,
            "Yuki's message on the laptop, the phone off",
        )
        .await?;
        let (answer, answered) = send_and_wait(
            laptop,
            yuki.name(),
            LAPTOP_ANSWER,
            &at_yuki,
            "the laptop's answer at Yuki's, the phone off",
        )
        .await?;
        let back = Instant::now();
        self.net.restart_node(minji.index()).await?;
        let phone = self.node(minji);
        let mut on_phone = phone.events();
        within("both messages on the phone, back", async {
            // Looked at again with each of its events (what came before the subscription
            // is in its history).
            loop {
                let held = phone.history(yuki.name(), 50, None).await?;
                if [&message.id, &answer.id]
                    .iter()
                    .all(|id| held.iter().any(|m| m.id == **id))
                {
                    return Ok(());
                }
                on_phone.next().await.ok_or(NodeError::Stopped { panic: None })?;
            }
        })
        .await?;
        observe(Step::FirstDeviceOff {
            who: minji,
            device: LAPTOP,
            friend: yuki,
            received,
            answered,
            handed: back.elapsed(),
        });
        Ok(())
    }
}
