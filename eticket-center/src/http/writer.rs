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
//!
//! Best-available sales are not run one by one: the writer takes every such
//! sale queued for a round and decides them together
//! ([`Center::sell_together`](crate::Center::sell_together)), as one member
//! of the group, with a few statements for all of them instead of a dozen
//! each. If that batch cannot be decided as a whole, each of its sales runs
//! on its own as before.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc;

use tokio::sync::oneshot;

use crate::distributor::Sale;
use crate::sale_batch::SaleJob;
use crate::store::MAX_GROUP;
use crate::store::group;
use crate::{Center, Error, Result};

/// How many times a request whose group's commit failed retryably is run
/// again (each run's own retries are bounded by the ledger's retry wait).
const MAX_RUNS: u32 = 3;

/// One queued request, its answer type erased.
trait Task: Send {
    /// Run the body (on the writer thread, members deferred).
    fn run(&mut self, center: &Center);
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
    F: FnMut(&Center) -> Result<T> + Send + 'static,
{
    fn run(&mut self, center: &Center) {
        self.runs += 1;
        let body = &mut self.body;
        self.result = Some(match catch_unwind(AssertUnwindSafe(|| body(center))) {
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

/// The best-available sales of one round, decided together.
struct SaleBatch {
    jobs: Vec<SaleJob>,
    replies: Vec<oneshot::Sender<Result<Sale>>>,
    results: Vec<Result<Sale>>,
    runs: u32,
}

impl Task for SaleBatch {
    fn run(&mut self, center: &Center) {
        self.runs += 1;
        let jobs = &self.jobs;
        let decided = catch_unwind(AssertUnwindSafe(|| {
            center.sell_together(jobs).unwrap_or_else(|_| {
                // Not decidable as a batch (nothing of it was written):
                // each sale on its own, each in its own savepoint.
                jobs.iter()
                    .map(|j| center.sell(&j.who, &j.key, j.event, &j.req))
                    .collect()
            })
        }));
        self.results = match decided {
            Ok(results) => results,
            Err(_) => jobs
                .iter()
                .map(|_| Err(Error::corrupt("the request failed unexpectedly")))
                .collect(),
        };
    }

    fn finish(mut self: Box<Self>, failure: Option<Error>) -> Option<Box<dyn Task>> {
        if let Some(e) = &failure {
            if e.is_retryable() && self.runs < MAX_RUNS {
                return Some(self);
            }
        }
        let results = std::mem::take(&mut self.results);
        for (reply, result) in self.replies.drain(..).zip(results) {
            let answer = match (&failure, result) {
                (None, result) => result,
                // A sale refused on its own keeps its own error.
                (Some(_), Err(own)) if !own.is_retryable() => Err(own),
                (Some(e), _) => Err(copy_failure(e)),
            };
            // The client may have gone; its answer is stored all the same.
            let _ = reply.send(answer);
        }
        None
    }
}

/// The group's failure, once for each request it failed.
fn copy_failure(e: &Error) -> Error {
    match e {
        Error::Storage {
            backend,
            message,
            retryable,
        } => Error::Storage {
            backend,
            message: message.clone(),
            retryable: *retryable,
        },
        other => Error::corrupt(other.to_string()),
    }
}

/// What the writer is sent: a request's body, or a sale it may batch.
enum Queued {
    Task(Box<dyn Task>),
    Sale(SaleJob, oneshot::Sender<Result<Sale>>),
}

/// The queue to the writer thread; the thread ends when the last handle is
/// dropped.
#[derive(Clone)]
pub(crate) struct Writer {
    queue: mpsc::Sender<Queued>,
}

impl Writer {
    /// Start the writer thread for `center`.
    pub(crate) fn start(center: Arc<Center>) -> std::io::Result<Self> {
        let (queue, tasks) = mpsc::channel::<Queued>();
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
        let mut body = body;
        let task = Box::new(Typed {
            body: move |_: &Center| body(),
            result: None,
            reply: Some(reply),
            runs: 0,
        });
        self.queue
            .send(Queued::Task(task))
            .map_err(|_| Error::corrupt("the writer thread has stopped"))?;
        answer
            .await
            .map_err(|_| Error::corrupt("the writer thread dropped a request"))?
    }

    /// Sell on the writer thread: a best-available sale is decided together
    /// with the others queued with it, any other as [`Center::sell`].
    pub(crate) async fn sell(&self, job: SaleJob) -> Result<Sale> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Queued::Sale(job, reply))
            .map_err(|_| Error::corrupt("the writer thread has stopped"))?;
        answer
            .await
            .map_err(|_| Error::corrupt("the writer thread dropped a request"))?
    }
}

/// A round's queued requests as tasks: its best-available sales as one
/// batch, in the place of the first of them.
fn tasks_of(round: Vec<Queued>) -> Vec<Box<dyn Task>> {
    let mut tasks: Vec<Box<dyn Task>> = Vec::with_capacity(round.len());
    let mut batch: Option<(usize, SaleBatch)> = None;
    for queued in round {
        match queued {
            Queued::Task(task) => tasks.push(task),
            Queued::Sale(job, reply) if job.batchable() => {
                let (_, b) = batch.get_or_insert_with(|| {
                    (
                        tasks.len(),
                        SaleBatch {
                            jobs: Vec::new(),
                            replies: Vec::new(),
                            results: Vec::new(),
                            runs: 0,
                        },
                    )
                });
                b.jobs.push(job);
                b.replies.push(reply);
            }
            Queued::Sale(job, reply) => {
                let SaleJob {
                    who,
                    key,
                    event,
                    req,
                } = job;
                tasks.push(Box::new(Typed {
                    body: move |c: &Center| c.sell(&who, &key, event, &req),
                    result: None,
                    reply: Some(reply),
                    runs: 0,
                }));
            }
        }
    }
    if let Some((at, b)) = batch {
        tasks.insert(at, Box::new(b));
    }
    tasks
}

/// The writer thread: batches of queued requests, one group commit each.
fn write(center: &Center, queue: &mpsc::Receiver<Queued>) {
    let backend = crate::store::Store::backend(center.ledger());
    while let Ok(first) = queue.recv() {
        let mut round = vec![first];
        while round.len() < MAX_GROUP as usize {
            match queue.try_recv() {
                Ok(queued) => round.push(queued),
                Err(_) => break,
            }
        }
        let mut batch = tasks_of(round);
        let mut attempt = 0;
        while !batch.is_empty() {
            let mut ran = std::collections::VecDeque::with_capacity(batch.len());
            let mut again = Vec::new();
            for mut task in batch.drain(..) {
                let ((), deferred) = group::deferring(|| task.run(center));
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
