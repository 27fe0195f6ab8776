//! Contacts in the store, read through a cache of decoded ones: the message path asks
//! for the same contact several times per message, and a sled read with a CBOR decode
//! costs ≈ 50,000 instructions (BENCHMARKS.md, "Per-message cost").

use std::collections::HashMap;

use super::{get, put, Store, StoreError};
use crate::model::Contact;
use crate::phone::PhoneNumber;

/// Most contacts [`ContactCache`] keeps decoded.
const CONTACT_CACHE_ENTRIES: usize = 1024;

/// Contacts by number as last read or written (`None`: no such contact), shared by a
/// store's clones. Every read that fills it and every write of the contacts tree holds its lock across
/// the tree access, so it never keeps a value older than the tree's. At most
/// [`CONTACT_CACHE_ENTRIES`]; when full, an arbitrary entry makes room.
#[derive(Default)]
pub(super) struct ContactCache(pub(super) HashMap<PhoneNumber, Option<Contact>>);

impl ContactCache {
    fn remember(&mut self, phone: &PhoneNumber, contact: Option<Contact>) {
        if self.0.len() >= CONTACT_CACHE_ENTRIES && !self.0.contains_key(phone) {
            if let Some(any) = self.0.keys().next().cloned() {
                self.0.remove(&any);
            }
        }
        self.0.insert(phone.clone(), contact);
    }
}

impl Store {
    /// One contact by number.
    pub fn contact(&self, phone: &PhoneNumber) -> Result<Option<Contact>, StoreError> {
        let mut cache = self.contact_cache();
        if let Some(known) = cache.0.get(phone) {
            return Ok(known.clone());
        }
        let contact: Option<Contact> = get(&self.contacts, phone.as_str().as_bytes(), "contact")?;
        cache.remember(phone, contact.clone());
        Ok(contact)
    }

    /// Inserts or replaces a contact.
    pub fn put_contact(&self, contact: &Contact) -> Result<(), StoreError> {
        let mut cache = self.contact_cache();
        put(&self.contacts, contact.phone.as_str().as_bytes(), contact)?;
        cache.remember(&contact.phone, Some(contact.clone()));
        Ok(())
    }

    /// Removes a contact; returns whether it existed.
    pub fn remove_contact(&self, phone: &PhoneNumber) -> Result<bool, StoreError> {
        let mut cache = self.contact_cache();
        cache.0.remove(phone);
        Ok(self.contacts.remove(phone.as_str().as_bytes())?.is_some())
    }

    /// The contact cache, locked; held across every access to the contacts tree that
    /// could disagree with it. Writes that bypass [`Store::put_contact`] clear it.
    pub(super) fn contact_cache(&self) -> std::sync::MutexGuard<'_, ContactCache> {
        self.contact_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes `value` under `key` in the contacts tree as it is (a copy from another
    /// device or a backup), forgetting what the contact cache holds.
    pub(super) fn put_contact_entry(&self, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
        let mut cache = self.contact_cache();
        cache.0.clear();
        self.contacts.insert(key, value)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::yuki;
    use crate::store::StoreOptions;

    #[test]
    fn the_contact_cache_follows_every_write_through_any_clone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let other = store.clone();
        let mut contact = yuki();
        assert_eq!(store.contact(&contact.phone).unwrap(), None, "cached as absent");
        other.put_contact(&contact).unwrap();
        assert_eq!(store.contact(&contact.phone).unwrap().unwrap().name, "Yuki");
        contact.name = "유키".into();
        store.put_contact(&contact).unwrap();
        assert_eq!(other.contact(&contact.phone).unwrap().unwrap().name, "유키");
        // A copy from another device or a backup is written as it is.
        contact.name = "ゆき".into();
        let value = crate::wire::to_cbor(&contact);
        other
            .put_contact_entry(contact.phone.as_str().as_bytes(), &value)
            .unwrap();
        assert_eq!(store.contact(&contact.phone).unwrap().unwrap().name, "ゆき");
        let kept = std::collections::HashSet::new();
        assert_eq!(other.forget_contacts_except(&kept).unwrap().len(), 1);
        assert_eq!(store.contact(&contact.phone).unwrap(), None, "forgotten");
        store.put_contact(&contact).unwrap();
        assert!(other.remove_contact(&contact.phone).unwrap());
        assert_eq!(store.contact(&contact.phone).unwrap(), None, "removed");
        // Bounded: many numbers asked for leave at most the cap behind.
        for n in 0..CONTACT_CACHE_ENTRIES as u32 + 10 {
            store.contact(&crate::phone::synthetic(n)).unwrap();
        }
        assert_eq!(store.contact_cache().0.len(), CONTACT_CACHE_ENTRIES);
    }
}
