//! Properties of the applet: any byte string gets a status word, never a
//! panic; random APDU sequences mixed with valid, replayed and foreign grants
//! change the tickets only through valid grants, and the counter never goes back.

mod common;

use common::*;
use eticket_chip::apdu::Command;
use eticket_chip::applet::Applet;
use eticket_chip::protocol::encode_write;
use eticket_core::crypto::SecretKey;
use eticket_core::ids::ChipId;
use proptest::prelude::*;

fn personalized_applet() -> Applet {
    let mut a = Applet::new(SecretKey::from_bytes(&[0x77; 32]).unwrap()).unwrap();
    a.process(&select());
    let p = Command::new(0x80, 0x30, 0, 0).with_data(personalization().to_bytes().unwrap());
    assert_eq!(a.process(&p.to_bytes().unwrap()), [0x90, 0x00]);
    a
}

#[derive(Debug, Clone)]
enum Op {
    /// Any bytes at all.
    Garbage(Vec<u8>),
    /// A well-formed APDU of our classes with random content.
    Apdu {
        cla: u8,
        ins: u8,
        p1: u8,
        p2: u8,
        data: Vec<u8>,
    },
    /// A valid write grant for the current counter.
    Write(u8),
    /// A valid delete grant for what is stored.
    Delete(u8),
    /// The last accepted mutation again.
    Replay,
    /// A grant for another chip.
    Foreign(u8),
    /// Power cycle.
    Reset,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..80).prop_map(Op::Garbage),
        (
            prop::sample::select(vec![0x00u8, 0x80, 0x90]),
            prop::sample::select(vec![
                0xA4u8, 0x88, 0xC0, 0x10, 0x12, 0x14, 0x16, 0x20, 0x32, 0x50, 0x52, 0x30, 0x40,
                0x42
            ]),
            0u8..10,
            0u8..2,
            prop::collection::vec(any::<u8>(), 0..300),
        )
            .prop_map(|(cla, ins, p1, p2, data)| Op::Apdu {
                cla,
                ins,
                p1,
                p2,
                data
            }),
        (0u8..8).prop_map(Op::Write),
        (0u8..8).prop_map(Op::Delete),
        Just(Op::Replay),
        (0u8..8).prop_map(Op::Foreign),
        Just(Op::Reset),
    ]
}

fn send(a: &mut Applet, cmd: Command) -> Vec<u8> {
    let bytes = cmd.to_bytes().unwrap();
    // Long data goes as a command chain, as the host sends it.
    if bytes.len() > 261 {
        let mut link = cmd.clone();
        link.cla |= 0x10;
        link.data = cmd.data[..255].to_vec();
        link.ne = None;
        a.process(&link.to_bytes().unwrap());
        let mut last = cmd;
        last.data = last.data[255..].to_vec();
        return a.process(&last.to_bytes().unwrap());
    }
    a.process(&bytes)
}

fn snapshot(a: &Applet) -> (u32, Vec<Option<Vec<u8>>>) {
    let s = a.state();
    (
        s.counter(),
        (0..s.capacity())
            .map(|i| s.slot(i).map(<[u8]>::to_vec))
            .collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_bytes_get_a_status_word(bytes in prop::collection::vec(any::<u8>(), 0..600), selected in any::<bool>()) {
        let mut a = if selected { personalized_applet() } else { Applet::new(SecretKey::from_bytes(&[3; 32]).unwrap()).unwrap() };
        let before = snapshot(&a);
        let r = a.process(&bytes);
        prop_assert!(r.len() >= 2);
        prop_assert_eq!(snapshot(&a), before);
    }

    #[test]
    fn tickets_change_only_through_valid_grants(ops in prop::collection::vec(op(), 1..14)) {
        let mut a = personalized_applet();
        let id = a.state().chip();
        let (mut counter, mut slots) = snapshot(&a);
        let mut last_mutation: Option<Command> = None;
        let mut serial = 0u32;
        for op in ops {
            let before = snapshot(&a);
            let mut expect = before.clone();
            match op {
                Op::Garbage(bytes) => {
                    prop_assert!(a.process(&bytes).len() >= 2);
                }
                Op::Apdu { cla, ins, p1, p2, data } => {
                    send(&mut a, Command::new(cla, ins, p1, p2).with_data(data));
                }
                Op::Write(slot) => {
                    serial += 1;
                    let t = ticket(id, serial);
                    let g = write_grant(id, counter, slot, t.as_bytes());
                    let cmd = Command::new(0x80, 0x50, 0, 0)
                        .with_data(encode_write(&g, t.as_bytes()).unwrap())
                        .with_le(256);
                    a.process(&select());
                    let r = send(&mut a, cmd.clone());
                    let free = slots[usize::from(slot)].is_none();
                    let full = slots.iter().all(Option::is_some);
                    if free && !full {
                        prop_assert_eq!(&r[r.len() - 2..], &[0x90, 0x00]);
                        expect.0 += 1;
                        expect.1[usize::from(slot)] = Some(t.as_bytes().to_vec());
                        last_mutation = Some(cmd);
                    } else {
                        prop_assert_ne!(&r[r.len() - 2..], &[0x90, 0x00]);
                    }
                }
                Op::Delete(slot) => {
                    let stored = slots[usize::from(slot)].clone();
                    let payload = stored.clone().unwrap_or_else(|| b"nothing".to_vec());
                    let g = delete_grant(id, counter, slot, &payload);
                    let cmd = Command::new(0x80, 0x52, 0, 0).with_data(g).with_le(256);
                    a.process(&select());
                    let r = send(&mut a, cmd.clone());
                    if stored.is_some() {
                        prop_assert_eq!(&r[r.len() - 2..], &[0x90, 0x00]);
                        expect.0 += 1;
                        expect.1[usize::from(slot)] = None;
                        last_mutation = Some(cmd);
                    } else {
                        prop_assert_eq!(&r[r.len() - 2..], &[0x6A, 0x83]);
                    }
                }
                Op::Replay => {
                    if let Some(cmd) = last_mutation.clone() {
                        a.process(&select());
                        let r = send(&mut a, cmd);
                        prop_assert_eq!(&r[r.len() - 2..], &[0x69, 0x82]);
                    }
                }
                Op::Foreign(slot) => {
                    let t = ticket(ChipId([0xEE; 16]), 1);
                    let g = write_grant(ChipId([0xEE; 16]), counter, slot, t.as_bytes());
                    let cmd = Command::new(0x80, 0x50, 0, 0)
                        .with_data(encode_write(&g, t.as_bytes()).unwrap())
                        .with_le(256);
                    a.process(&select());
                    let r = send(&mut a, cmd);
                    prop_assert_ne!(&r[r.len() - 2..], &[0x90, 0x00]);
                }
                Op::Reset => a.reset(),
            }
            let after = snapshot(&a);
            prop_assert!(after.0 >= before.0, "the counter went back");
            prop_assert_eq!(&after, &expect);
            (counter, slots) = after;
        }
    }
}
