"""heat.api.server.HttpServer: HTTP/1.1 keep-alive framing and the bounded worker pool."""

from __future__ import annotations

import http.client
import socket
import threading
import time

import pytest
import requests

from heat.api.server import DropConnection, HttpServer


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/unread":  # answers before reading the body, like a 401
        start_response("401 Unauthorized", [("Content-Type", "text/plain")])
        return [b"no"]
    if path == "/empty":
        start_response("204 No Content", [])
        return []
    if path == "/stream":  # no Content-Length: the connection must end the body
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter([b"a", b"b"])
    if path == "/slow":
        time.sleep(0.3)
    if path == "/drop":
        raise DropConnection()
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    answer = b"%s %s %s" % (environ["REQUEST_METHOD"].encode(), path.encode(), body)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [answer]


def greedy_app(environ, start_response):
    # Reads wsgi.input to EOF without looking at CONTENT_LENGTH.
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]


@pytest.fixture
def server():
    with HttpServer(app, workers=4, keepalive_timeout=2) as running:
        yield running


def _connection(server):
    return http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)


def _local_port(conn) -> int:
    return conn.sock.getsockname()[1]


def test_requests_share_one_connection(server):
    conn = _connection(server)
    conn.request("GET", "/a")
    first = conn.getresponse()
    assert first.read() == b"GET /a "
    assert first.getheader("Connection") is None
    port = _local_port(conn)
    conn.request("POST", "/b", body=b"hello")
    assert conn.getresponse().read() == b"POST /b hello"
    assert _local_port(conn) == port


def test_an_unread_body_does_not_become_the_next_request(server):
    conn = _connection(server)
    conn.request("POST", "/unread", body=b"GET /evil HTTP/1.1\r\n\r\n" * 10)
    answer = conn.getresponse()
    assert answer.status == 401 and answer.read() == b"no"
    conn.request("GET", "/after")
    assert conn.getresponse().read() == b"GET /after "


def test_head_and_204_answers_have_no_body(server):
    conn = _connection(server)
    conn.request("HEAD", "/h")
    head = conn.getresponse()
    assert head.status == 200 and head.getheader("Content-Length") == str(len(b"HEAD /h "))
    assert head.read() == b""
    conn.request("GET", "/empty")
    empty = conn.getresponse()
    assert empty.status == 204 and empty.read() == b""
    conn.request("GET", "/next")
    assert conn.getresponse().read() == b"GET /next "


def test_an_answer_without_length_closes_the_connection(server):
    conn = _connection(server)
    conn.request("GET", "/stream")
    answer = conn.getresponse()
    assert answer.getheader("Connection") == "close"
    assert answer.read() == b"ab"


def test_chunked_request_bodies_are_decoded(server):
    conn = _connection(server)
    conn.request("POST", "/c", body=iter([b"hel", b"lo"]), encode_chunked=True)
    assert conn.getresponse().read() == b"POST /c hello"
    conn.request("GET", "/d")
    assert conn.getresponse().read() == b"GET /d "


def test_connection_close_and_http_1_0_are_honoured(server):
    conn = _connection(server)
    conn.request("GET", "/x", headers={"Connection": "close"})
    answer = conn.getresponse()
    assert answer.getheader("Connection") == "close" and answer.read() == b"GET /x "
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /old HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):  # the server closes: recv returns b""
            data += chunk
    assert data.endswith(b"GET /old ")


def test_drop_connection_closes_a_kept_alive_connection_without_an_answer(server, caplog):
    conn = _connection(server)
    conn.request("GET", "/first")
    assert conn.getresponse().read() == b"GET /first "
    conn.sock.sendall(b"GET /drop HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.sock.recv(4096) == b""  # closed, not one byte of an answer
    assert caplog.records == []  # a drop on purpose is not an error to log
    again = _connection(server)
    again.request("GET", "/after")
    assert again.getresponse().read() == b"GET /after "


def test_a_reader_without_length_stops_at_the_body_end():
    with HttpServer(greedy_app) as running:
        conn = _connection(running)
        conn.request("POST", "/", body=b"exactly this")
        assert conn.getresponse().read() == b"exactly this"
        conn.request("POST", "/", body=b"and this")
        assert conn.getresponse().read() == b"and this"


def test_malformed_requests_get_400_not_a_hang(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"POST /x HTTP/1.1\r\nContent-Length: nope\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 400")


def test_more_keepalive_clients_than_workers_are_all_served():
    with HttpServer(app, workers=2, keepalive_timeout=30) as running:
        sessions = [requests.Session() for _ in range(5)]
        for _ in range(3):
            for n, session in enumerate(sessions):
                answer = session.get(f"{running.url}/s{n}", timeout=5)
                assert answer.text == f"GET /s{n} "


def test_concurrent_clients(server):
    errors, done = [], []

    def client(n):
        try:
            with requests.Session() as session:
                for i in range(20):
                    answer = session.post(f"{server.url}/p", data=f"{n}-{i}", timeout=5)
                    assert answer.text == f"POST /p {n}-{i}"
            done.append(n)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(done) == 8


def test_stop_ends_idle_connections_promptly():
    running = HttpServer(app, keepalive_timeout=60).start()
    conn = _connection(running)
    conn.request("GET", "/a")
    conn.getresponse().read()
    started = time.monotonic()
    running.stop()
    assert time.monotonic() - started < 2
