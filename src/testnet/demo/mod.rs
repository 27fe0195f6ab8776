//! `chingu demo`: three people — 민지 in Seoul, Yuki in Tokyo, Alex in San Francisco — on
//! a local test net in this process (a bootstrap node, a mailbox node and their three
//! phones). They find each other by phone number, verify one friendship with an invite
//! code, chat 1:1 (once while the recipient is offline, through the mailbox), talk in a
//! group and meet up by code. Every action is handed to an observer as a typed [`Step`]
//! (the CLI narrates them); the figures of every delivery go to a [`report::Tally`].
//!
//! Each person writes in their own language; the narration is in the user's.

mod devices;
pub mod report;
mod wait;

use std::time::{Duration, Instant};

use futures::StreamExt;

use crate::config::{Config, Discoverable};
use crate::home::Home;
use crate::model::{Direction, MessageState};
use crate::node::MessageView;
use crate::node::{NodeError, NodeHandle};
use crate::phone::{normalize, PhoneError, PhoneNumber, Region};
use crate::Event;

use super::{Owner, TestNet, TestNetError, TestNetOptions};
use report::{Path, Report, Tally};
use wait::{send_and_wait, wait_received, within};

/// Longest wait for any one thing the demo waits on (a lookup, a delivery…).
pub const STEP_DEADLINE: Duration = Duration::from_secs(30);
/// How long the demo's invite code and meetup stay valid.
const VALID_SECS: u64 = 3600;
/// Index of the first person's node (node 0 bootstraps, node 1 is the mailbox).
const FIRST_PERSON_NODE: usize = 2;

/// The demo's failures.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The test net failed.
    #[error(transparent)]
    Net(#[from] TestNetError),
    /// A node refused or failed an action.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// A person's number did not parse (a bug in the cast).
    #[error(transparent)]
    Phone(#[from] PhoneError),
    /// A device could not be linked.
    #[error(transparent)]
    Link(#[from] crate::account::AccountError),
    /// A home could not be made.
    #[error(transparent)]
    Home(#[from] crate::home::HomeError),
    /// Something did not happen within [`STEP_DEADLINE`].
    #[error("timed out waiting for {0}")]
    Timeout(&'static str),
}

/// One of the three people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Who {
    /// 민지, Seoul.
    Minji,
    /// Yuki, Tokyo.
    Yuki,
    /// Alex, San Francisco.
    Alex,
}

impl Who {
    /// Everyone, in the order they are introduced.
    pub const ALL: [Who; 3] = [Who::Minji, Who::Yuki, Who::Alex];

    /// The name in their profile (and in their friends' address books).
    pub fn name(self) -> &'static str {
        match self {
            Who::Minji => "민지",
            Who::Yuki => "Yuki",
            Who::Alex => "Alex",
        }
    }

    /// Their number as they write it at home.
    pub fn local_number(self) -> &'static str {
        match self {
            Who::Minji => "010-1234-5678",
            Who::Yuki => "090-1234-5678",
            Who::Alex => "(415) 555-2671",
        }
    }

    /// Their home region.
    pub fn region(self) -> Region {
        let code = match self {
            Who::Minji => "KR",
            Who::Yuki => "JP",
            Who::Alex => "US",
        };
        code.parse().expect("a known region")
    }

    /// Their number, normalised.
    pub fn phone(self) -> Result<PhoneNumber, PhoneError> {
        normalize(self.local_number(), &self.region())
    }

    /// Their node's index in the net.
    fn index(self) -> usize {
        FIRST_PERSON_NODE + Who::ALL.iter().position(|w| *w == self).expect("in ALL")
    }

    /// What they say back to anything in the interactive demo.
    fn reply(self) -> &'static str {
        match self {
            Who::Minji => "좋아! 나도 그렇게 생각해 😊",
            Who::Yuki => "いいね！そうしよう 👍",
            Who::Alex => "Sounds good to me! 👍",
        }
    }
}

/// The address books: who adds whom, typed how (in the adder's habits).
const ADDRESS_BOOKS: [(Who, Who, &str); 4] = [
    (Who::Minji, Who::Yuki, "+81 90-1234-5678"),
    (Who::Minji, Who::Alex, "001-1-415-555-2671"),
    (Who::Yuki, Who::Minji, "010-82-10-1234-5678"),
    (Who::Alex, Who::Minji, "011 82 10 1234 5678"),
];

/// The 1:1 conversation while everyone is online (after the invite).
const ONLINE_LINES: [(Who, Who, &str); 4] = [
    (Who::Alex, Who::Yuki, "Hi Yuki! Thanks for the invite 👋"),
    (Who::Yuki, Who::Alex, "ようこそ！東京はもう夜だよ 🌙"),
    (Who::Minji, Who::Yuki, "유키야, 다음 주에 서울 와?"),
    (Who::Yuki, Who::Minji, "うん、水曜日に行くよ！"),
];

/// What 민지 tells Alex while he is offline.
const OFFLINE_LINES: [&str; 2] = ["Alex, 내일 회의 잊지 마!", "자료는 내가 가져갈게 📎"];

/// The group and what each member says in it.
const GROUP_NAME: &str = "서울 여행 ✈️";
const GROUP_LINES: [(Who, &str); 3] = [
    (Who::Minji, "다들 서울 언제 와?"),
    (Who::Yuki, "来週の水曜日！"),
    (Who::Alex, "Landing Thursday morning 🛬"),
];

/// The flash meetup and what is said in it.
const MEETUP_NAME: &str = "번개 🍗 홍대 치킨";
const MEETUP_LINES: [(Who, &str); 2] = [(Who::Alex, "On my way! 🏃"), (Who::Yuki, "あと10分で着く！")];

/// The parts of the tour, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Address books and discovery by number.
    Meet,
    /// A friendship made with an invite code.
    Invite,
    /// 1:1 messages, everyone online.
    Online,
    /// A 1:1 message to someone offline, through the mailbox.
    Offline,
    /// A group chat.
    Group,
    /// A flash meetup.
    Meetup,
    /// A second device for one person.
    Devices,
}

/// What happened, in order. `at` is the time since the demo started.
#[derive(Debug, Clone)]
pub enum Step {
    /// A part of the tour begins.
    Stage(Stage),
    /// The bootstrap and mailbox nodes are up and everyone's node joined the DHT.
    NetUp {
        /// Nodes running.
        nodes: usize,
        /// Since start.
        at: Duration,
    },
    /// A person's node is online.
    Online {
        /// Who.
        who: Who,
        /// Their number.
        phone: PhoneNumber,
    },
    /// A person typed a friend's number into their address book.
    ContactAdded {
        /// Whose address book.
        who: Who,
        /// The friend.
        friend: Who,
        /// As typed.
        typed: String,
        /// As normalised.
        phone: PhoneNumber,
    },
    /// A person's node found a friend's node by number.
    Found {
        /// Who looked.
        who: Who,
        /// Whom.
        friend: Who,
        /// Since start.
        at: Duration,
    },
    /// A person made an invite code.
    InviteCreated {
        /// Who.
        who: Who,
        /// The code.
        code: String,
    },
    /// A person added the inviter from the code: a verified friend.
    InviteAccepted {
        /// Who typed the code.
        who: Who,
        /// The inviter.
        inviter: Who,
        /// Since start.
        at: Duration,
    },
    /// The invited person's node found the inviter's node (from the key in the code).
    InviterFound {
        /// Who was invited.
        who: Who,
        /// The inviter.
        inviter: Who,
        /// Since start.
        at: Duration,
    },
    /// A message and where it arrived.
    Message {
        /// How it travelled.
        path: Path,
        /// The sender.
        from: Who,
        /// The recipient's name or the group's.
        to: String,
        /// The text.
        text: String,
        /// Each recipient and the send → received latency (`None`: lost).
        deliveries: Vec<(Who, Option<Duration>)>,
    },
    /// A person's node stopped.
    Offline {
        /// Who.
        who: Who,
    },
    /// Messages to an offline person are sealed on the mailbox.
    Deposited {
        /// The sender.
        from: Who,
        /// The offline recipient.
        to: Who,
        /// How many.
        count: usize,
        /// Since start.
        at: Duration,
    },
    /// A stopped node is back.
    BackOnline {
        /// Who.
        who: Who,
        /// Since start.
        at: Duration,
    },
    /// A group was created.
    GroupCreated {
        /// Its admin.
        who: Who,
        /// Its name.
        name: String,
        /// Members, the admin included.
        members: usize,
    },
    /// A member learnt of a group or meetup they are now in.
    Joined {
        /// Who.
        who: Who,
        /// The group's name.
        name: String,
        /// Since start.
        at: Duration,
    },
    /// A flash meetup was created.
    MeetupCreated {
        /// Its creator.
        who: Who,
        /// Its name.
        name: String,
        /// The code to share.
        code: String,
    },
    /// A meetup was closed for everyone.
    MeetupClosed {
        /// Who closed it.
        who: Who,
        /// Its name.
        name: String,
    },
    /// A person's node shows a link code for a new device.
    LinkShown {
        /// Who.
        who: Who,
        /// The code.
        code: String,
    },
    /// A person wrote to a friend from a linked device (sent through their first device).
    SentFromDevice {
        /// Who.
        who: Who,
        /// From which device.
        device: &'static str,
        /// To whom: a friend's name, or a group's.
        to: &'static str,
        /// Who has it, `latency` after the send.
        reader: Who,
        /// What.
        text: &'static str,
        /// From the send to the reader's node having it.
        latency: Duration,
    },
    /// A person read a friend's message on a linked device: the first device marked it
    /// read and sent the receipt.
    ReadOnDevice {
        /// Who.
        who: Who,
        /// On which device.
        device: &'static str,
        /// Whose message.
        friend: Who,
        /// Messages unread on the first device afterwards.
        unread: u32,
        /// From the read to the friend's node seeing it read.
        latency: Duration,
    },
    /// A person's first device went off: a friend's message reached their linked device,
    /// their answer went from it, and the first device, back, got both from it.
    FirstDeviceOff {
        /// Who.
        who: Who,
        /// The linked device.
        device: &'static str,
        /// The friend.
        friend: Who,
        /// From the friend's send to the linked device having it.
        received: Duration,
        /// From the answer's send on the linked device to the friend having it.
        answered: Duration,
        /// From the first device's start to it holding both.
        handed: Duration,
    },
    /// A person's new device joined their account and its node is up.
    DeviceLinked {
        /// Whose.
        who: Who,
        /// Its name.
        device: &'static str,
        /// The string both screens showed.
        sas: String,
        /// Devices the account has now, as the new device's node lists them.
        devices: usize,
        /// 1:1 messages the new device's node shows.
        messages: usize,
        /// Since start.
        at: Duration,
    },
}

/// The demo's net and figures.
pub struct Demo {
    net: TestNet,
    started: Instant,
    tally: Tally,
}

impl Demo {
    /// Starts the bootstrap node, the mailbox node and the three people's nodes, and
    /// waits until they joined the DHT.
    pub async fn start(observe: &mut impl FnMut(Step)) -> Result<Self, DemoError> {
        let started = Instant::now();
        let mut net = TestNet::start(TestNetOptions::new(0), |_| {}).await?;
        net.add_node_with(Config::default()).await?;
        let mut mailbox = Config::default();
        mailbox.mailbox.serve = true;
        net.add_node_with(mailbox).await?;
        let mut person = Config::default();
        person.discovery.discoverable = Discoverable::Contacts;
        for who in Who::ALL {
            let owner = Owner {
                phone: who.phone()?,
                name: who.name().to_owned(),
                region: who.region(),
            };
            net.add_node_as(person.clone(), owner).await?;
        }
        net.wait_ready(STEP_DEADLINE, |_| {}).await;
        net.wait_joined(STEP_DEADLINE).await;
        observe(Step::NetUp {
            nodes: net.nodes.len(),
            at: started.elapsed(),
        });
        for who in Who::ALL {
            observe(Step::Online {
                who,
                phone: net.nodes[who.index()].phone.clone(),
            });
        }
        Ok(Self {
            net,
            started,
            tally: Tally::default(),
        })
    }

    /// The running node of a person.
    pub fn node(&self, who: Who) -> NodeHandle {
        self.net.nodes[who.index()].node().clone()
    }

    /// A person's home (its control socket lives there).
    pub fn home(&self, who: Who) -> &Home {
        &self.net.nodes[who.index()].home
    }

    /// Everyone fills their address book; their nodes find each other by number. Then
    /// Yuki invites Alex with a code (a verified friendship from the start).
    pub async fn meet(&mut self, observe: &mut impl FnMut(Step)) -> Result<(), DemoError> {
        observe(Step::Stage(Stage::Meet));
        for (who, friend, typed) in ADDRESS_BOOKS {
            self.node(who).add_contact(typed, friend.name()).await?;
            observe(Step::ContactAdded {
                who,
                friend,
                typed: typed.to_owned(),
                phone: normalize(typed, &who.region())?,
            });
        }
        let lookups = ADDRESS_BOOKS.map(|(who, friend, _)| {
            // 민지 writes to Alex while he is offline: she needs his mailbox too.
            let mailboxes = usize::from((who, friend) == (Who::Minji, Who::Alex));
            let node = self.node(who);
            async move {
                within("a friend's record", async {
                    loop {
                        let view = node.lookup_contact(friend.name()).await?;
                        if view.state == "found" && view.mailboxes >= mailboxes {
                            return Ok((who, friend));
                        }
                    }
                })
                .await
            }
        });
        let mut lookups: futures::stream::FuturesUnordered<_> = lookups.into_iter().collect();
        while let Some(found) = lookups.next().await {
            let (who, friend) = found?;
            observe(Step::Found {
                who,
                friend,
                at: self.started.elapsed(),
            });
        }

        observe(Step::Stage(Stage::Invite));
        let invite = self.node(Who::Yuki).create_invite(VALID_SECS).await?;
        observe(Step::InviteCreated {
            who: Who::Yuki,
            code: invite.code.clone(),
        });
        self.node(Who::Alex)
            .add_contact_from_invite(&invite.code, Who::Yuki.name())
            .await?;
        observe(Step::InviteAccepted {
            who: Who::Alex,
            inviter: Who::Yuki,
            at: self.started.elapsed(),
        });
        // The code carries Yuki's key, not her address: Alex's node finds that by
        // looking her up, then greets her, and her profile comes back end to end.
        let alex = self.node(Who::Alex);
        within("the inviter's record", async {
            while alex.lookup_contact(Who::Yuki.name()).await?.profile_name.is_none() {}
            Ok(())
        })
        .await?;
        observe(Step::InviterFound {
            who: Who::Alex,
            inviter: Who::Yuki,
            at: self.started.elapsed(),
        });
        Ok(())
    }

    /// The 1:1 conversation, everyone online.
    pub async fn chat_online(&mut self, observe: &mut impl FnMut(Step)) -> Result<(), DemoError> {
        observe(Step::Stage(Stage::Online));
        for (from, to, text) in ONLINE_LINES {
            // Yuki learns Alex's name only from his first message: address him by number.
            let address = self.net.nodes[to.index()].phone.to_string();
            let mut events = self.node(to).events();
            let sent_at = Instant::now();
            let sent = self.node(from).send(&address, text).await?;
            let latency = wait_received(&mut events, &sent, sent_at).await;
            self.deliver(observe, Path::Online, from, to.name(), &sent, vec![(to, latency)]);
        }
        Ok(())
    }

    /// Alex goes offline; 민지 writes to him (sealed on the mailbox); he comes back and
    /// fetches it.
    pub async fn chat_offline(&mut self, observe: &mut impl FnMut(Step)) -> Result<(), DemoError> {
        observe(Step::Stage(Stage::Offline));
        let (from, to) = (Who::Minji, Who::Alex);
        self.net.stop_node(to.index()).await?;
        observe(Step::Offline { who: to });
        let sender = self.node(from);
        let mut states = sender.events();
        let mut sent = Vec::new();
        for text in OFFLINE_LINES {
            sent.push((sender.send(to.name(), text).await?, Instant::now()));
        }
        let mut waiting: Vec<String> = sent.iter().map(|(m, _)| m.id.clone()).collect();
        within("the mailbox deposit", async {
            while let Some(event) = states.next().await {
                if let Event::MessageState { id, state, .. } = event {
                    if state >= MessageState::Sent {
                        waiting.retain(|w| *w != id);
                    }
                }
                if waiting.is_empty() {
                    return Ok(());
                }
            }
            Err(NodeError::Stopped { panic: None })
        })
        .await?;
        observe(Step::Deposited {
            from,
            to,
            count: sent.len(),
            at: self.started.elapsed(),
        });
        self.net.restart_node(to.index()).await?;
        let recipient = self.node(to);
        let mut events = recipient.events();
        observe(Step::BackOnline {
            who: to,
            at: self.started.elapsed(),
        });
        for (message, sent_at) in sent {
            // The node may have fetched it before we subscribed: its history tells.
            let held = recipient.history(from.name(), 50, None).await?;
            let latency = if held.iter().any(|m| m.id == message.id) {
                Some(sent_at.elapsed())
            } else {
                wait_received(&mut events, &message, sent_at).await
            };
            self.deliver(observe, Path::Mailbox, from, to.name(), &message, vec![(to, latency)]);
        }
        Ok(())
    }

    /// 민지 creates a group with Yuki and Alex; each says something; everyone gets
    /// every message. Returns the group id.
    pub async fn group(&mut self, observe: &mut impl FnMut(Step)) -> Result<String, DemoError> {
        observe(Step::Stage(Stage::Group));
        let admin = Who::Minji;
        let others: Vec<Who> = Who::ALL.into_iter().filter(|w| *w != admin).collect();
        let mut joins: Vec<_> = others.iter().map(|w| (*w, self.node(*w).events())).collect();
        let names: Vec<&str> = others.iter().map(|w| w.name()).collect();
        let group = self.node(admin).group_create(GROUP_NAME, &names, None).await?;
        observe(Step::GroupCreated {
            who: admin,
            name: group.name.clone(),
            members: group.members,
        });
        for (who, events) in &mut joins {
            within("the group's welcome", async {
                while let Some(event) = events.next().await {
                    if matches!(event, Event::GroupChanged { ref group, .. } if group.name == GROUP_NAME) {
                        return Ok(());
                    }
                }
                Err(NodeError::Stopped { panic: None })
            })
            .await?;
            observe(Step::Joined {
                who: *who,
                name: group.name.clone(),
                at: self.started.elapsed(),
            });
        }
        self.talk_in(observe, Path::Group, &group.group_id, &group.name, &GROUP_LINES)
            .await?;
        Ok(group.group_id)
    }

    /// 민지 starts a flash meetup; the others join with its code; two of them speak;
    /// she closes it.
    pub async fn meetup(&mut self, observe: &mut impl FnMut(Step)) -> Result<(), DemoError> {
        observe(Step::Stage(Stage::Meetup));
        let creator = Who::Minji;
        let meetup = self.node(creator).meetup_create(MEETUP_NAME, VALID_SECS).await?;
        observe(Step::MeetupCreated {
            who: creator,
            name: meetup.name.clone(),
            code: meetup.code.clone(),
        });
        for who in [Who::Yuki, Who::Alex] {
            let node = self.node(who);
            within("the meetup's code", async {
                // The code's record may not have spread yet: look again until the deadline.
                loop {
                    match node.meetup_join(&meetup.code).await {
                        Err(e) if e.reason() == Some("no_such_meetup") => continue,
                        joined => return joined.map(drop),
                    }
                }
            })
            .await?;
            observe(Step::Joined {
                who,
                name: meetup.name.clone(),
                at: self.started.elapsed(),
            });
        }
        self.talk_in(observe, Path::Meetup, &meetup.group_id, &meetup.name, &MEETUP_LINES)
            .await?;
        self.node(creator).group_close(&meetup.group_id).await?;
        observe(Step::MeetupClosed {
            who: creator,
            name: meetup.name,
        });
        Ok(())
    }

    /// Each line is sent to the group; the other members wait for it.
    async fn talk_in(
        &mut self,
        observe: &mut impl FnMut(Step),
        path: Path,
        group_id: &str,
        name: &str,
        lines: &[(Who, &str)],
    ) -> Result<(), DemoError> {
        for (from, text) in lines {
            let mut listeners: Vec<_> = Who::ALL
                .into_iter()
                .filter(|w| w != from)
                .map(|w| (w, self.node(w).events()))
                .collect();
            let sent_at = Instant::now();
            let sent = self.node(*from).group_send(group_id, text).await?;
            let waits = listeners.iter_mut().map(|(who, events)| {
                let sent = &sent;
                async move { (*who, wait_received(events, sent, sent_at).await) }
            });
            let deliveries = futures::future::join_all(waits).await;
            self.deliver(observe, path, *from, name, &sent, deliveries);
        }
        Ok(())
    }

    /// Records and reports one message's deliveries.
    fn deliver(
        &mut self,
        observe: &mut impl FnMut(Step),
        path: Path,
        from: Who,
        to: &str,
        sent: &MessageView,
        deliveries: Vec<(Who, Option<Duration>)>,
    ) {
        for (_, latency) in &deliveries {
            self.tally.record(path, *latency);
        }
        observe(Step::Message {
            path,
            from,
            to: to.to_owned(),
            text: sent.text.clone(),
            deliveries,
        });
    }

    /// The figures so far.
    pub fn report(&self) -> Report {
        self.tally.report(self.started.elapsed())
    }

    /// The interactive demo's friends: every person but `player` answers each message
    /// `player` sends them (1:1, or in a group they are in) until the task is dropped.
    pub fn keep_replying(&self, player: Who) -> tokio::task::JoinHandle<()> {
        let player_phone = self.net.nodes[player.index()].phone.to_string();
        let friends: Vec<(Who, NodeHandle)> = Who::ALL
            .into_iter()
            .filter(|w| *w != player)
            .map(|w| (w, self.node(w)))
            .collect();
        tokio::spawn(async move {
            let replies = friends.into_iter().map(|(who, node)| {
                let player_phone = player_phone.clone();
                async move {
                    let mut events = node.events();
                    while let Some(event) = events.next().await {
                        let Event::MessageReceived { message } = event else {
                            continue;
                        };
                        if message.direction != Direction::Incoming || message.sender != player_phone {
                            continue;
                        }
                        let reply = match group_of(&node, &message.conv).await {
                            Some(group) => node.group_send(&group, who.reply()).await,
                            None => node.send(&player_phone, who.reply()).await,
                        };
                        if let Err(error) = reply {
                            tracing::warn!(%error, who = who.name(), "the demo's reply failed");
                        }
                    }
                }
            });
            futures::future::join_all(replies).await;
        })
    }

    /// Stops every node.
    pub async fn shutdown(self) {
        self.net.shutdown().await;
    }
}

/// The group whose conversation is `conv`, if it is one (a group's conversation id is
/// its group id).
async fn group_of(node: &NodeHandle, conv: &str) -> Option<String> {
    let groups = node.groups().await.ok()?;
    groups.into_iter().find(|g| g.group_id == conv).map(|g| g.group_id)
}

/// The whole scripted demo: start, meet, chat online and offline, a group, a meetup;
/// returns the figures. The net is shut down at the end (also on failure).
pub async fn run(observe: &mut impl FnMut(Step)) -> Result<Report, DemoError> {
    let mut demo = Demo::start(observe).await?;
    let outcome = script(&mut demo, observe).await;
    let report = demo.report();
    demo.shutdown().await;
    outcome.map(|()| report)
}

async fn script(demo: &mut Demo, observe: &mut impl FnMut(Step)) -> Result<(), DemoError> {
    demo.meet(observe).await?;
    demo.chat_online(observe).await?;
    demo.chat_offline(observe).await?;
    demo.group(observe).await?;
    demo.meetup(observe).await?;
    demo.link_laptop(observe).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::format_international;

    #[test]
    fn every_number_as_typed_reaches_the_right_person() {
        for who in Who::ALL {
            assert!(who.phone().is_ok(), "{who:?}'s own number");
        }
        for (who, friend, typed) in ADDRESS_BOOKS {
            let phone = normalize(typed, &who.region()).unwrap();
            assert_eq!(phone, friend.phone().unwrap(), "{who:?} typing {typed}");
        }
        let minji = format_international(&Who::Minji.phone().unwrap());
        assert_eq!(minji, "+82 10-1234-5678");
    }

    #[test]
    fn people_have_distinct_nodes_after_the_servers() {
        let indices: Vec<usize> = Who::ALL.iter().map(|w| w.index()).collect();
        assert_eq!(indices, [2, 3, 4]);
    }
}
