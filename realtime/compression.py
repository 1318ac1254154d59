"""WebSocket frames go out uncompressed.

Tandem's WebSocket (realtime/websocket_transport.py), like simple-websocket before it,
accepts permessage-deflate whenever a client offers it, and browsers and
socket.io-client always offer it. Every frame was then deflated on its own by the
server and inflated by the client, with a zlib context per connection kept for its whole
life. Tandem's events are small JSON objects: deflating them was the largest single cost
of a delivery after the socket write itself, and the contexts a large share of the
memory of an idle connection (docs/performance.md has the figures). socket.io's own
server has shipped with the extension off since its third version; so does Tandem, for
more bytes on the wire, unless WEBSOCKET_COMPRESSION turns it on.

The extension is declined by taking the client's offer out of the handshake before the
WebSocket server reads it: the server then answers without it, as the protocol allows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

OFFER = "HTTP_SEC_WEBSOCKET_EXTENSIONS"


class WithoutWebSocketCompression:
    """WSGI middleware: removes the WebSocket extension offer from every request."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        environ.pop(OFFER, None)
        return self.app(environ, start_response)
