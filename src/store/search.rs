//! Full-text search over local history: an n-gram index kept in the `history` tree and
//! written in the same ordered [`Batch`](super::Batch) as the message it indexes.
//!
//! Text is normalised (Unicode NFKC, then lower case: full-width Latin and half-width
//! katakana fold to their usual forms) and split into *runs* of letters and digits —
//! Hangul, kana and kanji included, so Korean and Japanese need no word segmentation.
//! Each run contributes its character bigrams and its last character on its own; every
//! character of a text therefore starts at least one gram. A posting is an empty value
//! under
//!
//! ```text
//! 's' | gram (UTF-8) | 0x00 | hlc (u64be) | msg_id (16)
//! ```
//!
//! so one gram's postings are a contiguous range, newest last. A query matches a message
//! whose normalised text contains every run of the query as a substring. It reads the
//! rarest bigram's postings newest first, skips candidates missing another bigram (point
//! lookups), and checks the survivors' text; a one-character query scans the grams
//! starting with that character.

use std::collections::BTreeSet;

use unicode_normalization::UnicodeNormalization;

use super::{keys, message_codec, Store, StoreError};
use crate::model::{Body, ConvId, MsgId, StoredMessage};

/// Postings counted per bigram to pick the rarest (beyond, "at least this many").
const COUNT_CAP: usize = 4_096;
/// Most postings a one-character query collects.
const SINGLE_CHAR_CAP: usize = 200_000;

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

/// The grams of `text`: every bigram of each run, and each run's last character.
pub fn grams(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for run in runs(&normalize(text)) {
        for pair in run.windows(2) {
            out.insert(pair.iter().collect());
        }
        if let Some(last) = run.last() {
            out.insert(last.to_string());
        }
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

/// `'s' | gram | 0x00`: the prefix of one gram's postings.
fn gram_prefix(gram: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(gram.len() + 26);
    key.push(keys::SEARCH);
    key.extend_from_slice(gram.as_bytes());
    key.push(0);
    key
}

/// The posting of `gram` for the message `(hlc, id)`.
pub(super) fn posting(gram: &str, hlc: u64, id: &MsgId) -> Vec<u8> {
    let mut key = gram_prefix(gram);
    key.extend_from_slice(&hlc.to_be_bytes());
    key.extend_from_slice(&id.0);
    key
}

/// `(hlc, id)` from the end of a posting key.
fn parse_posting(key: &[u8]) -> Option<(u64, MsgId)> {
    let tail = key.len().checked_sub(24)?;
    let hlc = u64::from_be_bytes(key[tail..tail + 8].try_into().ok()?);
    let id: [u8; 16] = key[tail + 8..].try_into().ok()?;
    Some((hlc, MsgId(id)))
}

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
        let words = runs(&normalize(query));
        let mut results = SearchResults {
            messages: Vec::new(),
            more: false,
        };
        if words.is_empty() || limit == 0 {
            return Ok(results);
        }
        let bound = match before {
            Some(id) => match self.message_location(id)? {
                Some((_, hlc)) => Some((hlc, *id)),
                None => return Ok(results),
            },
            None => None,
        };
        let needles: Vec<String> = words.iter().map(|w| w.iter().collect()).collect();
        let bigrams: BTreeSet<String> = words
            .iter()
            .flat_map(|w| w.windows(2).map(|p| p.iter().collect::<String>()))
            .collect();
        let accept = |hlc: u64, id: MsgId, results: &mut SearchResults| -> Result<bool, StoreError> {
            if let Some(message) = self.candidate(hlc, &id, conv, &needles)? {
                if results.messages.len() == limit {
                    results.more = true;
                    return Ok(false);
                }
                results.messages.push(message);
            }
            Ok(true)
        };
        if bigrams.is_empty() {
            // One-character words only: every gram starting with that character.
            let mut prefix = vec![keys::SEARCH];
            prefix.extend_from_slice(needles[0].as_bytes());
            let mut hits: Vec<(u64, MsgId)> = Vec::new();
            for item in self.history.scan_prefix(&prefix).keys().take(SINGLE_CHAR_CAP) {
                let key = item?;
                // `'s' | c | 0x00 | …` or `'s' | c | d | 0x00 | …` (d: one character).
                if let Some(hit) = parse_posting(&key).filter(|hit| bound.is_none_or(|b| *hit < b)) {
                    hits.push(hit);
                }
            }
            hits.sort_unstable_by(|a, b| b.cmp(a));
            hits.dedup();
            for (hlc, id) in hits {
                if !accept(hlc, id, &mut results)? {
                    break;
                }
            }
            return Ok(results);
        }
        let rarest = bigrams
            .iter()
            .min_by_key(|g| self.history.scan_prefix(gram_prefix(g)).keys().take(COUNT_CAP).count())
            .expect("at least one bigram")
            .clone();
        let start = gram_prefix(&rarest);
        let end = match bound {
            Some((hlc, id)) => posting(&rarest, hlc, &id),
            None => {
                let mut end = start.clone();
                end.extend_from_slice(&[0xff; 24]);
                end
            }
        };
        for item in self.history.range(start..end).keys().rev() {
            let Some((hlc, id)) = parse_posting(&item?) else {
                continue;
            };
            let mut all = true;
            for gram in bigrams.iter().filter(|g| **g != rarest) {
                if !self.history.contains_key(posting(gram, hlc, &id))? {
                    all = false;
                    break;
                }
            }
            if all && !accept(hlc, id, &mut results)? {
                break;
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

    /// Indexes every stored message (the migration that introduced search). Returns how
    /// many messages were indexed.
    pub(super) fn index_all_messages(&self) -> Result<usize, StoreError> {
        let never = std::sync::atomic::AtomicBool::new(false);
        Ok(self.index_messages_unless(&never)?.unwrap_or_default())
    }

    /// Indexes every message for search, stopping early (`None`) once `stop` is set.
    pub(super) fn index_messages_unless(
        &self,
        stop: &std::sync::atomic::AtomicBool,
    ) -> Result<Option<usize>, StoreError> {
        let mut indexed = 0;
        for item in self.history.scan_prefix([keys::MESSAGE]) {
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                return Ok(None);
            }
            let (key, value) = item?;
            let message = message_codec::decode(&key, &value)?;
            if let Some(text) = searchable(&message.body) {
                for gram in grams(&text) {
                    self.history.insert(posting(&gram, message.hlc, &message.id), &[])?;
                }
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
        for gram in ["안녕", "녕하", "하세", "세요", "요", "ch", "hi", "in", "ng", "gu", "u"] {
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
    fn forgotten_conversations_leave_no_postings_and_old_histories_are_indexed() {
        let (_dir, store) = store();
        let conv = ConvId([4; 16]);
        put(&store, conv, 1, "잊어버릴 메시지");
        store.forget_conversation(&conv).unwrap();
        assert_eq!(store.history.scan_prefix([keys::SEARCH]).count(), 0);
        // A message written without postings (an older schema) is found after indexing.
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
        assert_eq!(store.index_all_messages().unwrap(), 1);
        assert_eq!(store.search("옛날", None, 1, None).unwrap().messages.len(), 1);
    }
}
