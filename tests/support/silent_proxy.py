"""A TCP forwarder on loopback that can fall silent, as a network path does when a
firewall or a NAT drops it: the connections stay open and nothing more crosses them, in
either direction, and no reset tells either end."""

from __future__ import annotations

import contextlib
import socket
import threading


class SilentProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._silent = threading.Event()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def fall_silent(self) -> None:
        """What crosses the connections open now is dropped from here on."""
        self._silent.set()

    def close(self) -> None:
        for each in [self._listener, *self._sockets]:
            with contextlib.suppress(OSError):
                each.close()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = self._listener.accept()
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
                self._sockets += [client, upstream]
                for source, target in ((client, upstream), (upstream, client)):
                    threading.Thread(
                        target=self._forward, args=(source, target), daemon=True
                    ).start()

    def _forward(self, source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                if not self._silent.is_set():
                    target.sendall(chunk)
