//! Full-text search over local history: a signature per message (a small Bloom filter
//! over its grams, `signature.rs`) kept in the `history` tree and written in the same
//! ordered [`Batch`](super::Batch) as the message it describes.
//!
//! Text is normalised (Unicode NFKC, then lower case: full-width Latin and half-width
//! katakana fold to their usual forms) and split into *runs* of letters and digits —
//! Hangul, kana and kanji included, so Korean and Japanese need no word segmentation.
//! Each run contributes its characters and its character bigrams as *grams*. A signature
//! is stored under
//!
//! ```text
//! 's' | hlc (u64be) | msg_id (16)  ->  Bloom filter of the text's grams
//! ```
//!
//! so the signatures are one contiguous range in the order messages were stored. A query
//! matches a message whose normalised text contains every run of the query as a
//! substring: such a message holds every gram of the query. Search reads the signatures
//! newest first, and checks the text of those whose filter has every query gram.

use std::collections::BTreeSet;

use unicode_normalization::UnicodeNormalization;

use super::signature::{self, Probe};
use super::{keys, message_codec, Store, StoreError};
use crate::model::{Body, ConvId, MsgId, StoredMessage};

/// The normalised form searched: NFKC, lower case.
pub fn normalize(text: &str) -> String {
    text.nfkc().flat_map(char::to_lowercase).collect()
}

/// The runs of letters and digits of a normalised text.
fn runs(normalized: &str) -> Vec<Vec<char>> {
    normalized
        .split(|c: char| !c.is_alphanumeric())
        .filter(|run| !run.is_empty())
        .map(|run| run.chars().collect())
        .collect()
}

/// The grams of `text`: every character and every bigram of each run.
pub fn grams(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for run in runs(&normalize(text)) {
        out.extend(run.iter().map(char::to_string));
        out.extend(run.windows(2).map(|pair| pair.iter().collect::<String>()));
    }
    out
}

/// The text a message is searched by: its text, a card's title and body (none for
/// actions, deleted messages and kinds this version cannot show).
pub(super) fn searchable(body: &Body) -> Option<std::borrow::Cow<'_, str>> {
    match body {
        Body::Card { title, text, .. } => Some(format!("{title}\n{text}").into()),
        other => other.text().map(Into::into),
    }
}

/// The search signature of a message, if its text has anything to find.
pub(super) fn message_signature(message: &StoredMessage) -> Option<Vec<u8>> {
    let text = searchable(&message.body)?;
    Some(signature::signature(&grams(&text))).filter(|s| !s.is_empty())
}

/// `meta` name set on a database whose search signatures are still to be written (a
/// restored backup, or a database migrated from an older schema), until they are.
pub const UNINDEXED: &str = "unindexed";

/// One page of search results, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchResults {
    /// The matching messages, newest first.
    pub messages: Vec<StoredMessage>,
    /// Whether older matches exist (ask again with the last one as `before`).
    pub more: bool,
}

impl Store {
    /// Messages whose text contains every word of `query` (as substrings, after
    /// normalisation), newest first: at most `limit`, strictly older than the message
    /// `before` when given, only in `conv` when given.
    pub fn search(
        &self,
        query: &str,
        conv: Option<&ConvId>,
        limit: usize,
        before: Option<&MsgId>,
    ) -> Result<SearchResults, StoreError> {
        let needles: Vec<String> = runs(&normalize(query)).iter().map(|w| w.iter().collect()).collect();
        let mut results = SearchResults {
            messages: Vec::new(),
            more: false,
        };
        if needles.is_empty() || limit == 0 {
            return Ok(results);
        }
        let end = match before {
            Some(id) => match self.message_location(id)? {
                Some((_, hlc)) => keys::signature(hlc, id).to_vec(),
                None => return Ok(results),
            },
            None => vec![keys::SEARCH + 1],
        };
        let probes: Vec<Probe> = grams(query).iter().map(|g| Probe::of(g)).collect();
        for item in self.history.range([keys::SEARCH].as_slice()..end.as_slice()).rev() {
            let (key, filter) = item?;
            let Some((hlc, id)) = keys::parse_signature(&key) else {
                continue;
            };
            if !signature::may_contain(&filter, &probes) {
                continue;
            }
            if let Some(message) = self.candidate(hlc, &id, conv, &needles)? {
                if results.messages.len() == limit {
                    results.more = true;
                    break;
                }
                results.messages.push(message);
            }
        }
        Ok(results)
    }

    /// The message `(hlc, id)` if it is in `conv` (when given) and its text contains
    /// every needle.
    fn candidate(
        &self,
        hlc: u64,
        id: &MsgId,
        conv: Option<&ConvId>,
        needles: &[String],
    ) -> Result<Option<StoredMessage>, StoreError> {
        let Some((in_conv, stored_hlc)) = self.message_location(id)? else {
            return Ok(None);
        };
        if stored_hlc != hlc || conv.is_some_and(|c| *c != in_conv) {
            return Ok(None);
        }
        let key = keys::message(&in_conv, hlc, id);
        let Some(value) = self.history.get(key)? else {
            return Ok(None);
        };
        let message = self.read_message(&key, &value)?;
        let matches = searchable(&message.body).is_some_and(|text| {
            let text = normalize(&text);
            needles.iter().all(|n| text.contains(n.as_str()))
        });
        Ok(matches.then_some(message))
    }

    /// Writes the search signatures of a database marked [`UNINDEXED`], then clears the
    /// mark. Blocking and long (every message's text): run on a thread of its own; `stop`
    /// ends it early (the mark stays: the next start resumes it). Returns the messages
    /// looked at, `None` if nothing was to be done or it was stopped.
    pub fn index_if_unindexed(&self, stop: &std::sync::atomic::AtomicBool) -> Result<Option<usize>, StoreError> {
        if self.meta_value::<u64>(UNINDEXED)?.is_none() {
            return Ok(None);
        }
        let indexed = self.index_messages_unless(stop)?;
        if indexed.is_some() {
            self.remove_meta_value(UNINDEXED)?;
        }
        Ok(indexed)
    }

    /// Writes the signature of every stored message that has none, stopping early
    /// (`None`) once `stop` is set. A signature written meanwhile by a newer write is
    /// kept (compare-and-swap from absent). Returns how many messages were looked at.
    fn index_messages_unless(&self, stop: &std::sync::atomic::AtomicBool) -> Result<Option<usize>, StoreError> {
        let mut indexed = 0;
        for item in self.history.scan_prefix([keys::MESSAGE]) {
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                return Ok(None);
            }
            let (key, value) = item?;
            let message = message_codec::decode(&key, &value)?;
            if let Some(filter) = message_signature(&message) {
                // Err: a signature is there already (written since), which is newer.
                let _ = self.history.compare_and_swap(
                    keys::signature(message.hlc, &message.id),
                    None::<&[u8]>,
                    Some(filter),
                )?;
            }
            indexed += 1;
        }
        Ok(Some(indexed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Direction, MessageState};
    use crate::store::StoreOptions;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        (dir, store)
    }

    fn put(store: &Store, conv: ConvId, hlc: u64, text: &str) -> MsgId {
        let message = StoredMessage {
            id: MsgId::generate(),
            conv,
            hlc,
            direction: Direction::Incoming,
            sender: "+821012345678".parse().unwrap(),
            body: Body::Text { text: text.into() },
            state: MessageState::Received,
            sent_ms: 0,
            stored_ms: 0,
            annotations: Default::default(),
        };
        let mut batch = store.batch();
        batch.put_message(&message);
        store.apply(batch).unwrap();
        message.id
    }

    fn texts(results: &SearchResults) -> Vec<String> {
        results.messages.iter().map(|m| m.body.preview()).collect()
    }

    #[test]
    fn grams_cover_every_character() {
        let g = grams("안녕하세요, Ｃｈｉｎｇｕ!");
        for gram in [
            "안", "안녕", "녕하", "하세", "세요", "요", "c", "ch", "hi", "in", "ng", "gu", "u",
        ] {
            assert!(g.contains(gram), "{gram} in {g:?}");
        }
        assert_eq!(grams("a").into_iter().collect::<Vec<_>>(), ["a"]);
        assert!(grams("  ！？ 🌸 ").is_empty());
        assert_eq!(normalize("ﾃｽﾄ ＡＢＣ"), "テスト abc");
    }

    #[test]
    fn korean_japanese_and_latin_substrings_are_found_newest_first() {
        let (_dir, store) = store();
        let a = ConvId([1; 16]);
        let b = ConvId([2; 16]);
        put(&store, a, 10, "오늘 저녁에 치킨 먹을래?");
        put(&store, b, 20, "明日の会議は10時からです");
        put(&store, a, 30, "치킨은 어제 먹었어");
        put(&store, b, 40, "Let's grab chicken tonight");
        put(&store, a, 50, "ｃｈｉｃｋｅｎ？ sure");
        assert_eq!(
            texts(&store.search("치킨", None, 10, None).unwrap()),
            ["치킨은 어제 먹었어", "오늘 저녁에 치킨 먹을래?"]
        );
        assert_eq!(
            texts(&store.search("会議", None, 10, None).unwrap()),
            ["明日の会議は10時からです"]
        );
        assert_eq!(
            texts(&store.search("CHICKEN", None, 10, None).unwrap()),
            ["ｃｈｉｃｋｅｎ？ sure", "Let's grab chicken tonight"]
        );
        assert_eq!(
            texts(&store.search("chicken tonight", None, 10, None).unwrap()),
            ["Let's grab chicken tonight"],
            "every word must be present"
        );
        assert_eq!(texts(&store.search("chicken", Some(&a), 10, None).unwrap()).len(), 1);
        assert!(store.search("치킨집", None, 10, None).unwrap().messages.is_empty());
        assert!(store.search("  ", None, 10, None).unwrap().messages.is_empty());
    }

    #[test]
    fn one_character_queries_and_paging() {
        let (_dir, store) = store();
        let conv = ConvId([3; 16]);
        let ids: Vec<MsgId> = (0..5)
            .map(|i| put(&store, conv, 100 + i, &format!("밥 {i}번")))
            .collect();
        put(&store, conv, 200, "국수");
        let page = store.search("밥", None, 2, None).unwrap();
        assert_eq!(texts(&page), ["밥 4번", "밥 3번"]);
        assert!(page.more);
        let page = store.search("밥", None, 2, Some(&ids[3])).unwrap();
        assert_eq!(texts(&page), ["밥 2번", "밥 1번"]);
        let page = store.search("밥", None, 2, Some(&ids[1])).unwrap();
        assert_eq!(texts(&page), ["밥 0번"]);
        assert!(!page.more);
        assert_eq!(
            texts(&store.search("번", None, 10, None).unwrap()).len(),
            5,
            "a run's last character"
        );
        let page = store.search("번", None, 5, None).unwrap();
        assert!(!page.more, "exactly the limit");
    }

    #[test]
    fn forgotten_conversations_leave_no_signatures_and_unindexed_histories_are_indexed() {
        let (_dir, store) = store();
        let conv = ConvId([4; 16]);
        put(&store, conv, 1, "잊어버릴 메시지");
        store.forget_conversation(&conv).unwrap();
        assert_eq!(store.history.scan_prefix([keys::SEARCH]).count(), 0);
        // A message written without a signature (restored, migrated) is found once the
        // database marked unindexed has been indexed.
        let message = StoredMessage {
            id: MsgId::generate(),
            conv,
            hlc: 2,
            direction: Direction::Outgoing,
            sender: "+821012345678".parse().unwrap(),
            body: Body::Text {
                text: "옛날 메시지".into(),
            },
            state: MessageState::Delivered,
            sent_ms: 0,
            stored_ms: 0,
            annotations: Default::default(),
        };
        let mut batch = store.batch();
        batch.put_body(&message);
        batch.put_message_state(&message);
        store.apply(batch).unwrap();
        assert!(store.search("옛날", None, 1, None).unwrap().messages.is_empty());
        let never = std::sync::atomic::AtomicBool::new(false);
        assert_eq!(store.index_if_unindexed(&never).unwrap(), None, "not marked");
        store.set_meta_value(UNINDEXED, &1u64).unwrap();
        assert_eq!(store.index_if_unindexed(&never).unwrap(), Some(1));
        assert_eq!(store.search("옛날", None, 1, None).unwrap().messages.len(), 1);
        assert_eq!(store.index_if_unindexed(&never).unwrap(), None, "the mark is gone");
    }
}
