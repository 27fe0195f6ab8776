//! What a test-net run costs the process: CPU seconds (`getrusage`), resident memory
//! (`/proc/self/status`), and disk syncs counted by the kernel. Another process (a node a
//! scenario started as a child) is measured from `/proc/<pid>/stat` and
//! `/proc/<pid>/status` alone: [`Process`]. Scenarios that judge
//! whether a load can be carried for long sample these over time and report the slope:
//! a flat line is what "CPU and RSS flat" means. This process's heap (what the allocator
//! has handed out, [`heap_bytes`]) is sampled too: resident memory also rises while
//! memory allocated at start-up is touched for the first time (sled allocates a few MiB
//! of zeroed tables per store, which the kernel maps in page by page as they are
//! written), so a rising RSS over a flat heap is that, not a leak.
//!
//! Disk syncs are counted with perf tracepoints on the `fsync`, `fdatasync` and
//! `sync_file_range` system calls (sled makes its log durable with `sync_file_range`
//! and its segments with `fsync`), one counter per thread of the process, inherited by
//! every thread created afterwards. That needs root (or `CAP_PERFMON`) and tracefs at
//! `/sys/kernel/tracing`; without them the report says why instead of a number.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::stats::round;

/// CPU seconds (user + system) used by this process so far.
pub fn cpu_seconds() -> f64 {
    use nix::sys::resource::{getrusage, UsageWho};
    match getrusage(UsageWho::RUSAGE_SELF) {
        Ok(usage) => {
            let seconds = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
            seconds(usage.user_time()) + seconds(usage.system_time())
        }
        Err(_) => 0.0,
    }
}

/// A field of `/proc/<pid>/status` (`/proc/self/status` for `None`) given in kB, in bytes.
fn status_bytes(pid: Option<u32>, field: &str) -> Option<u64> {
    proc_bytes(pid, "status", field)
}

/// A `field: N kB` line of `/proc/<pid>/<file>` (this process: `None`), in bytes.
fn proc_bytes(pid: Option<u32>, file: &str, field: &str) -> Option<u64> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/{file}"),
        None => format!("/proc/self/{file}"),
    };
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Another process of this machine, measured through `/proc` (Linux) alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Process {
    /// Its process id.
    pub pid: u32,
}

impl Process {
    /// Its resident memory now (`VmRSS`), in bytes; `None` once it is gone.
    pub fn rss_bytes(self) -> Option<u64> {
        status_bytes(Some(self.pid), "VmRSS:")
    }

    /// Its proportional share of memory now (`Pss` of `smaps_rollup`), in bytes: pages it
    /// shares with other processes (the binary's code, with the other workers of a spread
    /// net) count divided among them, so the sum over processes is what the machine holds.
    pub fn pss_bytes(self) -> Option<u64> {
        proc_bytes(Some(self.pid), "smaps_rollup", "Pss:")
    }

    /// Its peak resident memory (`VmHWM`) since it started or since the last
    /// [`Process::reset_peak_rss`], in bytes.
    pub fn peak_rss_bytes(self) -> Option<u64> {
        status_bytes(Some(self.pid), "VmHWM:")
    }

    /// Resets its peak resident memory to its current one (`/proc/<pid>/clear_refs`; needs
    /// the same user). Returns whether it worked.
    pub fn reset_peak_rss(self) -> bool {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid), "5").is_ok()
    }

    /// CPU seconds (user + system) it used so far: `utime` and `stime` of
    /// `/proc/<pid>/stat`, in clock ticks.
    pub fn cpu_seconds(self) -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).ok()?;
        cpu_ticks_of_stat(&stat).map(|ticks| ticks as f64 / clock_ticks_per_second())
    }

    /// Its open file descriptors now (`None` once it is gone).
    pub fn open_fds(self) -> Option<u64> {
        count_fds(&format!("/proc/{}/fd", self.pid))
    }
}

/// Open file descriptors of this process now.
pub fn open_fds() -> u64 {
    count_fds("/proc/self/fd").unwrap_or_default()
}

fn count_fds(dir: &str) -> Option<u64> {
    Some(std::fs::read_dir(dir).ok()?.count() as u64)
}

/// `utime + stime` of a `/proc/<pid>/stat` line. The command name (field 2) is in
/// parentheses and may hold spaces or parentheses itself, so fields are counted from the
/// last `)`: field 3 (the state) is the first after it, `utime` and `stime` are 14 and 15.
fn cpu_ticks_of_stat(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// The kernel's clock ticks per second for `/proc` times (`USER_HZ`).
fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf only reads a system constant.
    let ticks = unsafe { nix::libc::sysconf(nix::libc::_SC_CLK_TCK) };
    if ticks > 0 {
        ticks as f64
    } else {
        100.0
    }
}

/// Bytes this process's allocator has handed out and not taken back (glibc
/// `mallinfo2`: in use in every arena plus blocks mapped on their own), or `None` where
/// the C library does not say. Allocated memory counts whether or not it was touched.
pub fn heap_bytes() -> Option<u64> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallinfo2 has no preconditions; it only reads the allocator's counters.
        let info = unsafe { nix::libc::mallinfo2() };
        Some((info.uordblks + info.hblkhd) as u64)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        None
    }
}

/// Resident memory of this process now (`VmRSS`), in bytes.
pub fn rss_bytes() -> u64 {
    status_bytes(None, "VmRSS:").unwrap_or_default()
}

/// The highest `VmHWM` seen before a [`reset_peak_rss`].
static PEAK_BEFORE_RESETS: AtomicU64 = AtomicU64::new(0);

/// Peak resident memory of this process over its whole life, in bytes (`VmHWM`, and
/// the peaks it had before any [`reset_peak_rss`]).
pub fn peak_rss_bytes() -> u64 {
    current_peak_rss().max(PEAK_BEFORE_RESETS.load(Ordering::Relaxed))
}

/// `VmHWM`: the peak since the start or the last [`reset_peak_rss`].
fn current_peak_rss() -> u64 {
    status_bytes(None, "VmHWM:").unwrap_or_default()
}

/// Resets the kernel's peak resident memory of this process to its current one
/// (`/proc/self/clear_refs`, Linux ≥ 4.0), so that the peak of what follows can be read;
/// [`peak_rss_bytes`] still gives the lifetime peak. Returns whether it worked.
pub fn reset_peak_rss() -> bool {
    PEAK_BEFORE_RESETS.fetch_max(current_peak_rss(), Ordering::Relaxed);
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// CPU and memory used over one part of a run (one scenario of a comparison).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Usage {
    /// Wall-clock seconds.
    pub wall_s: f64,
    /// CPU seconds (user + system) of the whole process.
    pub cpu_s: f64,
    /// CPU seconds per wall-clock second (2.0 = both cores of this machine busy).
    pub cpu_cores: f64,
    /// Resident memory when the part started.
    pub rss_start_bytes: u64,
    /// Peak resident memory during the part (the process's peak so far if the kernel
    /// could not reset it).
    pub rss_peak_bytes: u64,
}

/// Measures [`Usage`] from its creation to [`UsageMeter::finish`].
pub struct UsageMeter {
    started: Instant,
    cpu: f64,
    rss: u64,
    peak_reset: bool,
}

impl UsageMeter {
    /// Starts measuring (resets the peak resident memory).
    pub fn start() -> Self {
        let peak_reset = reset_peak_rss();
        Self {
            started: Instant::now(),
            cpu: cpu_seconds(),
            rss: rss_bytes(),
            peak_reset,
        }
    }

    /// What was used since [`UsageMeter::start`].
    pub fn finish(&self) -> Usage {
        let wall_s = self.started.elapsed().as_secs_f64();
        let cpu_s = cpu_seconds() - self.cpu;
        Usage {
            wall_s: round(wall_s),
            cpu_s: round(cpu_s),
            cpu_cores: round(cpu_s / wall_s.max(1e-9)),
            rss_start_bytes: self.rss,
            rss_peak_bytes: if self.peak_reset {
                current_peak_rss()
            } else {
                peak_rss_bytes()
            },
        }
    }
}

/// One sample of a [`Series`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sample {
    /// Seconds since the series started.
    pub t_s: f64,
    /// Resident memory, bytes.
    pub rss_bytes: u64,
    /// This process's heap, bytes ([`heap_bytes`]; absent for another process).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heap_bytes: Option<u64>,
    /// CPU seconds per second over the interval that ended with this sample.
    pub cpu_cores: f64,
    /// Open file descriptors (sockets, database files…).
    pub fds: u64,
}

/// CPU and memory sampled at a fixed interval, with their trends.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Series {
    /// The samples, oldest first.
    pub samples: Vec<Sample>,
}

/// What one sample reads.
struct Reading {
    /// CPU seconds so far.
    cpu_s: f64,
    rss_bytes: u64,
    heap_bytes: Option<u64>,
    fds: u64,
}

/// The trends of a [`Series`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Trend {
    /// Resident memory: least-squares slope over all samples, MiB per minute.
    pub rss_mib_per_min: f64,
    /// The same over the second half of the samples (after the warm-up).
    pub rss_mib_per_min_second_half: f64,
    /// The heap ([`heap_bytes`]): least-squares slope over all samples, MiB per minute
    /// (absent where it is not sampled).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heap_mib_per_min: Option<f64>,
    /// The same over the second half of the samples.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heap_mib_per_min_second_half: Option<f64>,
    /// CPU use: least-squares slope, cores per minute (0.1 = 10 % of a core more each minute).
    pub cpu_cores_per_min: f64,
    /// The same over the second half of the samples.
    pub cpu_cores_per_min_second_half: f64,
    /// Open file descriptors: least-squares slope, descriptors per minute.
    pub fds_per_min: f64,
    /// The same over the second half of the samples.
    pub fds_per_min_second_half: f64,
    /// Most descriptors sampled.
    pub fds_max: u64,
    /// Highest resident memory sampled, bytes.
    pub rss_max_bytes: u64,
    /// Mean CPU use, cores.
    pub cpu_cores_mean: f64,
}

impl Series {
    /// Samples the process every `every` until `stop` resolves.
    pub async fn record(every: Duration, stop: impl std::future::Future<Output = ()>) -> Self {
        let read = || Reading {
            cpu_s: cpu_seconds(),
            rss_bytes: rss_bytes(),
            heap_bytes: heap_bytes(),
            fds: open_fds(),
        };
        Self::record_with(every, stop, read).await
    }

    /// Samples another process every `every` until `stop` resolves (or it is gone).
    pub async fn record_process(
        process: Process,
        every: Duration,
        stop: impl std::future::Future<Output = ()>,
    ) -> Self {
        let read = || Reading {
            cpu_s: process.cpu_seconds().unwrap_or_default(),
            rss_bytes: process.rss_bytes().unwrap_or_default(),
            heap_bytes: None,
            fds: process.open_fds().unwrap_or_default(),
        };
        Self::record_with(every, stop, read).await
    }

    /// Samples `read` every `every` until `stop`.
    async fn record_with(
        every: Duration,
        stop: impl std::future::Future<Output = ()>,
        read: impl Fn() -> Reading,
    ) -> Self {
        let started = Instant::now();
        let mut series = Series::default();
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last = (started, read().cpu_s);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => return series,
                _ = ticks.tick() => {
                    let now = Instant::now();
                    let reading = read();
                    let interval = now.duration_since(last.0).as_secs_f64();
                    if interval > 0.0 {
                        series.samples.push(Sample {
                            t_s: round(now.duration_since(started).as_secs_f64()),
                            rss_bytes: reading.rss_bytes,
                            heap_bytes: reading.heap_bytes,
                            cpu_cores: round((reading.cpu_s - last.1) / interval),
                            fds: reading.fds,
                        });
                    }
                    last = (now, reading.cpu_s);
                }
            }
        }
    }

    /// The slopes of memory and CPU over time.
    pub fn trend(&self) -> Trend {
        let second_half = &self.samples[self.samples.len() / 2..];
        let mib = |s: &Sample| s.rss_bytes as f64 / (1024.0 * 1024.0);
        let heap_mib = |s: &Sample| s.heap_bytes.unwrap_or_default() as f64 / (1024.0 * 1024.0);
        let heap_sampled = !self.samples.is_empty() && self.samples.iter().all(|s| s.heap_bytes.is_some());
        let heap_slope = |samples: &[Sample]| heap_sampled.then(|| round(slope_per_min(samples, heap_mib)));
        let cores = |s: &Sample| s.cpu_cores;
        let fds = |s: &Sample| s.fds as f64;
        let mean = if self.samples.is_empty() {
            0.0
        } else {
            self.samples.iter().map(cores).sum::<f64>() / self.samples.len() as f64
        };
        Trend {
            rss_mib_per_min: round(slope_per_min(&self.samples, mib)),
            rss_mib_per_min_second_half: round(slope_per_min(second_half, mib)),
            heap_mib_per_min: heap_slope(&self.samples),
            heap_mib_per_min_second_half: heap_slope(second_half),
            cpu_cores_per_min: round(slope_per_min(&self.samples, cores)),
            cpu_cores_per_min_second_half: round(slope_per_min(second_half, cores)),
            fds_per_min: round(slope_per_min(&self.samples, fds)),
            fds_per_min_second_half: round(slope_per_min(second_half, fds)),
            fds_max: self.samples.iter().map(|s| s.fds).max().unwrap_or_default(),
            rss_max_bytes: self.samples.iter().map(|s| s.rss_bytes).max().unwrap_or_default(),
            cpu_cores_mean: round(mean),
        }
    }
}

/// Least-squares slope of `value` over the samples' times, per minute (0 for fewer than
/// two samples).
fn slope_per_min(samples: &[Sample], value: impl Fn(&Sample) -> f64) -> f64 {
    let n = samples.len() as f64;
    if samples.len() < 2 {
        return 0.0;
    }
    let mean_t = samples.iter().map(|s| s.t_s).sum::<f64>() / n;
    let mean_v = samples.iter().map(&value).sum::<f64>() / n;
    let (mut covariance, mut variance) = (0.0, 0.0);
    for s in samples {
        covariance += (s.t_s - mean_t) * (value(s) - mean_v);
        variance += (s.t_s - mean_t).powi(2);
    }
    if variance == 0.0 {
        0.0
    } else {
        covariance / variance * 60.0
    }
}

/// The system calls counted as disk syncs.
pub const SYNC_CALLS: [&str; 3] = ["fsync", "fdatasync", "sync_file_range"];

/// Disk syncs made by the process's threads, by system call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncCounts {
    /// `fsync` calls.
    pub fsync: u64,
    /// `fdatasync` calls.
    pub fdatasync: u64,
    /// `sync_file_range` calls.
    pub sync_file_range: u64,
}

impl SyncCounts {
    /// All of them.
    pub fn total(&self) -> u64 {
        self.fsync + self.fdatasync + self.sync_file_range
    }
}

/// Counts disk-sync system calls of every thread of this process from its creation on.
pub struct SyncCounter {
    #[cfg(target_os = "linux")]
    /// Per system call (in [`SYNC_CALLS`] order), one counter per thread that existed at
    /// the start (each also counts the threads it creates later).
    counters: [Vec<perf_event::Counter>; 3],
}

#[cfg(not(target_os = "linux"))]
impl SyncCounter {
    /// Disk syncs are counted on Linux only.
    pub fn start() -> Result<Self, String> {
        Err("disk syncs are counted on Linux only".into())
    }

    /// Nothing counted.
    pub fn read(&mut self) -> SyncCounts {
        SyncCounts::default()
    }
}

#[cfg(target_os = "linux")]
impl SyncCounter {
    /// Starts counting, or says why it cannot.
    pub fn start() -> Result<Self, String> {
        let threads: Vec<i32> = std::fs::read_dir("/proc/self/task")
            .map_err(|e| format!("cannot list this process's threads: {e}"))?
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
            .collect();
        let mut counters: [Vec<perf_event::Counter>; 3] = Default::default();
        for (call, per_thread) in SYNC_CALLS.iter().zip(counters.iter_mut()) {
            let name = format!("/sys/kernel/tracing/events/syscalls/sys_enter_{call}/id");
            let id: u64 = std::fs::read_to_string(&name)
                .map_err(|e| format!("no tracepoint {name} (tracefs mounted? root?): {e}"))?
                .trim()
                .parse()
                .map_err(|e| format!("unreadable tracepoint id in {name}: {e}"))?;
            for &thread in &threads {
                let counter = perf_event::Builder::new(perf_event::events::Tracepoint::with_id(id))
                    .observe_pid(thread)
                    .any_cpu()
                    .include_kernel()
                    .inherit(true)
                    .enabled(true)
                    .build();
                match counter {
                    Ok(counter) => per_thread.push(counter),
                    // The thread ended meanwhile: nothing of it to count.
                    Err(e) if e.raw_os_error() == Some(nix::libc::ESRCH) => {}
                    Err(e) => {
                        return Err(format!(
                            "perf_event_open for {call} failed (needs root or CAP_PERFMON): {e}"
                        ))
                    }
                }
            }
        }
        Ok(Self { counters })
    }

    /// The counts so far.
    pub fn read(&mut self) -> SyncCounts {
        let mut totals = [0u64; 3];
        for (total, per_thread) in totals.iter_mut().zip(self.counters.iter_mut()) {
            *total = per_thread.iter_mut().filter_map(|c| c.read().ok()).sum();
        }
        SyncCounts {
            fsync: totals[0],
            fdatasync: totals[1],
            sync_file_range: totals[2],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t_s: f64, mib: f64, cpu_cores: f64) -> Sample {
        Sample {
            t_s,
            rss_bytes: (mib * 1024.0 * 1024.0) as u64,
            heap_bytes: Some(200 << 20),
            cpu_cores,
            fds: 40 + t_s as u64 / 10 * 2,
        }
    }

    #[test]
    fn slopes_are_per_minute() {
        // 1 MiB more every 10 s = 6 MiB/min; CPU flat.
        let series = Series {
            samples: (0..10)
                .map(|i| sample(i as f64 * 10.0, 100.0 + i as f64, 1.5))
                .collect(),
        };
        let trend = series.trend();
        assert!((trend.rss_mib_per_min - 6.0).abs() < 0.01, "{trend:?}");
        assert!((trend.rss_mib_per_min_second_half - 6.0).abs() < 0.01, "{trend:?}");
        assert_eq!(trend.cpu_cores_per_min, 0.0);
        assert_eq!(trend.cpu_cores_mean, 1.5);
        // 2 descriptors more every 10 s = 12 a minute.
        assert!((trend.fds_per_min - 12.0).abs() < 0.01, "{trend:?}");
        assert_eq!(trend.fds_max, 58);
        // The heap stayed at 200 MiB while RSS rose: pages touched, nothing allocated.
        assert_eq!(
            (trend.heap_mib_per_min, trend.heap_mib_per_min_second_half),
            (Some(0.0), Some(0.0))
        );
        assert_eq!(Series::default().trend(), Trend::default());
        // Another process's heap is not sampled: no slope rather than a flat zero.
        let mut other = series.clone();
        other.samples.iter_mut().for_each(|s| s.heap_bytes = None);
        assert_eq!(other.trend().heap_mib_per_min, None);
    }

    #[test]
    fn the_process_measures_itself() {
        // Memory now first: the peak read after it cannot be lower (other tests allocate
        // meanwhile).
        let rss = rss_bytes();
        assert!(rss > 0 && peak_rss_bytes() >= rss);
        // A block allocated and not touched counts as heap though it is not resident
        // (other tests allocate and free meanwhile: only a lower bound holds).
        let untouched = std::hint::black_box(vec![0u8; 64 << 20]);
        if cfg!(all(target_os = "linux", target_env = "gnu")) {
            let heap = heap_bytes().unwrap();
            assert!(heap >= 64 << 20, "{heap}");
        }
        drop(untouched);
        let meter = UsageMeter::start();
        let spin = Instant::now();
        while spin.elapsed() < Duration::from_millis(20) {}
        let usage = meter.finish();
        assert!(usage.cpu_s > 0.0 && usage.rss_peak_bytes > 0, "{usage:?}");
    }

    #[test]
    fn another_process_is_measured_through_proc() {
        // The fields after the command name, which may hold spaces and parentheses.
        let stat = "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 3 0";
        assert_eq!(cpu_ticks_of_stat(stat), Some(325));
        assert_eq!(cpu_ticks_of_stat("4242 (cut"), None);

        let mut child = std::process::Command::new("sleep").arg("5").spawn().unwrap();
        let process = Process { pid: child.id() };
        let rss = process.rss_bytes();
        let cpu = process.cpu_seconds();
        let fds = process.open_fds();
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(rss.is_some_and(|rss| rss > 0), "{rss:?}");
        assert!(cpu.is_some_and(|cpu| cpu >= 0.0), "{cpu:?}");
        assert!(fds.is_some_and(|fds| fds >= 3), "stdin, stdout, stderr: {fds:?}");
        assert!(open_fds() >= 3);
        assert_eq!(process.rss_bytes(), None, "reaped: gone from /proc");
    }

    #[test]
    fn disk_syncs_are_counted_where_the_kernel_allows() {
        let Ok(mut counter) = SyncCounter::start() else {
            // Not root or no tracefs: the reports say why; nothing to check here.
            return;
        };
        let before = counter.read();
        let file = tempfile::tempfile().unwrap();
        // A thread created after the start is counted too.
        std::thread::spawn(move || {
            file.sync_all().unwrap();
            file.sync_data().unwrap();
        })
        .join()
        .unwrap();
        let after = counter.read();
        assert!(after.fsync > before.fsync, "{before:?} → {after:?}");
        assert!(after.fdatasync > before.fdatasync, "{before:?} → {after:?}");
    }
}
