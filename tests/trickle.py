"""A server on 127.0.0.1 that answers one byte at a time, for ever: it passes every
per-read socket timeout and only a total deadline ends a call to it."""

from __future__ import annotations

import gc
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def trickling_server(interval: float = 0.2) -> Iterator[str]:
    """Its URL; each connection gets its answer a byte every ``interval`` seconds (status
    line, headers, then blanks) until the client hangs up or the server is closed."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve(connection: socket.socket) -> None:
        with connection:
            try:
                connection.recv(65536)
                head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                head += b"Content-Length: 1000000\r\n\r\n"
                for index in range(10**9):  # the status line and headers trickle too
                    if stop.is_set():
                        return
                    connection.sendall(head[index : index + 1] if index < len(head) else b" ")
                    time.sleep(interval)
            except OSError:
                return

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
        _settle()


def _settle() -> None:
    """Let the calls abandoned at their deadline end (the server hung up on them) and
    collect their sockets here, in the test that made them, not in a later one."""
    for thread in threading.enumerate():
        if thread.name == "deadline-call":
            thread.join(timeout=5)
    gc.collect()
