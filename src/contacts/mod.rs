//! The address book: importing contacts from vCard and CSV files, and the trust rules
//! that decide what a discovery result does to a contact (pinning, conflicts,
//! verification). Finding contacts on the network lives in the node.

pub mod import;
pub mod trust;
