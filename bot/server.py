"""Running the HTTP app under uvicorn with limits a public server needs (slow clients, too many clients)."""

from __future__ import annotations

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT_SECONDS = 10.0  # a client has this long to send a complete request head
KEEP_ALIVE_SECONDS = 5  # idle keep-alive connections are closed after this
MAX_CONCURRENT_CONNECTIONS = 256  # beyond this uvicorn answers 503 instead of queueing without bound


class HeadTimeoutH11(H11Protocol):
    """uvicorn's h11 protocol, plus a deadline for the request head.

    uvicorn's keep-alive timer is cancelled by any received byte, so a client that opens a connection
    and trickles (or never finishes) its headers would hold it forever.
    """

    head_timeout = HEADER_TIMEOUT_SECONDS

    def connection_made(self, transport) -> None:  # noqa: D102 (asyncio protocol interface)
        super().connection_made(transport)
        self._arm_head_timer()

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()  # the head never arrived

    def on_response_complete(self) -> None:  # noqa: D102
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_timer()  # the next request on this connection gets the same deadline

    def connection_lost(self, exc) -> None:  # noqa: D102
        self._cancel_head_timer()
        super().connection_lost(exc)


def server_config(app, host: str, port: int, **overrides) -> uvicorn.Config:
    """The uvicorn configuration `newsqa serve` uses (tests start servers with the same one)."""
    options = dict(host=host, port=port, log_level="info", access_log=False, http=HeadTimeoutH11,
                   timeout_keep_alive=KEEP_ALIVE_SECONDS, limit_concurrency=MAX_CONCURRENT_CONNECTIONS)
    options.update(overrides)
    return uvicorn.Config(app, **options)


def run_server(app, host: str, port: int) -> None:
    """Serve app until interrupted."""
    uvicorn.Server(server_config(app, host, port)).run()
