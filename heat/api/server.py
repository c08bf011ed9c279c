"""Serve a WSGI application over HTTP in a background thread (heat-api, heat-all, tests).

    server = HttpServer(app, "127.0.0.1", 8004).start()
    server.url        # http://127.0.0.1:8004
    server.stop()

A thread per connection (wsgiref + ThreadingMixIn), HTTP/1.1 keep-alive, no access log on
stderr. The APIs do little per request besides a database lookup or an RPC call, so this
is enough for a development or small deployment; put a real WSGI server in front for more.
"""

from __future__ import annotations

import logging
import socketserver
import threading
from wsgiref import simple_server

LOG = logging.getLogger(__name__)


class _Handler(simple_server.WSGIRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        LOG.debug("%s %s", self.address_string(), format % args)

    def handle(self):
        # As WSGIRequestHandler.handle, looping for keep-alive connections.
        self.close_connection = True
        self._handle_one()
        while not self.close_connection:
            self._handle_one()

    def _handle_one(self):
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (OSError, ValueError):
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            self.close_connection = True
            return
        if not self.parse_request():
            return
        handler = _ServerHandler(
            self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=True
        )
        handler.request_handler = self
        handler.http_version = "1.1"
        handler.run(self.server.get_app())
        if handler.status is None or not handler.headers_sent:
            self.close_connection = True


class _ServerHandler(simple_server.ServerHandler):
    def log_exception(self, exc_info):
        LOG.error("unhandled error in a WSGI application", exc_info=exc_info)

    def cleanup_headers(self):
        super().cleanup_headers()
        # Keep-alive needs a length; bodies without one end the connection.
        if "Content-Length" not in self.headers:
            self.request_handler.close_connection = True
            self.headers["Connection"] = "close"


class _Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class HttpServer:
    """`app` served on `host:port` (port 0: an ephemeral port) in a daemon thread."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, name: str = "http"):
        self.app = app
        self.host = host
        self.name = name
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> HttpServer:
        self._server = _Server((self.host, self._requested_port), _Handler)
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
