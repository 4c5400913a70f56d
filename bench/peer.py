"""The peer: the Community Solid Server serving a 2 KB resource under a Web Access Control list,
file-backed, on 127.0.0.1. It is installed under `bench/.peer/` on first use (npm), never
committed, and started and stopped by the benchmark.

A Solid pod is the nearest open-source cousin of a client-owned dossier: the resource it serves is
plain text behind an access check, where ours is encrypted, signed and audited."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PACKAGE = "@solid/community-server@7.2.0"
HOME = Path(__file__).resolve().parent / ".peer"
SERVER = HOME / "node_modules" / ".bin" / "community-solid-server"
RESOURCE = "/note.txt"
READ_FOR_EVERYONE = """@prefix acl: <http://www.w3.org/ns/auth/acl#>.
@prefix foaf: <http://xmlns.com/foaf/0.1/>.
<#public> a acl:Authorization; acl:agentClass foaf:Agent;
    acl:accessTo <./note.txt>; acl:mode acl:Read.
"""


def wanted() -> bool:
    return os.environ.get("DOSSIER_BENCH_PEER") == "css"


def install() -> None:
    if SERVER.exists():
        return
    if shutil.which("npm") is None:
        raise RuntimeError("DOSSIER_BENCH_PEER=css needs Node.js and npm")
    HOME.mkdir(exist_ok=True)
    subprocess.run(  # noqa: S603 - a pinned package into our own folder
        ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(HOME), PACKAGE],  # noqa: S607
        check=True,
        timeout=600,
    )


@contextmanager
def css(root: Path, port: int, serving) -> Iterator[str]:
    """Serve a fresh pod from `root`; yield the path of the 2 KB resource."""
    install()
    root.mkdir(parents=True, exist_ok=True)
    (root / "note.txt").write_bytes((b"Een regel tekst in een dossier.\n" * 64)[:2048])
    (root / "note.txt.acl").write_text(READ_FOR_EVERYONE)
    command = [
        str(SERVER),
        "--config",
        "@css:config/file-root.json",
        "--rootFilePath",
        str(root),
        "--port",
        str(port),
        "--baseUrl",
        f"http://127.0.0.1:{port}/",
        "--loggingLevel",
        "error",
    ]
    with serving(command, {}, port, wait=60.0):
        yield RESOURCE
