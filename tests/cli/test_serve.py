"""termnet serve checks its port before it says it serves: a busy one is one line, a free one is served."""

import socket
import sys
import types

import pytest

from termnet.cli import main


@pytest.fixture
def served(monkeypatch):
    """A stand-in for textual-serve's Server: records what it was asked to serve, serves nothing."""
    calls = []

    class Server:
        def __init__(self, command, host, port, title):
            calls.append((host, port))

        def serve(self):
            pass

    module = types.ModuleType("textual_serve.server")
    module.Server = Server
    monkeypatch.setitem(sys.modules, "textual_serve.server", module)
    return calls


def test_a_busy_port_is_refused_in_one_line_before_serving(served, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    out, err = capsys.readouterr()
    assert err == f"termnet: error: port {port} on 127.0.0.1 is in use: choose another with --port\n"
    assert "Serving" not in out and served == []


def test_a_free_port_is_served(served, capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free again once closed
    assert main(["serve", "--port", str(port)]) == 0
    assert served == [("127.0.0.1", port)]
    assert f"Serving the termnet dashboard on http://127.0.0.1:{port}" in capsys.readouterr().out


def test_a_host_that_cannot_be_served_on_is_one_line(served, capsys):
    # 192.0.2.1 is reserved for documentation (RFC 5737): no machine of ours has it, and no DNS is asked
    assert main(["serve", "--host", "192.0.2.1", "--port", "8000"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("termnet: error: cannot serve on 192.0.2.1 port 8000: ")
    assert served == []
