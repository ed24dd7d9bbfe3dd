"""The lifecycle every loopback test server shares: serve from a daemon thread, stop cleanly."""

from __future__ import annotations

import threading
from http.server import HTTPServer
from types import TracebackType
from typing import Self


class Serving:
    """Start with `start()` or a `with` block; a subclass provides the server (`_make_server`),
    or sets `self._server` itself before starting."""

    _server: HTTPServer | None = None
    _thread: threading.Thread | None = None

    def _make_server(self) -> HTTPServer:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT` once started."""
        if self._server is None:
            raise RuntimeError("server not started; call start() or use it as a context manager")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        if self._thread is None:
            if self._server is None:
                self._server = self._make_server()
            # A short poll interval keeps stop() quick.
            self._thread = threading.Thread(
                target=self._server.serve_forever, args=(0.05,), name=type(self).__name__, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
