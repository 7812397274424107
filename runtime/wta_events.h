/*
 * wta_events.h - the one list of trace event kinds.
 *
 * Every line of a trace after the header is one event:
 *
 *     {"t":1234,"th":"w0","seq":17,"ev":"poll.begin","task":3,"poll":2}
 *
 * t, th, seq and ev are on every event (see traces/SCHEMA.md); the fields
 * after them are listed here, in order, as "name:type" where the type is
 *     u  unsigned integer     i  signed integer
 *     s  string               b  boolean
 * At most six fields: the model keeps six per event (WTA_MAX_FIELDS;
 * its slot check in viz/event.c fails on a seventh), and a record holds
 * six (struct wta_trace_rec).
 * The recorder (runtime/trace_write.c), the trace loader (viz/) and the
 * schema test (tests/test_trace.c, which checks traces/SCHEMA.md documents
 * every kind) all expand this one list, so they cannot disagree.
 *
 * X(ID, "name", "fields", "what it means")
 */
#ifndef WTA_EVENTS_H
#define WTA_EVENTS_H

#define WTA_EVENT_LIST(X) \
    /* runtime and workers */ \
    X(RUNTIME_START, "runtime.start", "workers:u scheduler:s bugs:u", \
      "the runtime started its workers") \
    X(RUNTIME_STOP, "runtime.stop", "tasks_dropped:u", \
      "shutdown: unfinished tasks were dropped") \
    X(WORKER_START, "worker.start", "worker:u", \
      "a worker thread began its poll_once loop") \
    X(WORKER_STOP, "worker.stop", "worker:u", \
      "a worker thread left its loop at shutdown") \
    X(WORKER_PARK, "worker.park", "worker:u queued:u", \
      "a worker found nothing to run and went to sleep; queued = run-queue length it left behind") \
    X(WORKER_UNPARK, "worker.unpark", "worker:u why:s", \
      "this thread woke a sleeping worker (why: push, steal, shutdown)") \
    X(WORKER_RESUME, "worker.resume", "worker:u", \
      "a sleeping worker woke up") \
    /* tasks */ \
    X(TASK_SPAWN, "task.spawn", "task:u parent:u name:s file:s line:u", \
      "a task was created; parent 0 means the main thread or outside any task") \
    X(TASK_DROP, "task.drop", "task:u why:s", \
      "the runtime let go of a task (why: done, shutdown, freed)") \
    X(POLL_BEGIN, "poll.begin", "task:u poll:u", \
      "a worker started polling a task (poll = 1 for the first poll)") \
    X(POLL_END, "poll.end", "task:u poll:u result:s next:s", \
      "the poll returned (result: ready, pending); next: idle, requeue, done, freed") \
    /* wakers and queues */ \
    X(WAKER_CLONE, "waker.clone", "task:u wakers:u", \
      "a task's waker was cloned; wakers = live clones after") \
    X(WAKER_DROP, "waker.drop", "task:u wakers:u", \
      "a clone of a task's waker was dropped; wakers = live clones after") \
    X(WAKER_WAKE, "waker.wake", "task:u source:s outcome:s by:u by_ref:b cause:u", \
      "a task's waker was called (outcome: scheduled, already-scheduled, notified-while-running, stale, lost); cause: the timer, fd, channel, task or job that source names (0: none)") \
    X(QUEUE_PUSH, "queue.push", "task:u queue:s len:u", \
      "a task was put on a run queue; len = queue length after") \
    X(QUEUE_POP, "queue.pop", "task:u queue:s len:u", \
      "a worker took a task off a run queue; len = queue length after") \
    /* block_on and the MainWaker */ \
    X(BLOCK_ON_BEGIN, "block_on.begin", "name:s", \
      "the calling thread entered block_on with the main future") \
    X(BLOCK_ON_END, "block_on.end", "result:i", \
      "block_on returned (0, or a negative errno)") \
    X(MAIN_POLL_BEGIN, "main.poll.begin", "poll:u", \
      "block_on started polling the main future") \
    X(MAIN_POLL_END, "main.poll.end", "poll:u result:s", \
      "the main future's poll returned (ready, pending)") \
    X(MAIN_WAKE, "main.wake", "source:s by:u was_ready:b cause:u", \
      "the MainWaker was called; was_ready: the flag was already set; cause as in waker.wake") \
    X(MAIN_FLAG, "main.flag", "was_ready:b when:s", \
      "block_on cleared the MainWaker's ready flag (when: before-poll, after-poll); was_ready: it was set") \
    X(MAIN_WAIT, "main.wait", "", \
      "block_on began book_keeping: waiting for the MainWaker") \
    X(MAIN_RESUME, "main.resume", "why:s", \
      "book_keeping ended (why: woken, hang)") \
    X(HANG, "hang", "parked:u queued:u", \
      "block_on found that nothing can ever wake the main future") \
    X(HANG_MAIN, "hang.main", "polls:u idle_ns:u wakers:u waits:s on:u", \
      "the hang's dump: the main future, its polls, ns since its last poll, what holds its waker") \
    X(HANG_TASK, "hang.task", "task:u state:s idle_ns:u waits:s on:u", \
      "the hang's dump: one live task, its state, ns since its last poll, what it waits on") \
    X(WAIT_EXTERNAL, "wait.external", "task:u wakers:u held:u", \
      "all is idle but a waker clone of task (0: main) is held outside the runtime: no hang is certain") \
    /* JoinHandles and blocking jobs */ \
    X(JOIN_SEND, "join.send", "task:u result:i value:i", \
      "a task finished and sent its output into its JoinHandle") \
    X(JOIN_COMPLETE, "join.complete", "task:u result:i", \
      "a JoinHandle's awaiter received the output") \
    X(JOIN_CANCEL, "join.cancel", "task:u", \
      "a task was dropped unfinished: its JoinHandle reports -ECANCELED") \
    X(JOIN_DETACH, "join.detach", "task:u", \
      "a JoinHandle was dropped unawaited: the task runs on, detached, or its output is discarded") \
    X(BLOCKING_START, "blocking.start", "job:u name:s", \
      "a blocking thread started a spawn_blocking job") \
    X(BLOCKING_DONE, "blocking.done", "job:u value:i", \
      "a spawn_blocking job returned") \
    /* the reactor (epoll) and timers */ \
    X(REACTOR_TURN_BEGIN, "reactor.turn.begin", "timeout_ns:i", \
      "the reactor began a turn; it may sleep up to timeout_ns (-1: until woken)") \
    X(REACTOR_TURN_END, "reactor.turn.end", "events:u timers:u", \
      "the reactor's turn ended with this many fd events and timer fires") \
    X(TIMER_INSERT, "timer.insert", "timer:u deadline:u task:u", \
      "a timer was armed for deadline (ns on the trace clock)") \
    X(TIMER_CANCEL, "timer.cancel", "timer:u", \
      "a timer was dropped before it fired") \
    X(TIMER_FIRE, "timer.fire", "timer:u deadline:u late_ns:i", \
      "a timer fired, late_ns after its deadline") \
    X(IO_REGISTER, "io.register", "fd:i interest:s task:u", \
      "a socket was registered with the reactor") \
    X(IO_DEREGISTER, "io.deregister", "fd:i task:u", \
      "a socket was removed from the reactor") \
    X(IO_EVENT, "io.event", "fd:i ready:s task:u", \
      "epoll reported a socket ready (ready: r, w, rw, err)") \
    X(IO_OP, "io.op", "fd:i op:s result:i task:u", \
      "a socket operation ran (op: accept, connect, read, write, ...): bytes or -errno") \
    X(CHAN_SEND, "chan.send", "chan:u result:i len:u task:u", \
      "a value was sent on a channel (result 0 or -errno); len after") \
    X(CHAN_RECV, "chan.recv", "chan:u result:i len:u task:u", \
      "a value was received from a channel (result 0, or -EPIPE at end)") \
    X(CHAN_CLOSE, "chan.close", "chan:u side:s task:u", \
      "a channel's last sender or its receiver was dropped") \
    X(SELECT_WINNER, "select.winner", "index:u of:u task:u", \
      "select: future `index` of `of` finished first; the rest were dropped") \
    /* lessons and the recorder itself */ \
    X(NOTE, "note", "text:s", \
      "a lesson note: the viewer shows the caption and pauses") \
    X(MARK, "mark", "id:u value:u", \
      "a user mark: two numbers") \
    X(BUG_WINDOW, "bug.window", "bug:s what:s", \
      "a bug's race window opened (its hook, if set, runs here)") \
    X(DROPPED, "dropped", "n:u", \
      "the recorder lost n events (write error) before this point") \
    X(PROCESS_END, "process.end", "task:u how:s signal:s thread:s recovered:u", \
      "the process died with its runtime running; wta-trace wrote this when it recovered the trace") \
    X(TRACE_END, "trace.end", "dropped:u complete:b", \
      "the last line: how many events were lost; complete = none")

enum wta_event {
#define WTA_EV_ENUM(id, name, fields, doc) WTA_EV_##id,
    WTA_EVENT_LIST(WTA_EV_ENUM)
#undef WTA_EV_ENUM
    WTA_EV_COUNT
};

/* The trace format's version, in the header line. A reader also reads
 * every older version: a field added since may be missing there, and
 * reads as 0 (the list below). */
#define WTA_TRACE_FORMAT_VERSION 2

/*
 * Fields added to an existing kind after the first traces were written,
 * and the newest format version whose traces may lack each: there a
 * missing field reads as 0 ("no task", "cause unknown"). Version 2 added
 * the io, channel and select events' task (every version-2 trace has it)
 * and, later within version 2, the wakes' cause (an early version-2
 * trace lacks it).
 * X(ID, "field", newest version that may lack it)
 */
#define WTA_FIELDS_ADDED(X) \
    X(IO_REGISTER, "task", 1) \
    X(IO_DEREGISTER, "task", 1) \
    X(IO_EVENT, "task", 1) \
    X(IO_OP, "task", 1) \
    X(CHAN_SEND, "task", 1) \
    X(CHAN_RECV, "task", 1) \
    X(CHAN_CLOSE, "task", 1) \
    X(SELECT_WINNER, "task", 1) \
    X(WAKER_WAKE, "cause", 2) \
    X(MAIN_WAKE, "cause", 2)

#endif /* WTA_EVENTS_H */
