//! The lab on this machine: NAT types behave as named, a small matrix of real `chingu run`
//! processes behind emulated NATs, and no run leaves anything behind (stopped, signalled or
//! crashed). Each test skips, saying why, only where this machine cannot create network
//! namespaces (found out by trying); everywhere else it runs.

use crate::common;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use chingu::lab::link::LinkParams;
use chingu::lab::nat::NatType;
use chingu::lab::netns::{self, Run};
use chingu::lab::scenarios::{self, Matrix, PairOptions};
use chingu::lab::topology::{Topology, TopologySpec};
use chingu::lab::{probe, LabError, LabOptions};

/// Whether the lab can run here: false (saying why) only where this machine cannot create
/// network namespaces. A missing tool is a failure: `.ci/run` installs them.
fn lab_available(test: &str) -> bool {
    match netns::available() {
        Ok(()) => true,
        Err(e @ LabError::NoNamespaces(_)) => {
            eprintln!("skipping {test}: {e}");
            false
        }
        Err(e) => panic!("{test}: {e}"),
    }
}

fn options() -> LabOptions {
    LabOptions {
        bin: common::bin(),
        link: LinkParams::default(),
        links: None,
        keep_dir: false,
    }
}

fn namespaces_of(id: &str) -> Vec<String> {
    netns::runs()
        .into_iter()
        .filter(|r| r.id == id)
        .flat_map(|r| r.namespaces)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nat_types_behave_as_named() {
    if !lab_available("nat_types_behave_as_named") {
        return;
    }
    let run = Run::start("test nat_types_behave_as_named", false).unwrap();
    let spec = TopologySpec {
        public: Vec::new(),
        sites: NatType::ALL.to_vec(),
    };
    let topology = Topology::build(&run, &spec, LinkParams::default(), None).unwrap();
    let reports = tokio::task::block_in_place(|| probe::selftest(&topology)).unwrap();
    assert_eq!(reports.len(), NatType::ALL.len());
    for report in &reports {
        assert!(report.ok, "{report:#?}");
    }
    let id = run.id().to_owned();
    drop(topology);
    drop(run);
    assert!(namespaces_of(&id).is_empty(), "the run's namespaces are gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_matrix_of_real_nodes() {
    if !lab_available("small_matrix_of_real_nodes") {
        return;
    }
    let pair_options = PairOptions {
        messages: 5,
        group_messages: 3,
        pace: Duration::from_millis(100),
        deadline: Duration::from_secs(30),
        ..PairOptions::default()
    };
    let report = scenarios::run_matrix(&options(), &Matrix::Small.pairs(), &pair_options, |_| {})
        .await
        .unwrap();
    assert!(report.selftest.iter().all(|p| p.ok), "{:#?}", report.selftest);
    assert_eq!(report.pairs.len(), Matrix::Small.pairs().len());
    for pair in &report.pairs {
        // Whatever path a message takes, the app never sees it twice.
        assert_eq!(pair.duplicates, 0, "{pair:#?}");
        assert!(pair.nodes.iter().all(|n| !n.peer_id.is_empty()), "{pair:#?}");
        // Behind a NAT or a firewall that drops SYNs (AutoNAT dial-backs then fail rather
        // than time out unreported), a node learns it is private.
        for node in pair.nodes.iter().filter(|n| n.nat != NatType::Public) {
            assert_eq!(node.reachability.as_deref(), Some("private"), "{pair:#?}");
        }
    }
    let public = &report.pairs[0];
    assert_eq!(public.pair, [NatType::Public, NatType::Public]);
    assert!(public.ok, "public↔public must work: {public:#?}");
    assert_eq!(public.exchange.delivered, 10);
    assert!(public.path.iter().all(|p| p.path == "direct"), "{public:#?}");
    assert!(
        namespaces_of(&report.run_id).is_empty(),
        "the run's namespaces are gone"
    );
}

/// A `chingu lab up` process; killed (if still running) when dropped.
struct LabUp(std::process::Child);

impl Drop for LabUp {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `chingu lab up ARGS` and returns it with its run id once it is up.
fn lab_up(args: &[&str]) -> (LabUp, String) {
    let mut child = LabUp(
        Command::new(common::bin())
            .args(["--lang", "en", "lab", "up"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("`lab up` reports that it is up");
        if let Some(rest) = line.strip_prefix("Lab ") {
            let id = rest.split_whitespace().next().unwrap().to_owned();
            return (child, id);
        }
    }
}

fn wait_exit(lab: &mut LabUp) -> std::process::ExitStatus {
    let child = &mut lab.0;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(std::time::Instant::now() < deadline, "the lab did not exit");
        // Polls the child's exit; a short park between polls is not synchronisation.
        std::thread::park_timeout(Duration::from_millis(50));
    }
}

#[test]
fn lab_down_stops_a_lab_kept_up() {
    if !lab_available("lab_down_stops_a_lab_kept_up") {
        return;
    }
    let (mut child, id) = lab_up(&["--nat", "port-restricted"]);
    assert!(!namespaces_of(&id).is_empty());
    let live = netns::runs().into_iter().find(|r| r.id == id).unwrap();
    assert!(live.live, "{live:?}");
    let home = live.info.unwrap().dir.join("homes/boot");
    assert!(common::ok(&home, &["status"]).contains("peer id"));

    let out = Command::new(common::bin())
        .args(["--lang", "en", "lab", "down", &id])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(wait_exit(&mut child).success(), "`lab up` ends normally when stopped");
    assert!(namespaces_of(&id).is_empty(), "namespaces removed");
    assert!(!home.exists(), "the run's directory is removed");
}

#[test]
fn a_crashed_run_is_cleaned_up_next_time() {
    if !lab_available("a_crashed_run_is_cleaned_up_next_time") {
        return;
    }
    let (mut child, id) = lab_up(&["--nat", "symmetric"]);
    let run = netns::runs().into_iter().find(|r| r.id == id).unwrap();
    let dir = run.info.unwrap().dir;
    let nodes: Vec<i32> = run
        .namespaces
        .iter()
        .flat_map(|ns| netns::Netns::named(ns).pids())
        .collect();
    assert!(!nodes.is_empty(), "nodes run in the lab's namespaces");

    child.0.kill().unwrap(); // SIGKILL: no chance to clean up
    wait_exit(&mut child);
    // Another test's run may clean it first; either way it must go, nodes included.
    if let Some(left) = netns::runs().into_iter().find(|r| r.id == id) {
        assert!(!left.live, "{left:?}");
    }
    netns::clean_stale();
    assert!(namespaces_of(&id).is_empty(), "namespaces removed");
    assert!(!dir.exists(), "directory removed");
    let alive = |pid: &i32| std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "));
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while nodes.iter().any(alive) {
        assert!(
            std::time::Instant::now() < deadline,
            "node processes outlived their lab"
        );
        // Polls for the processes' exit; a short park between polls is not synchronisation.
        std::thread::park_timeout(Duration::from_millis(50));
    }
}
