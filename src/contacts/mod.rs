//! The address book: importing contacts from vCard and CSV files. (Discovery of
//! contacts on the network lives in [`crate::rendezvous`] and the node.)

pub mod import;
