"""Test videos for browser tests: made by ffmpeg, and served over loopback with byte
ranges, as Chromium's media elements need to seek in them."""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support.programs import require_program


def encode_clip(target: Path, seconds: float, key_frame_every: int = 50) -> Path:
    """A test-pattern WebM of `seconds` made by ffmpeg (25 frames a second; a key frame
    every `key_frame_every` frames keeps seeks quick)."""
    subprocess.run(
        [
            require_program("ffmpeg"),
            *("-hide_banner", "-loglevel", "error", "-f", "lavfi"),
            *("-i", f"testsrc=duration={seconds}:size=320x240:rate=25"),
            *("-c:v", "libvpx", "-b:v", "300k", "-g", str(key_frame_every)),
            *("-deadline", "realtime", "-cpu-used", "8", "-an", str(target)),
        ],
        check=True,
        timeout=180,
    )
    return target


class RangeRequestHandler(SimpleHTTPRequestHandler):
    """Static files with single byte ranges (206), which media elements use to seek."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".webm": "video/webm"}

    def log_message(self, *_args) -> None:
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        range_header = self.headers.get("Range")
        if not path.is_file() or not range_header:
            return super().send_head()
        size = path.stat().st_size
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", range_header.strip())
        if not match or (not match.group(1) and not match.group(2)):
            self.send_error(416)
            return None
        if match.group(1):
            start = int(match.group(1))
            end = int(match.group(2)) if match.group(2) else size - 1
        else:  # the last N bytes
            start, end = max(0, size - int(match.group(2))), size - 1
        end = min(end, size - 1)
        if start > end:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.end_headers()
            return None
        handle = path.open("rb")
        handle.seek(start)
        self._remaining = end - start + 1
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(self._remaining))
        self.end_headers()
        return handle

    def copyfile(self, source, outputfile) -> None:
        remaining = getattr(self, "_remaining", None)
        if remaining is None:
            super().copyfile(source, outputfile)
            return
        try:
            while remaining > 0:
                chunk = source.read(min(64 * 1024, remaining))
                if not chunk:
                    break
                outputfile.write(chunk)
                remaining -= len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser got what it wanted and hung up

    def end_headers(self) -> None:
        if not self.headers.get("Range"):
            self.send_header("Accept-Ranges", "bytes")
        super().end_headers()


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """The folder's files on a loopback port of the system's choosing; yields its base URL
    (ending in /)."""
    handler = partial(RangeRequestHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def served_video(folder: Path, name: str, seconds: float) -> Iterator[str]:
    """A test video of `seconds` made in `folder` and served; yields its URL."""
    encode_clip(folder / name, seconds, key_frame_every=25)
    with served(folder) as base:
        yield base + name
