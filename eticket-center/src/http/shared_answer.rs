//! Large answers made once and shared: the bytes of an event's answer
//! (`GET /v1/events/{event}`, about 5 MB of JSON for a 100,000-seat
//! stadium, and some 50 MB while its information is read from the ledger)
//! are made by one request at a time and kept, so every connection sending
//! them holds the same buffer. Before, a few hundred clients with any token
//! that asked at once and never read held a copy each (1.6 GB seen).
//!
//! A kept answer is used while this process has changed no event's
//! information since it was made and for at most [`FRESH`]: another center
//! process over the same ledger that postpones the event is seen within
//! that time.

use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use eticket_core::ids::EventId;

use crate::tables::events::INFO_CHANGES;
use crate::{Center, Error, Result};

/// How many events' answers are kept (the most recently asked).
const KEPT: usize = 8;

/// How long a kept answer is used at most.
pub(crate) const FRESH: Duration = Duration::from_secs(5);

/// One kept answer: for which center and event, made when.
struct Kept {
    center: usize,
    event: EventId,
    made: Instant,
    changes: u64,
    plain: Bytes,
    gzip: Option<Bytes>,
}

static ANSWERS: Mutex<Vec<Kept>> = Mutex::new(Vec::new());

/// One answer made at a time: requests that find none kept wait for the
/// one being made rather than each reading the event.
static MAKING: Mutex<()> = Mutex::new(());

/// The kept answer of `event` if it is fresh (gzipped if `gzip`, made
/// now from the plain one if need be).
fn kept(who: usize, event: EventId, gzip: bool) -> Result<Option<Bytes>> {
    let changes = INFO_CHANGES.load(Ordering::SeqCst);
    let mut kept = ANSWERS.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(k) = kept.iter_mut().find(|k| {
        k.center == who && k.event == event && k.changes == changes && k.made.elapsed() < FRESH
    }) else {
        return Ok(None);
    };
    if !gzip {
        return Ok(Some(k.plain.clone()));
    }
    if let Some(z) = &k.gzip {
        return Ok(Some(z.clone()));
    }
    let z = compress(&k.plain)?;
    k.gzip = Some(z.clone());
    Ok(Some(z))
}

/// The JSON of `event`'s information (gzipped if `gzip`), shared with
/// every other answer for it made within [`FRESH`].
pub(crate) fn event_info(center: &Center, event: EventId, gzip: bool) -> Result<Bytes> {
    let who = std::ptr::from_ref(center) as usize;
    if let Some(b) = kept(who, event, gzip)? {
        return Ok(b);
    }
    let _one = MAKING.lock().unwrap_or_else(PoisonError::into_inner);
    // Made by the request this one waited for.
    if let Some(b) = kept(who, event, gzip)? {
        return Ok(b);
    }
    let changes = INFO_CHANGES.load(Ordering::SeqCst);
    let made = Instant::now();
    let info = center.event_info(event)?;
    let plain = Bytes::from(serde_json::to_vec(&info).map_err(|e| Error::corrupt(e.to_string()))?);
    drop(info);
    let zipped = if gzip { Some(compress(&plain)?) } else { None };
    let mut kept = ANSWERS.lock().unwrap_or_else(PoisonError::into_inner);
    kept.retain(|k| !(k.center == who && k.event == event));
    if kept.len() >= KEPT {
        kept.remove(0);
    }
    kept.push(Kept {
        center: who,
        event,
        made,
        changes,
        plain: plain.clone(),
        gzip: zipped.clone(),
    });
    Ok(zipped.unwrap_or(plain))
}

fn compress(plain: &[u8]) -> Result<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(plain.len() / 8),
        flate2::Compression::fast(),
    );
    encoder
        .write_all(plain)
        .and_then(|()| encoder.finish())
        .map(Bytes::from)
        .map_err(|e| Error::corrupt(format!("gzip: {e}")))
}

/// A JSON answer of `body`, marked gzipped if it is.
pub(crate) fn response(body: Bytes, gzip: bool) -> Response {
    let mut res = Response::new(Body::from(body));
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if gzip {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    res
}

/// Whether `Accept-Encoding` lists gzip (with a weight other than 0).
pub(crate) fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_buffer_per_event_until_its_information_changes() {
        use crate::Principal;
        use crate::organizer::EventRegistration;
        use eticket_core::event::EventInfo;
        use eticket_core::fixtures;
        let center = Center::open_in_memory().unwrap();
        let reg = EventRegistration {
            info: fixtures::small_event(),
            prices: fixtures::prices(),
            seat_map: None,
        };
        center
            .register_event(&Principal::Organizer(1), "reg", &reg)
            .unwrap();
        let a = event_info(&center, fixtures::EVENT, false).unwrap();
        let b = event_info(&center, fixtures::EVENT, false).unwrap();
        assert_eq!(a.as_ptr(), b.as_ptr(), "the same bytes, shared");
        assert_eq!(
            serde_json::from_slice::<EventInfo>(&a).unwrap(),
            fixtures::small_event()
        );
        // A change of any event's information in this process: made anew.
        INFO_CHANGES.fetch_add(1, Ordering::SeqCst);
        let c = event_info(&center, fixtures::EVENT, false).unwrap();
        assert_ne!(a.as_ptr(), c.as_ptr());
        assert_eq!(a, c);
        let z = event_info(&center, fixtures::EVENT, true).unwrap();
        let mut json = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&z[..]), &mut json).unwrap();
        assert_eq!(json, c);
        assert!(event_info(&center, eticket_core::ids::EventId(9), false).is_err());
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br, gzip;q=0.5"),
        );
        assert!(accepts_gzip(&h));
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip;q=0"),
        );
        assert!(!accepts_gzip(&h));
    }
}
