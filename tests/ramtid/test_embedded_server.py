"""The demo's web pages and a bot worker's webhook are uvicorn inside the process. A port
taken between looking and binding ends that server, not the process (uvicorn calls
``sys.exit`` when it cannot bind, which in a task would end the demo)."""

from __future__ import annotations

import socket

import uvicorn
from fastapi import FastAPI

from ramtid.wiring import EmbeddedServer


async def test_a_port_taken_ends_only_the_server() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        config = uvicorn.Config(
            FastAPI(), host="127.0.0.1", port=port, lifespan="off", log_config=None
        )
        server = EmbeddedServer(config)
        await server.serve_here()  # returns: no SystemExit reaches the caller
        assert not server.started
