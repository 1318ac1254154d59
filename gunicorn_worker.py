"""gunicorn's gevent worker, stopping as Tandem stops:
`gunicorn -k gunicorn_worker.Worker -w 1 wsgi:app` (docs/operations.md).

On SIGTERM gunicorn's own gevent worker stops taking connections and gives those open
its graceful timeout, then kills them. A WebSocket never ends by itself, so every one
was killed with what it held: a message stored and not yet acknowledged, say. This
worker first does what `python app.py` does on SIGTERM (`app.finish_serving`): it
refuses new writes and stops taking connections, lets the writes in hand finish and
answer their senders, and closes every live connection, whose client reconnects to
another worker and resumes from its cursor. gunicorn meanwhile waits, as it does, for
the handlers to end, and the worker's process ends once the stop is done.
"""

from __future__ import annotations

from types import FrameType

import gevent
from gevent.event import Event
from gunicorn.workers.ggevent import GeventWorker


class Worker(GeventWorker):
    stopping = False
    _stop: gevent.Greenlet | None = None
    # Set once gunicorn has closed this worker's listeners (its loop notices `alive`
    # within a second, closes them, then notifies while handlers run, or returns).
    _not_listening: Event | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.stopping:  # a second SIGTERM: the stop is under way
            return
        self.stopping = True
        self._not_listening = Event()
        # A stop waits on the writes in hand: not inside the signal handler.
        self._stop = gevent.spawn(self._stop_gracefully)

    def _stop_gracefully(self) -> None:
        # Imported here: gunicorn loads this class before the worker patches the
        # standard library for gevent and loads the application.
        from app import finish_serving
        from realtime.draining import drain

        drain.begin()  # new writes are refused from now on
        self.alive = False  # and gunicorn's loop stops taking connections
        self._not_listening.wait()
        finish_serving(self.wsgi)

    def notify(self) -> None:
        super().notify()
        if not self.alive and self._not_listening is not None:
            self._not_listening.set()

    def run(self) -> None:
        super().run()
        if self._not_listening is not None:
            self._not_listening.set()
        if self._stop is not None:
            self._stop.join()
