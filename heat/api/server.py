"""Serve a WSGI application over HTTP in a background thread (heat-api, heat-all, tests).

    server = HttpServer(app, "127.0.0.1", 8004).start()
    server.url        # http://127.0.0.1:8004
    server.stop()

HTTP/1.1 with keep-alive, connections served by a bounded pool of worker threads
(`workers`), no access log on stderr. Keep-alive is only safe when both ends agree where
every message ends, so each request is framed here rather than trusted to the app:

- the app reads its body through a reader limited to Content-Length; whatever it leaves
  unread is drained after the answer (or the connection closed), so a request answered
  early (401 before the body was read, then retried by keystoneauth1 on the same
  connection) never leaves bytes that would be parsed as the next request line;
- chunked request bodies are decoded (up to MAX_BODY) before the app sees them;
- answers to HEAD and 1xx/204/304 carry no body bytes; an answer without Content-Length
  (nor a body-less status) ends with `Connection: close`;
- `Connection: close` is honoured, HTTP/1.0 clients get one request per connection; an
  idle connection is closed after `keepalive_timeout` seconds. When other connections wait
  for a worker, the next answer says `Connection: close`, and a connection idle for
  IDLE_HANDOVER seconds is closed. Closing an idle connection races with a client that is
  just sending on it (it sees the connection drop, and may not retry a POST), so it is done
  only after that grace, never the moment someone else waits.

An app that raises DropConnection gets its connection closed with no answer at all
(localcloud's fault injection: a cloud that drops a request).
"""

from __future__ import annotations

import concurrent.futures
import io
import logging
import select
import socket
import sys
import threading
import time
from wsgiref import simple_server

LOG = logging.getLogger(__name__)

MAX_BODY = 64 * 1024 * 1024  # request bodies larger than this are refused (413)
MAX_DRAIN = 1024 * 1024  # unread request body bytes drained to keep a connection open
NO_BODY_STATUS = ("1", "204", "304")


class DropConnection(Exception):
    """Raised by an application to close the client's connection without any answer."""


class _BodyReader(io.RawIOBase):
    """wsgi.input: at most `length` bytes of `rfile`; knows how many are left."""

    def __init__(self, rfile, length: int):
        self._rfile = rfile
        self.left = length

    def readable(self):
        return True

    def read(self, size=-1):
        if self.left <= 0:
            return b""
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self._rfile.read(size)
        self.left -= len(data)
        if not data:
            self.left = 0
        return data

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size=-1):
        if self.left <= 0:
            return b""
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self._rfile.readline(size)
        self.left -= len(data)
        if not data:
            self.left = 0
        return data

    def drain(self, limit: int) -> bool:
        """Read and drop the unread rest of the body; False if more than `limit` is left."""
        if self.left > limit:
            return False
        while self.left > 0:
            if not self.read(min(self.left, 65536)):
                return False
        return True


class _BadRequest(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _read_chunked(rfile, limit: int) -> bytes:
    """A chunked request body (RFC 9112 7.1), trailers dropped."""
    body = bytearray()
    while True:
        line = rfile.readline(1026)
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise _BadRequest(400, "Malformed chunked request body") from None
        if size < 0 or len(body) + size > limit:
            raise _BadRequest(413, "Request body too large")
        if size == 0:
            while rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                pass
            return bytes(body)
        chunk = rfile.read(size)
        if len(chunk) != size or rfile.readline(3) not in (b"\r\n", b"\n"):
            raise _BadRequest(400, "Truncated chunked request body")
        body += chunk


class _ServerHandler(simple_server.ServerHandler):
    http_version = "1.1"

    def log_exception(self, exc_info):
        LOG.error("unhandled error in a WSGI application", exc_info=exc_info)

    def handle_error(self):
        if isinstance(sys.exc_info()[1], DropConnection):
            self.request_handler.close_connection = True  # and nothing is sent, nor logged
            return
        if self.headers_sent:  # the answer is cut short: only closing tells the client
            self.request_handler.close_connection = True
        super().handle_error()

    def _no_body(self) -> bool:
        return self.environ["REQUEST_METHOD"] == "HEAD" or (self.status or "").startswith(
            NO_BODY_STATUS
        )

    def cleanup_headers(self):
        super().cleanup_headers()
        request = self.request_handler
        if self._no_body():
            if self.status.startswith(NO_BODY_STATUS):
                del self.headers["Content-Length"]
        elif "Content-Length" not in self.headers:
            request.close_connection = True  # the body then ends when the connection does
        if (self.headers.get("Connection") or "").lower() == "close":
            request.close_connection = True
        if request.server.others_waiting():
            request.close_connection = True  # let a queued connection have this worker
        if request.close_connection:
            self.headers["Connection"] = "close"

    def write(self, data):
        if not self._no_body():
            return super().write(data)
        if not self.status:
            raise AssertionError("write() before start_response()")
        if not self.headers_sent:
            self.bytes_sent = len(data)
            self.send_headers()


# Seconds an idle keep-alive connection keeps its worker while other connections wait.
IDLE_HANDOVER = 1.0


class _Handler(simple_server.WSGIRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        LOG.debug("%s %s", self.address_string(), format % args)

    def get_stderr(self):
        return _LogStream()

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self):
        self.close_connection = True
        if not self._handle_one():
            return
        while not self.close_connection and self._next_request(self.server.keepalive_timeout):
            if not self._handle_one():
                return

    def _next_request(self, timeout: float) -> bool:
        """Wait for the next request on an idle connection; False: close it (idle for
        `timeout`, or for IDLE_HANDOVER while connections are queued for a worker)."""
        idle_since = time.monotonic()
        deadline = idle_since + timeout
        while True:
            self.connection.settimeout(0)
            try:
                if self.rfile.peek(1):  # already buffered, or just arrived
                    return True
            except OSError:
                pass
            finally:
                self.connection.settimeout(self.server.request_timeout)
            now = time.monotonic()
            left = deadline - now
            if left <= 0:
                return False
            if now - idle_since >= IDLE_HANDOVER and self.server.others_waiting():
                return False
            try:
                if select.select([self.connection], [], [], min(left, 0.1))[0]:
                    return True  # a request or the end; readline tells
            except (OSError, ValueError):
                return False

    def _handle_one(self) -> bool:
        """Serve one request; False when the connection is done."""
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (OSError, ValueError):
            return False
        if not self.raw_requestline:
            return False
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return False
        if not self.parse_request():
            return False
        if self.request_version == "HTTP/1.0":
            self.close_connection = True
        try:
            environ, body = self._environ()
        except _BadRequest as exc:
            self.close_connection = True
            self.send_error(exc.status, str(exc))
            return False
        handler = _ServerHandler(body, self.wfile, self.get_stderr(), environ, multithread=True)
        handler.request_handler = self
        handler.run(self.server.get_app())
        if isinstance(body, _BodyReader) and not body.drain(MAX_DRAIN):
            return False
        return not self.close_connection

    def _environ(self):
        environ = self.get_environ()
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = _read_chunked(self.rfile, MAX_BODY)
            environ["CONTENT_LENGTH"] = str(len(data))
            return environ, io.BytesIO(data)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise _BadRequest(400, "Bad Content-Length") from None
        if length < 0:
            raise _BadRequest(400, "Bad Content-Length")
        if length > MAX_BODY:
            raise _BadRequest(413, "Request body too large")
        return environ, _BodyReader(self.rfile, length)


class _LogStream:
    """wsgiref writes application errors to stderr; send them to the log instead."""

    def write(self, text):
        if text.strip():
            LOG.error("%s", text.rstrip())

    def flush(self):
        pass


class _Server(simple_server.WSGIServer):
    """Connections handed to a bounded thread pool; queued ones wait for a free worker."""

    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, handler, workers: int, keepalive_timeout: float):
        super().__init__(address, handler)
        self.keepalive_timeout = keepalive_timeout
        self.request_timeout = 60.0  # between bytes of one request or answer
        self._pool = concurrent.futures.ThreadPoolExecutor(workers, "http-worker")
        self._workers = workers
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._pending = 0  # connections accepted and not yet finished

    def others_waiting(self) -> bool:
        return self._pending > self._workers

    def process_request(self, request, client_address):
        with self._lock:
            self._open.add(request)
            self._pending += 1
        try:
            self._pool.submit(self._serve, request, client_address)
        except RuntimeError:  # shutting down
            self._forget(request)
            self.shutdown_request(request)

    def _serve(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self._forget(request)
            self.shutdown_request(request)

    def _forget(self, request):
        with self._lock:
            self._open.discard(request)
            self._pending -= 1

    def handle_error(self, request, client_address):
        LOG.debug("connection from %s failed", client_address, exc_info=True)

    def close_all(self):
        """Stop: end every open connection and wait for the workers."""
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._pool.shutdown(wait=True, cancel_futures=True)


class HttpServer:
    """`app` served on `host:port` (port 0: an ephemeral port) in a daemon thread."""

    def __init__(
        self,
        app,
        host: str = "127.0.0.1",
        port: int = 0,
        name: str = "http",
        *,
        workers: int = 32,
        keepalive_timeout: float = 15.0,
    ):
        self.app = app
        self.host = host
        self.name = name
        self.workers = workers
        self.keepalive_timeout = keepalive_timeout
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> HttpServer:
        server_class = _Server
        if ":" in self.host:
            server_class = type("_Server6", (_Server,), {"address_family": socket.AF_INET6})
        self._server = server_class(
            (self.host, self._requested_port), _Handler, self.workers, self.keepalive_timeout
        )
        self._server.set_app(self.app)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"{self.name}:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.close_all()
            self._thread.join()
            self._server = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def __enter__(self) -> HttpServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
