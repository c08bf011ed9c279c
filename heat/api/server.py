"""Serve a WSGI application over HTTP in a background thread (heat-api, heat-all, tests).

    server = HttpServer(app, "127.0.0.1", 8004).start()
    server.url        # http://127.0.0.1:8004
    server.stop()

A thread per connection (wsgiref + ThreadingMixIn), one request per connection, no access
log on stderr. The APIs do little per request besides a database lookup or an RPC call, so this
is enough for a development or small deployment; put a real WSGI server in front for more.
"""

from __future__ import annotations

import logging
import socketserver
import threading
from wsgiref import simple_server

LOG = logging.getLogger(__name__)


class _Handler(simple_server.WSGIRequestHandler):
    def log_message(self, format, *args):
        LOG.debug("%s %s", self.address_string(), format % args)

    def get_stderr(self):
        return _LogStream()


class _LogStream:
    """wsgiref writes application errors to stderr; send them to the log instead."""

    def write(self, text):
        if text.strip():
            LOG.error("%s", text.rstrip())

    def flush(self):
        pass


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
