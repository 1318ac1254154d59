"""gunicorn's gevent worker, stopping as Tandem stops:
`gunicorn -k gunicorn_worker.Worker -w 1 wsgi:app` (docs/operations.md).

On SIGTERM gunicorn's own gevent worker stops taking connections and gives those open
its graceful timeout, then kills them. A WebSocket never ends by itself, so every one
was killed with what it held: a message stored and not yet acknowledged, say. This
worker first does what `python app.py` does on SIGTERM (`app.finish_serving`): it
refuses new writes, lets those in hand finish and answer their senders, and closes
every live connection, whose client reconnects to another worker and resumes from its
cursor. Then gunicorn waits, as it does, for the handlers to end.
"""

from __future__ import annotations

from types import FrameType

import gevent
from gunicorn.workers.ggevent import GeventWorker


class Worker(GeventWorker):
    stopping = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.stopping:  # a second SIGTERM: the stop is under way
            return
        self.stopping = True
        # A stop waits on the writes in hand: not inside the signal handler.
        gevent.spawn(self._stop_gracefully)

    def _stop_gracefully(self) -> None:
        # Imported here: gunicorn loads this class before the worker patches the
        # standard library for gevent and loads the application.
        from app import finish_serving

        try:
            finish_serving(self.wsgi)
        finally:
            self.alive = False
