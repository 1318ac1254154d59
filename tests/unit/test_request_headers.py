"""realtime/request_headers.py: request headers read by hand for gevent's WSGI server."""

from __future__ import annotations

import inspect
import io

import gevent
import pytest
from gevent import pywsgi, socket

from realtime import request_headers
from realtime.request_headers import ONE_WRITE_MAX, Handler, read_headers


def parse(raw: bytes) -> request_headers.RequestHeaders:
    return read_headers(io.BytesIO(raw))


def test_fields_are_read_in_order_and_named_without_case():
    headers = parse(
        b"Host: example.test\r\nContent-Type: text/plain\r\nX-Twice: one\r\n"
        b"x-twice: two\r\nEmpty:\r\n\r\nbody"
    )
    assert headers.status == ""
    assert headers.get("HOST") == "example.test"
    assert headers.getheader("content-type") == headers.typeheader == "text/plain"
    assert headers.get("x-twice") == "one"  # the first, as the email parser gave
    assert headers.get("empty") == ""
    assert headers.get("absent", "default") == "default"
    assert headers.headers[0] == "Host: example.test\r\n"
    del headers["X-TWICE"]
    assert headers.get("x-twice") is None
    assert [name for name, _ in headers.fields] == ["Host", "Content-Type", "Empty"]


def test_a_folded_line_joins_the_field_before_with_a_space():
    headers = parse(b"X-Long: first\r\n  second\r\n\tthird\r\n\r\n")
    assert headers.get("x-long") == "first second third"


def test_values_are_latin_1_text():
    assert parse(b"X-Name: caf\xe9\r\n\r\n").get("x-name") == "café"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"X-Big: " + b"a" * 70_000 + b"\r\n\r\n", "Line too long"),
        (b"".join(b"X-%d: v\r\n" % n for n in range(101)) + b"\r\n", "Too many headers"),
        (b" folded: first\r\n\r\n", "Folded first header line"),
        (b"no colon here\r\n\r\n", "Invalid header line"),
        (b"Host : example.test\r\n\r\n", "Invalid header line"),
        (b"Bad Name: value\r\n\r\n", "Invalid header line"),
        (b": no name\r\n\r\n", "Invalid header line"),
        (b"Content-Length: 3\r\ncontent-length: 4\r\n\r\n", "Conflicting Content-Length"),
    ],
)
def test_a_request_breaking_the_rules_gets_a_reason_to_refuse_it(raw, status):
    assert parse(raw).status == status


def test_a_repeated_equal_content_length_and_a_hundred_headers_are_accepted():
    assert parse(b"Content-Length: 3\r\nContent-Length: 3\r\n\r\n").status == ""
    hundred = b"".join(b"X-%d: v\r\n" % n for n in range(100)) + b"\r\n"
    assert len(parse(hundred).fields) == 100


def test_gevent_asks_of_its_headers_what_this_module_answers():
    """The pinned gevent's handler: where it reads headers, and what it asks of them."""
    read = inspect.getsource(pywsgi.WSGIHandler.read_request)
    assert "self.MessageClass(self.rfile, 0)" in read
    assert "self.headers.status" in read
    assert 'del self.headers["content-length"]' in read
    environ = inspect.getsource(pywsgi.WSGIHandler.get_environ)
    assert "self._headers()" in environ
    assert "self.headers.typeheader" in environ
    assert "self.headers.getheader('content-length')" in environ


def ask(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(request)
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
        return answer


@pytest.fixture
def server():
    seen: list[dict] = []

    def application(environ, start_response):
        seen.append(dict(environ))
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]

    served = pywsgi.WSGIServer(("127.0.0.1", 0), application, log=None, handler_class=Handler)
    served.start()
    yield served, seen
    served.stop(timeout=1)


def test_gevents_server_builds_the_environment_from_the_fields(server):
    served, seen = server
    answer = ask(
        served.server_port,
        b"POST /echo?x=1 HTTP/1.1\r\nHost: example.test\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 5\r\nCookie: a=1\r\nCookie: b=2\r\nX-Forwarded-For: 10.0.0.1\r\n"
        b"X_Forwarded_For: 6.6.6.6\r\nConnection: close\r\n\r\nhello",
    )
    assert answer.startswith(b"HTTP/1.1 200 OK")
    assert answer.endswith(b"hello")
    [environ] = seen
    assert environ["CONTENT_TYPE"] == "text/plain"
    assert environ["CONTENT_LENGTH"] == "5"
    assert environ["HTTP_COOKIE"] == "a=1; b=2"
    assert environ["HTTP_X_FORWARDED_FOR"] == "10.0.0.1"  # the "_" name cannot pose as it
    assert "HTTP_CONTENT_TYPE" not in environ
    assert environ["QUERY_STRING"] == "x=1"


def test_gevents_server_refuses_a_request_breaking_the_rules(server):
    served, seen = server
    answer = ask(
        served.server_port,
        b"POST / HTTP/1.1\r\nHost: example.test\r\nContent-Length: 1\r\n"
        b"Content-Length: 5\r\n\r\nhello",
    )
    assert answer.startswith(b"HTTP/1.1 400")
    assert seen == []


def test_a_keep_alive_connection_reads_one_request_after_another(server):
    served, seen = server
    with socket.create_connection(("127.0.0.1", served.server_port)) as client:
        for body in (b"one", b"three"):
            client.sendall(
                b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            answer = b""
            with gevent.Timeout(5):
                while not answer.endswith(body):
                    answer += client.recv(65536)
            assert answer.startswith(b"HTTP/1.1 200 OK")
    assert len(seen) == 2


class CountingHandler(Handler):
    writes: list[int] = []

    def _sendall(self, data) -> None:
        CountingHandler.writes.append(len(data))
        super()._sendall(data)


def serve_with(handler_class: type[pywsgi.WSGIHandler], application) -> pywsgi.WSGIServer:
    served = pywsgi.WSGIServer(("127.0.0.1", 0), application, log=None, handler_class=handler_class)
    served.start()
    return served


def answers(application, request: bytes) -> tuple[bytes, bytes, list[int]]:
    """The answer of gevent's own handler and of ours, and the sizes of our writes."""
    said = []
    for handler_class in (pywsgi.WSGIHandler, CountingHandler):
        CountingHandler.writes = []
        served = serve_with(handler_class, application)
        try:
            said.append(ask(served.server_port, request))
        finally:
            served.stop(timeout=1)
    ours_without_date, gevents_without_date = (
        b"\r\n".join(line for line in answer.split(b"\r\n") if not line.startswith(b"Date: "))
        for answer in (said[1], said[0])
    )
    return gevents_without_date, ours_without_date, CountingHandler.writes


def sized(body: bytes):
    def application(_environ, start_response):
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]

    return application


def chunked(*parts: bytes):
    def application(_environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter(parts)  # no length known: gevent sends chunks

    return application


GET = b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"


@pytest.mark.parametrize(
    ("application", "writes"),
    [
        (sized(b"4:40{}"), 1),  # a poll's answer: the head and the body in one write
        (sized(b""), 1),
        (chunked(b"first", b"second"), 3),  # the head with the first chunk, the second, the end
        (sized(b"x" * (ONE_WRITE_MAX + 1)), 2),  # too big to copy: written as gevent does
    ],
)
def test_a_response_is_the_same_bytes_in_fewer_writes(application, writes):
    gevents, ours, our_writes = answers(application, GET)
    assert ours == gevents
    assert len(our_writes) == writes


def test_gevent_writes_a_response_as_this_module_expects():
    """The pinned gevent's head-and-body write, which `Handler` replaces: a change there
    must be looked at here."""
    source = inspect.getsource(pywsgi.WSGIHandler._write_with_headers)
    for expected in ("self.finalize_headers()", "self.response_headers", "self._write(data)"):
        assert expected in source
    assert "b'%x\\r\\n' % len(data)" in inspect.getsource(pywsgi.WSGIHandler._write)
