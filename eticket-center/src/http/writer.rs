//! The on-sale writer: one thread that runs the hot mutating requests
//! (sales, holds, issuance) back to back in one group commit.
//!
//! Run on the blocking pool, each request's body would run on its own thread
//! and hand the ledger's connection to the next one: two thread switches per
//! request on top of the work. Here a request is queued to the writer, which
//! takes everything queued (up to [`MAX_GROUP`]), runs each body on its own
//! thread with its group members deferred ([`group::deferring`]), commits
//! once, and only then answers each request (or runs again those whose
//! commit failed retryably). The guarantees are the group commit's: each
//! request in its own savepoint, answered only after the commit that holds
//! it, idempotent by its key.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc;

use tokio::sync::oneshot;

use crate::store::MAX_GROUP;
use crate::store::group;
use crate::{Center, Error, Result};

/// How many times a request whose group's commit failed retryably is run
/// again (each run's own retries are bounded by the ledger's retry wait).
const MAX_RUNS: u32 = 3;

/// One queued request, its answer type erased.
trait Task: Send {
    /// Run the body (on the writer thread, members deferred).
    fn run(&mut self);
    /// The group ended: answer, or come back to be run again.
    fn finish(self: Box<Self>, failure: Option<Error>) -> Option<Box<dyn Task>>;
}

struct Typed<T, F> {
    body: F,
    result: Option<Result<T>>,
    reply: Option<oneshot::Sender<Result<T>>>,
    runs: u32,
}

impl<T, F> Task for Typed<T, F>
where
    T: Send + 'static,
    F: FnMut() -> Result<T> + Send + 'static,
{
    fn run(&mut self) {
        self.runs += 1;
        self.result = Some(match catch_unwind(AssertUnwindSafe(&mut self.body)) {
            Ok(result) => result,
            Err(_) => Err(Error::corrupt("the request failed unexpectedly")),
        });
    }

    fn finish(mut self: Box<Self>, failure: Option<Error>) -> Option<Box<dyn Task>> {
        let answer = match (failure, self.result.take()) {
            (None, Some(result)) => result,
            (Some(e), _) if e.is_retryable() && self.runs < MAX_RUNS => return Some(self),
            // A body that refused on its own keeps its own error.
            (Some(_), Some(Err(own))) if !own.is_retryable() => Err(own),
            (Some(e), _) => Err(e),
            (None, None) => Err(Error::corrupt("the request was not run")),
        };
        if let Some(reply) = self.reply.take() {
            // The client may have gone; its answer is stored all the same.
            let _ = reply.send(answer);
        }
        None
    }
}

/// The queue to the writer thread; the thread ends when the last handle is
/// dropped.
#[derive(Clone)]
pub(crate) struct Writer {
    queue: mpsc::Sender<Box<dyn Task>>,
}

impl Writer {
    /// Start the writer thread for `center`.
    pub(crate) fn start(center: Arc<Center>) -> std::io::Result<Self> {
        let (queue, tasks) = mpsc::channel::<Box<dyn Task>>();
        std::thread::Builder::new()
            .name("eticket-writer".to_owned())
            .spawn(move || write(&center, &tasks))?;
        Ok(Self { queue })
    }

    /// Run `body` on the writer thread in a group commit; its answer once
    /// the commit holding its work is made.
    pub(crate) async fn run<T, F>(&self, body: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnMut() -> Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let task = Box::new(Typed {
            body,
            result: None,
            reply: Some(reply),
            runs: 0,
        });
        self.queue
            .send(task)
            .map_err(|_| Error::corrupt("the writer thread has stopped"))?;
        answer
            .await
            .map_err(|_| Error::corrupt("the writer thread dropped a request"))?
    }
}

/// The writer thread: batches of queued requests, one group commit each.
fn write(center: &Center, tasks: &mpsc::Receiver<Box<dyn Task>>) {
    let backend = crate::store::Store::backend(center.ledger());
    while let Ok(first) = tasks.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_GROUP as usize {
            match tasks.try_recv() {
                Ok(task) => batch.push(task),
                Err(_) => break,
            }
        }
        let mut attempt = 0;
        while !batch.is_empty() {
            let mut ran = std::collections::VecDeque::with_capacity(batch.len());
            let mut again = Vec::new();
            for mut task in batch.drain(..) {
                let ((), deferred) = group::deferring(|| task.run());
                ran.push_back((task, deferred));
                // A group that ended on the way (full, or open long enough)
                // answers its requests now, in order: a request is answered
                // only once every request before it is, since its answer may
                // rest on their uncommitted work.
                answer(&mut ran, &mut again, backend, false);
            }
            center.ledger().flush_group();
            answer(&mut ran, &mut again, backend, true);
            batch = again;
            if !batch.is_empty() {
                attempt += 1;
                crate::store::backoff(attempt);
            }
        }
    }
}

/// Answer the requests at the front of `ran` whose groups ended (all of
/// them after the flush, `flushed`); those to be run again go to `again`.
fn answer(
    ran: &mut std::collections::VecDeque<(Box<dyn Task>, group::Deferred)>,
    again: &mut Vec<Box<dyn Task>>,
    backend: &'static str,
    flushed: bool,
) {
    while let Some((_, deferred)) = ran.front() {
        if !flushed && !deferred.ended() {
            return;
        }
        let Some((task, deferred)) = ran.pop_front() else {
            return;
        };
        if let Some(task) = task.finish(deferred.outcome(backend)) {
            again.push(task);
        }
    }
}
