//! Slot error messages: at most [`MSG_CAP`] bytes, cut at a UTF-8 boundary.
//!
//! Rule (docs/TRANSPORT.md, "Messages"): a longer message is cut at 192
//! bytes, backing off while the byte at the cut is a UTF-8 continuation byte
//! (`0b10xxxxxx`), so a valid UTF-8 message stays valid. The rule works on
//! bytes, not `str`, because `fail`/`panic` messages are the task's input
//! bytes and need not be UTF-8 at all.
//!
//! [`Msg`] is a fixed inline buffer so that building a message never
//! allocates on the worker's hot path.

/// Capacity of the slot's `msg` field (slot bytes 64..256).
pub const MSG_CAP: usize = 192;

/// The length `bytes` keeps under the truncation rule.
pub fn truncated_len(bytes: &[u8]) -> usize {
    if bytes.len() <= MSG_CAP {
        return bytes.len();
    }
    let mut cut = MSG_CAP;
    // `cut` indexes the first byte dropped; while it continues a character
    // that started before the cut, that character is dropped whole.
    while cut > 0 && bytes[cut] & 0b1100_0000 == 0b1000_0000 {
        cut -= 1;
    }
    cut
}

/// A message already truncated to fit the slot.
#[derive(Clone, Copy)]
pub struct Msg {
    len: u8,
    bytes: [u8; MSG_CAP],
}

impl Msg {
    /// The empty message.
    pub const EMPTY: Msg = Msg {
        len: 0,
        bytes: [0; MSG_CAP],
    };

    /// Copies `bytes`, cut by the truncation rule.
    pub fn from_bytes(bytes: &[u8]) -> Msg {
        let n = truncated_len(bytes);
        let mut msg = Msg::EMPTY;
        msg.bytes[..n].copy_from_slice(&bytes[..n]);
        // MSG_CAP (192) fits in a u8.
        msg.len = n as u8;
        msg
    }

    /// The kept bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Msg({:?})", String::from_utf8_lossy(self.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_messages_are_kept_whole() {
        assert_eq!(Msg::from_bytes(b"boom").as_bytes(), b"boom");
        assert_eq!(Msg::from_bytes(&[b'x'; MSG_CAP]).as_bytes().len(), MSG_CAP);
    }

    #[test]
    fn cut_backs_off_to_a_character_boundary() {
        // "a" + 100 x "é" (2 bytes): byte 192 is the 2nd byte of an "é".
        let s = format!("a{}", "é".repeat(100));
        let m = Msg::from_bytes(s.as_bytes());
        assert_eq!(m.as_bytes(), format!("a{}", "é".repeat(95)).as_bytes());
        // 70 x "✓" (3 bytes): 192 = 64 x 3 is already a boundary.
        let s = "✓".repeat(70);
        assert_eq!(
            Msg::from_bytes(s.as_bytes()).as_bytes(),
            "✓".repeat(64).as_bytes()
        );
    }

    #[test]
    fn continuation_bytes_only_cut_to_empty() {
        assert_eq!(truncated_len(&[0x80; 300]), 0);
    }
}
