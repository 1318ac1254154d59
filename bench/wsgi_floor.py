"""The least any request costs on Tandem's server stack: gevent's WSGI server alone.

    python bench/wsgi_floor.py      # serves on a free loopback port and prints it

A WSGI application that answers every request with the JSON a long-poll that finds
nothing answers (`{"events": [], "cursor": ...}`), served as the site serves (gevent's
`WSGIServer` with the site's own handler, realtime/request_headers.py, and a pool), with
no framework, no sign-in and no database. What a
request costs here (`handshake_cost.py --only wsgi`) is what a poll would cost if all of
the site's own work were free: the floor under the long-poll figure.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from gevent.pool import Pool  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout's modules

from realtime.request_headers import Handler  # noqa: E402


def answer(environ: dict, start_response) -> list[bytes]:
    body = json.dumps({"events": [], "cursor": environ.get("QUERY_STRING", "")}).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def main() -> None:
    server = WSGIServer(("127.0.0.1", 0), answer, log=None, handler_class=Handler, spawn=Pool())
    server.start()
    print(server.server_port, flush=True)  # the caller reads the port: no race for one
    server.serve_forever()


if __name__ == "__main__":
    main()
