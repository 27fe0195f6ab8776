//! Size-bounded building blocks for wire types.
//!
//! Every variable-length field chingu puts on the wire is one of these types, so the
//! limit is part of the type and checked while decoding: [`Bytes`], [`Text`], [`List`],
//! and [`Fixed`] for exact-length keys, ids and signatures. Decoding a value over its
//! limit fails with a serde error that [`super::WireError`] reports as
//! [`super::WireError::LimitExceeded`]; nothing larger than the already size-checked
//! input is ever allocated.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Prefix of serde error messages produced by a limit check (see [`super::WireError`]).
pub(crate) const LIMIT_MARK: &str = "chingu-limit: ";

fn limit_error<E: de::Error>(what: &str, len: usize, max: usize) -> E {
    E::custom(format!("{LIMIT_MARK}{what} of {len} exceeds {max}"))
}

/// Returned when building a bounded value from data over its limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} of {len} exceeds the limit of {max}")]
pub struct TooLong {
    /// What was too long (`bytes`, `text`, `list`).
    pub what: &'static str,
    /// The offered length.
    pub len: usize,
    /// The limit.
    pub max: usize,
}

/// A byte string of at most `N` bytes (CBOR major type 2).
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bytes<const N: usize>(Vec<u8>);

impl<const N: usize> Bytes<N> {
    /// The limit of this type.
    pub const MAX: usize = N;

    /// Wraps `data` if it fits.
    pub fn new(data: impl Into<Vec<u8>>) -> Result<Self, TooLong> {
        let data = data.into();
        if data.len() > N {
            return Err(TooLong {
                what: "bytes",
                len: data.len(),
                max: N,
            });
        }
        Ok(Self(data))
    }

    /// The inner bytes.
    pub fn into_vec(self) -> Vec<u8> {
        self.0
    }
}

impl<const N: usize> Deref for Bytes<N> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl<const N: usize> AsRef<[u8]> for Bytes<N> {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl<const N: usize> fmt::Debug for Bytes<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(&self.0))
    }
}

impl<const N: usize> TryFrom<Vec<u8>> for Bytes<N> {
    type Error = TooLong;
    fn try_from(value: Vec<u8>) -> Result<Self, TooLong> {
        Self::new(value)
    }
}

impl<const N: usize> TryFrom<&[u8]> for Bytes<N> {
    type Error = TooLong;
    fn try_from(value: &[u8]) -> Result<Self, TooLong> {
        Self::new(value.to_vec())
    }
}

impl<const N: usize> Serialize for Bytes<N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

struct BytesVisitor<const N: usize>;

impl<'de, const N: usize> Visitor<'de> for BytesVisitor<N> {
    type Value = Bytes<N>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a byte string of at most {N} bytes")
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        if v.len() > N {
            return Err(limit_error("bytes", v.len(), N));
        }
        Ok(Bytes(v.to_vec()))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
        if v.len() > N {
            return Err(limit_error("bytes", v.len(), N));
        }
        Ok(Bytes(v))
    }
}

impl<'de, const N: usize> Deserialize<'de> for Bytes<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_byte_buf(BytesVisitor::<N>)
    }
}

/// Exactly `N` bytes (keys, signatures, ids), encoded as a CBOR byte string.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fixed<const N: usize>(pub [u8; N]);

impl<const N: usize> Fixed<N> {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8; N] {
        &self.0
    }
}

impl<const N: usize> Default for Fixed<N> {
    fn default() -> Self {
        Self([0; N])
    }
}

impl<const N: usize> From<[u8; N]> for Fixed<N> {
    fn from(value: [u8; N]) -> Self {
        Self(value)
    }
}

impl<const N: usize> TryFrom<&[u8]> for Fixed<N> {
    type Error = TooLong;
    fn try_from(value: &[u8]) -> Result<Self, TooLong> {
        <[u8; N]>::try_from(value).map(Self).map_err(|_| TooLong {
            what: "fixed bytes",
            len: value.len(),
            max: N,
        })
    }
}

impl<const N: usize> Deref for Fixed<N> {
    type Target = [u8; N];
    fn deref(&self) -> &[u8; N] {
        &self.0
    }
}

impl<const N: usize> AsRef<[u8]> for Fixed<N> {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl<const N: usize> fmt::Debug for Fixed<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl<const N: usize> Serialize for Fixed<N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

struct FixedVisitor<const N: usize>;

impl<'de, const N: usize> Visitor<'de> for FixedVisitor<N> {
    type Value = Fixed<N>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a byte string of exactly {N} bytes")
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        <[u8; N]>::try_from(v)
            .map(Fixed)
            .map_err(|_| E::invalid_length(v.len(), &self))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
        self.visit_bytes(&v)
    }
}

impl<'de, const N: usize> Deserialize<'de> for Fixed<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_byte_buf(FixedVisitor::<N>)
    }
}

/// UTF-8 text of at most `N` bytes (CBOR major type 3).
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text<const N: usize>(String);

impl<const N: usize> Text<N> {
    /// The limit of this type, in bytes.
    pub const MAX: usize = N;

    /// Wraps `text` if it fits.
    pub fn new(text: impl Into<String>) -> Result<Self, TooLong> {
        let text = text.into();
        if text.len() > N {
            return Err(TooLong {
                what: "text",
                len: text.len(),
                max: N,
            });
        }
        Ok(Self(text))
    }

    /// The inner string.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const N: usize> Deref for Text<N> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<const N: usize> fmt::Debug for Text<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<const N: usize> fmt::Display for Text<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<const N: usize> TryFrom<String> for Text<N> {
    type Error = TooLong;
    fn try_from(value: String) -> Result<Self, TooLong> {
        Self::new(value)
    }
}

impl<const N: usize> TryFrom<&str> for Text<N> {
    type Error = TooLong;
    fn try_from(value: &str) -> Result<Self, TooLong> {
        Self::new(value)
    }
}

impl<const N: usize> Serialize for Text<N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

struct TextVisitor<const N: usize>;

impl<'de, const N: usize> Visitor<'de> for TextVisitor<N> {
    type Value = Text<N>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a text string of at most {N} bytes")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.len() > N {
            return Err(limit_error("text", v.len(), N));
        }
        Ok(Text(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        if v.len() > N {
            return Err(limit_error("text", v.len(), N));
        }
        Ok(Text(v))
    }
}

impl<'de, const N: usize> Deserialize<'de> for Text<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_string(TextVisitor::<N>)
    }
}

/// A list of at most `N` items (CBOR major type 4).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct List<T, const N: usize>(Vec<T>);

impl<T, const N: usize> List<T, N> {
    /// The limit of this type, in items.
    pub const MAX: usize = N;

    /// Wraps `items` if there are at most `N`.
    pub fn new(items: Vec<T>) -> Result<Self, TooLong> {
        if items.len() > N {
            return Err(TooLong {
                what: "list",
                len: items.len(),
                max: N,
            });
        }
        Ok(Self(items))
    }

    /// Keeps the first `N` items and drops the rest.
    pub fn truncating(mut items: Vec<T>) -> Self {
        items.truncate(N);
        Self(items)
    }

    /// The inner vector.
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<T, const N: usize> Default for List<T, N> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T, const N: usize> Deref for List<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: fmt::Debug, const N: usize> fmt::Debug for List<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

impl<T, const N: usize> TryFrom<Vec<T>> for List<T, N> {
    type Error = TooLong;
    fn try_from(value: Vec<T>) -> Result<Self, TooLong> {
        Self::new(value)
    }
}

impl<T: Serialize, const N: usize> Serialize for List<T, N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

struct ListVisitor<T, const N: usize>(PhantomData<T>);

impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for ListVisitor<T, N> {
    type Value = List<T, N>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list of at most {N} items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        if let Some(hint) = seq.size_hint() {
            if hint > N {
                return Err(limit_error("list", hint, N));
            }
        }
        // Never trust the length prefix for the allocation: grow as items arrive.
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            if items.len() == N {
                return Err(limit_error("list", N + 1, N));
            }
            items.push(item);
        }
        Ok(List(items))
    }
}

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for List<T, N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(ListVisitor::<T, N>(PhantomData))
    }
}
