"""Group commit for SQLite: the write transactions of many threads share one commit (one fsync).

With ``synchronous=FULL`` every commit waits for the disk (about 4 ms here), and SQLite has one
writer at a time, so a fanned-out launch whose 256 senders each commit their own outcome spends
its time queueing for fsyncs: 2,800 commits are 11 s of disk waits in a row, whatever the
concurrency. A database's classic answer is the group commit, and this is it:

- every ``writer.begin()`` body still runs alone on the one write connection, in the order the
  threads asked, inside its own ``SAVEPOINT``: a body that fails is rolled back alone, the
  others' work stays (:meth:`GroupWriter.begin`);
- when a body ends while other threads are waiting for their turn, the transaction is left
  open for them; the last one of the group (or the one that reaches :data:`MAX_MEMBERS` or
  :data:`MAX_WAIT`) commits, once, for all;
- a write that is one statement (an audit event) can instead be **appended** to the open
  group (:meth:`GroupWriter.append`): its committer executes it right before the commit, so
  it takes no turn and no savepoint of its own; a failing one fails alone;
- **nobody returns before its write is on the disk**: each thread leaves ``begin()`` only after
  the commit that holds its write succeeded, and if that commit fails, every thread of the
  group gets the error, exactly as if its own commit had failed. A crash before the commit
  loses the whole group, and none of its threads has acted on its write (a claim not yet
  returned sends nothing; a "sent" not yet returned pins nothing): what the ledger says and
  what the process did never part, as with one commit per transaction.

Only SQLite gets it: PostgreSQL commits connections side by side and groups fsyncs itself.
Other processes still meet SQLite's own lock (``BEGIN IMMEDIATE``, busy timeout); a group holds
it at most :data:`MAX_WAIT` longer than one transaction would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Connection, Engine

from .plainsql import execute_sql

#: a group commits once it holds this many transactions, even if more are waiting
MAX_MEMBERS = 128
#: ... or once its first transaction is this old (seconds): a steady stream of writers never
#: keeps a write from the disk for longer
MAX_WAIT = 0.05
#: the same while processes share a large launch (:mod:`launcher.launch.shards`): each
#: commit's fsync (12-18 ms here) holds the write lock the other process waits for, and
#: groups twice as long made the sending of 50 missions about 8% faster (0.05 s, 0.1 s and
#: 0.2 s measured); a post's write may wait up to this long before it is durable
SHARED_WAIT = 0.1


#: each body's own savepoint, written as SQL and run on the cursor (:mod:`.plainsql`):
#: SQLAlchemy's ``begin_nested()`` compiles a savepoint clause and keeps a nested transaction
#: for every body, a tenth of a fanned-out launch's ledger time; bodies run one at a time, so
#: one name serves them all
_SAVEPOINT = "SAVEPOINT launcher_body"
_ROLLBACK_TO = "ROLLBACK TO SAVEPOINT launcher_body"
_RELEASE = "RELEASE SAVEPOINT launcher_body"


class _Append:
    """One statement handed to the group's committer (:meth:`GroupWriter.append`)."""

    def __init__(self, write: Callable[[Connection], Any]) -> None:
        self.write = write
        self.result: Any = None
        self.error: BaseException | None = None


class _Group:
    """One open transaction shared by several threads' writes."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.trans = conn.begin()
        self.began = time.monotonic()
        self.members = 0
        self.done = threading.Event()
        self.error: BaseException | None = None
        self.appends: list[_Append] = []
        self.closing = False  # its commit has begun: no more appends join it


class GroupWriter:
    """Stands for the write engine (``begin()``, and everything else the engine has); see
    the module docstring."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._turn = threading.Condition()
        self._busy = False  # a thread is running its body, or committing
        self._waiting = 0  # threads waiting for their turn
        self._group: _Group | None = None
        #: how long a group may stay open for more writers (seconds)
        self.max_wait = MAX_WAIT
        #: transactions, appended statements and commits since the start (for benchmarks and
        #: tests)
        self.transactions = 0
        self.appended = 0
        self.commits = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction, as ``Engine.begin()``: committed (durably) when the block
        ends without an exception, rolled back when it raises."""
        group = self._enter()
        failed: BaseException | None = None
        try:
            execute_sql(group.conn, _SAVEPOINT)
        except BaseException as exc:
            self._abandon(group, exc)
            raise
        try:
            yield group.conn
        except BaseException as exc:
            failed = exc
            try:
                execute_sql(group.conn, _ROLLBACK_TO)
                execute_sql(group.conn, _RELEASE)
            except BaseException as broken:  # the connection itself is gone: the whole group
                self._abandon(group, broken)
                raise exc from None
        else:
            try:
                execute_sql(group.conn, _RELEASE)
            except BaseException as exc:
                self._abandon(group, exc)
                raise
        self._leave(group)
        if failed is not None:
            raise failed

    def append(self, write: Callable[[Connection], Any]) -> Any:
        """Run ``write`` (one statement: atomic by itself, so it needs no savepoint) in the
        open group's transaction, executed by the thread that commits it; return its result
        once that commit is on the disk, or raise its error (or the commit's). With no group
        open, it is a transaction of its own (:meth:`begin`).

        An audit event (a post pinned) is such a write: handed over, it costs the group
        neither a turn of its own nor a savepoint, which were most of what 1,050 pins' events
        held the ledger for in a launch of 50 missions."""
        ticket = _Append(write)
        with self._turn:
            group = self._group
            if group is not None and not group.closing:
                group.appends.append(ticket)
                self.appended += 1
            else:
                group = None
        if group is None:
            with self.begin() as conn:
                return write(conn)
        group.done.wait()
        if ticket.error is not None:
            raise ticket.error
        if group.error is not None:
            raise group.error
        return ticket.result

    # -- turns -----------------------------------------------------------------------------
    def _enter(self) -> _Group:
        with self._turn:
            self._waiting += 1
            while self._busy:
                self._turn.wait()
            self._waiting -= 1
            self._busy = True
            group = self._group
        if group is None:
            try:
                group = _Group(self._engine.connect())
            except BaseException:
                self._next()
                raise
            self._group = group
        group.members += 1
        self.transactions += 1
        return group

    def _next(self) -> None:
        with self._turn:
            self._busy = False
            self._turn.notify()

    def _leave(self, group: _Group) -> None:
        """This body is done: leave the transaction open for a waiting thread, or commit."""
        with self._turn:
            join = (
                self._waiting > 0
                and group.members < MAX_MEMBERS
                and time.monotonic() - group.began < self.max_wait
            )
            if join:
                self._busy = False
                self._turn.notify()
        if join:
            group.done.wait()
        else:
            self._commit(group)
        if group.error is not None:
            raise group.error

    def _commit(self, group: _Group) -> None:
        with self._turn:
            group.closing = True
            self._group = None
        for ticket in group.appends:
            try:
                ticket.result = ticket.write(group.conn)
            except BaseException as exc:  # that statement is undone by itself; the others stay
                ticket.error = exc
        try:
            group.trans.commit()
            self.commits += 1
        except BaseException as exc:
            group.error = exc
            _close_quietly(group)
        else:
            group.conn.close()
        finally:
            group.done.set()
            self._next()

    def _abandon(self, group: _Group, exc: BaseException) -> None:
        """The connection failed under a body: the group's transaction is lost for all."""
        with self._turn:
            group.closing = True
            self._group = None
        group.error = exc
        _close_quietly(group)
        group.done.set()
        self._next()


def _close_quietly(group: _Group) -> None:
    """After a failure: undo what is left and throw the connection away (SQLite keeps a
    transaction open after a failed COMMIT; a pooled connection must never carry it on)."""
    with suppress(Exception):
        if group.trans.is_active:
            group.trans.rollback()
    with suppress(Exception):
        group.conn.invalidate()
    with suppress(Exception):
        group.conn.close()
