//! The address book: importing contacts from vCard and CSV files, the trust rules that
//! decide what a discovery result does to a contact (pinning, conflicts, verification),
//! when contacts are looked up, and what each state means to the owner. Finding
//! contacts on the network lives in the node.

pub mod import;
pub mod schedule;
pub mod standing;
pub mod trust;
