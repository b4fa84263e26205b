//! The virtual card side of pcscd's vpcd driver protocol (vsmartcard).
//!
//! pcscd's vpcd reader listens on a TCP port (35963 for the first reader); a
//! virtual card connects to it as a client, and the connection is the card
//! being in the reader. Every message in both directions is a frame: a 2-byte
//! big-endian length, then that many bytes. A 1-byte message from the reader
//! is a control byte: `00` power off, `01` power on, `02` reset, `04` get ATR
//! (answered with the ATR). Any other 1-byte message is answered `6700` (a
//! 1-byte APDU is too short to be one; `00`-`04` cannot be told from control
//! bytes, which the protocol leaves ambiguous). Any longer message is a
//! command APDU, answered with the response APDU. The card never sends an empty frame, and power off and
//! reset end the applet's session (the selected application).
//!
//! This is a fresh implementation of the protocol as described; no code of
//! vsmartcard is used.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};

use crate::applet::{Applet, Store};
use crate::status::StatusWord;
use crate::{Error, Result};

/// The port of pcscd's first vpcd reader.
pub const VPCD_PORT: u16 = 35963;

/// Control byte: power off.
pub const POWER_OFF: u8 = 0x00;
/// Control byte: power on.
pub const POWER_ON: u8 = 0x01;
/// Control byte: reset.
pub const RESET: u8 = 0x02;
/// Control byte: get the ATR.
pub const GET_ATR: u8 = 0x04;

/// The card's ATR: direct convention, T=0 and T=1 offered, historical bytes
/// "eticket", and the check byte TCK that T=1 requires.
pub fn atr() -> Vec<u8> {
    let historical = b"eticket";
    // TS, T0 (TD1 present, 7 historical bytes), TD1 (TD2 present, T=0),
    // TD2 (T=1).
    let mut atr = vec![0x3B, 0x80 | historical.len() as u8, 0x80, 0x01];
    atr.extend_from_slice(historical);
    let tck = atr[1..].iter().fold(0u8, |acc, b| acc ^ b);
    atr.push(tck);
    atr
}

/// The address a virtual card connects to: the local host only.
pub fn vpcd_addr(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

/// A virtual card: the applet and its power state, answering vpcd messages.
#[derive(Debug)]
pub struct VirtualCard<S: Store> {
    applet: Applet<S>,
    powered: bool,
}

impl<S: Store> VirtualCard<S> {
    /// A card around an applet.
    pub fn new(applet: Applet<S>) -> Self {
        Self {
            applet,
            powered: false,
        }
    }

    /// The applet.
    pub fn applet(&self) -> &Applet<S> {
        &self.applet
    }

    /// Whether the reader has powered the card.
    pub fn powered(&self) -> bool {
        self.powered
    }

    /// Answer one message from the reader; `None` when it needs no answer.
    /// An answer is never empty.
    pub fn handle(&mut self, message: &[u8]) -> Option<Vec<u8>> {
        match message {
            [] => None,
            [POWER_OFF] => {
                self.powered = false;
                self.applet.reset();
                None
            }
            [POWER_ON] | [RESET] => {
                self.powered = true;
                self.applet.reset();
                None
            }
            [GET_ATR] => Some(atr()),
            // Any other single byte is no control message: it can only be a
            // 1-byte APDU (pcsc-lite passes those on), which is too short to
            // be one. It gets a status word, so SCardTransmit returns instead
            // of waiting for ever. (A 1-byte APDU `00`, `01`, `02` or `04`
            // cannot be told from a control byte; the protocol leaves that
            // ambiguity, and no valid APDU is that short.)
            [_] => Some(StatusWord::WrongLength.to_bytes().to_vec()),
            apdu => {
                let response = self.applet.process(apdu);
                if response.is_empty() {
                    Some(StatusWord::NoPreciseDiagnosis.to_bytes().to_vec())
                } else {
                    Some(response)
                }
            }
        }
    }

    /// Serve one connection until the reader closes it (the card is then
    /// "removed"); the session ends, the state stays.
    pub fn serve<C: Read + Write>(&mut self, conn: &mut C) -> Result<()> {
        let result = loop {
            let message = match read_frame(conn) {
                Ok(Some(m)) => m,
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            };
            if let Some(answer) = self.handle(&message) {
                if let Err(e) = write_frame(conn, &answer) {
                    break Err(e);
                }
            }
        };
        self.powered = false;
        self.applet.reset();
        result
    }

    /// Connect to the vpcd reader on 127.0.0.1:`port` and serve until the
    /// connection ends.
    pub fn insert(&mut self, port: u16) -> Result<()> {
        let stream = TcpStream::connect(vpcd_addr(port)).map_err(|source| Error::Net {
            during: "connecting to the vpcd reader on 127.0.0.1",
            source,
        })?;
        stream.set_nodelay(true).map_err(|source| Error::Net {
            during: "setting TCP_NODELAY",
            source,
        })?;
        self.serve(&mut QuickAck(stream))
    }
}

/// A TCP stream that acknowledges every segment at once.
///
/// The reader side writes a frame's length and its body as two segments; with
/// Nagle's algorithm on its socket the body waits for the length's ACK, which
/// Linux would otherwise delay by up to 40 ms, on every APDU. Linux clears the
/// quick-ACK flag as it sees fit, so it is set again before every read.
struct QuickAck(TcpStream);

impl Read for QuickAck {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        #[cfg(target_os = "linux")]
        {
            // Best effort: without it frames still arrive, only later.
            let _ = rustix::net::sockopt::set_tcp_quickack(&self.0, true);
        }
        self.0.read(buf)
    }
}

impl Write for QuickAck {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Read one frame; `None` when the peer closed the connection between frames.
pub fn read_frame<R: Read>(r: &mut R) -> Result<Option<Vec<u8>>> {
    let mut len = [0u8; 2];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Ok(None),
        Err(source) => {
            return Err(Error::Net {
                during: "reading a vpcd frame length",
                source,
            });
        }
    }
    // At most 65535 bytes: the length field bounds the allocation.
    let mut message = vec![0u8; usize::from(u16::from_be_bytes(len))];
    r.read_exact(&mut message).map_err(|source| Error::Net {
        during: "reading a vpcd frame",
        source,
    })?;
    Ok(Some(message))
}

/// Write one frame; errors when `message` is empty or longer than 65535 bytes.
pub fn write_frame<W: Write>(w: &mut W, message: &[u8]) -> Result<()> {
    if message.is_empty() {
        return Err(Error::Invalid {
            what: "vpcd frame",
            reason: "a virtual card never sends an empty frame",
        });
    }
    let len = u16::try_from(message.len()).map_err(|_| Error::Invalid {
        what: "vpcd frame",
        reason: "longer than 65535 bytes",
    })?;
    let mut frame = Vec::with_capacity(2 + message.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(message);
    w.write_all(&frame)
        .and_then(|()| w.flush())
        .map_err(|source| Error::Net {
            during: "writing a vpcd frame",
            source,
        })
}

/// The name pcscd gives vpcd's readers ("Virtual PCD 00 00", …).
pub const VPCD_READER_PREFIX: &str = "Virtual PCD";

/// The first vpcd reader pcscd lists; an error that says how to get one
/// when PC/SC or the driver is missing.
#[cfg(feature = "pcsc")]
pub fn vpcd_reader() -> Result<String> {
    let readers = crate::host::pcsc::list_readers()?;
    readers
        .into_iter()
        .find(|r| r.starts_with(VPCD_READER_PREFIX))
        .ok_or_else(|| {
            Error::Transport(
                "pcscd has no vpcd reader (\"Virtual PCD\"); install vsmartcard-vpcd and restart pcscd (scripts/setup/10-pcscd.sh)".into(),
            )
        })
}

/// A virtual card served from a thread into pcscd's first vpcd reader:
/// inserted when made, removed when dropped. For testing hosts (gates,
/// terminals, the command line) against a real pcscd.
#[cfg(feature = "pcsc")]
#[derive(Debug)]
pub struct InsertedCard {
    socket: TcpStream,
    server: Option<std::thread::JoinHandle<()>>,
    reader: String,
    timeout: std::time::Duration,
}

#[cfg(feature = "pcsc")]
impl InsertedCard {
    /// Wait for `reader` to be empty, connect `applet` as its card and wait
    /// until pcscd sees it; each wait up to `timeout`.
    pub fn insert<S: Store + Send + 'static>(
        applet: Applet<S>,
        reader: &str,
        timeout: std::time::Duration,
    ) -> Result<Self> {
        crate::host::pcsc::wait_for_removal(reader, timeout)?;
        let net = |during| move |source| Error::Net { during, source };
        let socket = TcpStream::connect(vpcd_addr(VPCD_PORT)).map_err(net("connect to vpcd"))?;
        socket.set_nodelay(true).map_err(net("set TCP_NODELAY"))?;
        let mut served = socket.try_clone().map_err(net("clone the vpcd socket"))?;
        let server = std::thread::spawn(move || {
            let mut card = VirtualCard::new(applet);
            let _ = card.serve(&mut served);
        });
        let card = Self {
            socket,
            server: Some(server),
            reader: reader.to_owned(),
            timeout,
        };
        crate::host::pcsc::wait_for_card(reader, timeout)?;
        Ok(card)
    }

    /// The reader it is in.
    pub fn reader(&self) -> &str {
        &self.reader
    }
}

#[cfg(feature = "pcsc")]
impl Drop for InsertedCard {
    fn drop(&mut self) {
        let _ = self.socket.shutdown(std::net::Shutdown::Both);
        if let Some(server) = self.server.take() {
            let _ = server.join();
        }
        let _ = crate::host::pcsc::wait_for_removal(&self.reader, self.timeout);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::AID;
    use eticket_core::crypto::SecretKey;
    use std::io::Cursor;

    fn card() -> VirtualCard<crate::applet::MemoryStore> {
        VirtualCard::new(Applet::new(SecretKey::from_bytes(&[0x12; 32]).unwrap()).unwrap())
    }

    fn frame(m: &[u8]) -> Vec<u8> {
        let mut v = (m.len() as u16).to_be_bytes().to_vec();
        v.extend_from_slice(m);
        v
    }

    /// A scripted reader: the frames it sends, and what the card wrote back.
    struct Script {
        input: Cursor<Vec<u8>>,
        output: Vec<u8>,
    }

    impl Read for Script {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.input.read(buf)
        }
    }

    impl Write for Script {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.output.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn atr_check_byte() {
        let a = atr();
        assert_eq!(a[1..].iter().fold(0, |x, b| x ^ b), 0);
    }

    #[test]
    fn a_one_byte_apdu_is_answered() {
        let mut c = card();
        c.handle(&[POWER_ON]);
        assert_eq!(c.handle(&[0x80]), Some(vec![0x67, 0x00]));
        assert_eq!(c.handle(&[0xFF]), Some(vec![0x67, 0x00]));
        assert_eq!(c.handle(&[GET_ATR]), Some(atr()));
        assert_eq!(c.handle(&[RESET]), None);
    }

    #[test]
    fn a_session_over_frames() {
        let mut select = vec![0x00, 0xA4, 0x04, 0x00, AID.len() as u8];
        select.extend_from_slice(&AID);
        let mut input = Vec::new();
        for m in [
            &[GET_ATR][..],
            &[POWER_ON],
            &select,
            &[0x80, 0x10, 0, 0, 0],
            &[RESET],
            &[0x80, 0x10, 0, 0, 0],
            &[POWER_OFF],
        ] {
            input.extend_from_slice(&frame(m));
        }
        let mut script = Script {
            input: Cursor::new(input),
            output: Vec::new(),
        };
        let mut c = card();
        c.serve(&mut script).unwrap();
        let mut out = Cursor::new(script.output);
        assert_eq!(read_frame(&mut out).unwrap().unwrap(), atr());
        assert_eq!(read_frame(&mut out).unwrap().unwrap(), [0x90, 0x00]);
        let info = read_frame(&mut out).unwrap().unwrap();
        assert_eq!(&info[info.len() - 2..], &[0x90, 0x00]);
        // After the reset the application is no longer selected.
        assert_eq!(read_frame(&mut out).unwrap().unwrap(), [0x69, 0x85]);
        assert!(read_frame(&mut out).unwrap().is_none());
        assert!(!c.powered());
    }

    #[test]
    fn truncated_frame_is_an_error_and_empty_frames_are_not_sent() {
        let mut r = Cursor::new(vec![0, 5, 1, 2]);
        assert!(read_frame(&mut r).is_err());
        assert!(write_frame(&mut Vec::new(), &[]).is_err());
        assert_eq!(card().handle(&[]), None);
    }
}
