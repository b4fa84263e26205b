//! A network cable between gate devices and their venue unit that a test can
//! cut and mend: a TCP relay on loopback. Cut, it swallows every byte in
//! both directions (the device waits, as behind a dead switch, until its
//! deadline) and holds new connections without an answer.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub struct Cable {
    pub addr: SocketAddr,
    cut: Arc<AtomicBool>,
}

impl Cable {
    /// A relay to `upstream`.
    pub fn to(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let cut = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&cut);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(device) = conn else { continue };
                let flag = Arc::clone(&flag);
                std::thread::spawn(move || relay(device, upstream, flag));
            }
        });
        Self { addr, cut }
    }

    pub fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
    }

    pub fn mend(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

fn relay(device: TcpStream, upstream: SocketAddr, cut: Arc<AtomicBool>) {
    // While cut, a new connection is held open and never answered.
    while cut.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let Ok(unit) = TcpStream::connect(upstream) else {
        return;
    };
    let (Ok(d2), Ok(u2)) = (device.try_clone(), unit.try_clone()) else {
        return;
    };
    let c2 = Arc::clone(&cut);
    std::thread::spawn(move || pump(d2, u2, c2));
    pump(unit, device, cut);
}

fn pump(mut from: TcpStream, mut to: TcpStream, cut: Arc<AtomicBool>) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if cut.load(Ordering::SeqCst) {
            // Swallowed: the wire is dead. The connection stays dead after
            // the cut is mended (its byte stream has a hole).
            loop {
                if from.read(&mut buf).map_or(true, |n| n == 0) {
                    break;
                }
            }
            break;
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Both);
}
