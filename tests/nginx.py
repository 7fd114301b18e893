"""Run deploy/nginx/healthsite.conf for real: rendered with this machine's
ports and paths, with a self-signed certificate, as a foreground nginx with
its own prefix. Used by tests/operations/test_nginx.py and bench/run.py.

Debian's nginx (``apt-get install nginx-light``) must be installed; nothing
here touches the system's nginx configuration or its running server.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "deploy" / "nginx" / "healthsite.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

# The sample's placeholders, each of which must be present exactly as here:
# a change to the sample that drops one fails loudly instead of testing a
# configuration nobody ships.
_UPSTREAM_BLOCK = re.compile(r"(upstream healthsite_app \{\n)(?:.*\n)*?(\})")
_PLACEHOLDERS = {
    "static": "/srv/healthsite/staticfiles/",
    "media": "/srv/healthsite/media/",
    "cache": "/var/cache/nginx/healthsite ",
    "certificate": "/etc/ssl/certs/health.example.org.pem",
    "key": "/etc/ssl/private/health.example.org.key",
}


@dataclass
class Nginx:
    """A running nginx: plain HTTP on ``http_port``, TLS on ``https_port``,
    both on 127.0.0.1, for the host name ``localhost``."""

    directory: Path
    http_port: int
    https_port: int
    process: subprocess.Popen
    certificate: Path
    context: ssl.SSLContext = field(repr=False)
    # bench/run.py's nginx-static ceiling, when it adds one (``extra``).
    static_port: int = 0

    def request(
        self,
        path: str,
        *,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        https: bool = True,
    ) -> tuple[int, http.client.HTTPMessage, str]:
        """One request through nginx, redirects not followed. Returns the
        status, the response headers and the body as text."""
        if https:
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                "localhost", self.https_port, context=self.context, timeout=10
            )
        else:
            connection = http.client.HTTPConnection("localhost", self.http_port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read().decode(errors="replace")
        finally:
            connection.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for ``localhost`` and 127.0.0.1, valid a day."""
    certificate, key = directory / "localhost.pem", directory / "localhost.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )  # fmt: skip
    return certificate, key


def render_sample(
    *,
    upstreams: list[str],
    http_port: int,
    https_port: int,
    static_root: Path,
    media_root: Path,
    cache_dir: Path,
    certificate: Path,
    key: Path,
) -> str:
    """The sample configuration with this machine's values put in place of
    its placeholders: upstream servers, listening ports (127.0.0.1 only),
    directories and certificate. Everything else is the sample as shipped.

    Raises ValueError when a placeholder is missing from the sample."""
    text = SAMPLE.read_text()
    values = {
        "static": f"{static_root}/",
        "media": f"{media_root}/",
        "cache": f"{cache_dir} ",
        "certificate": str(certificate),
        "key": str(key),
    }
    for name, placeholder in _PLACEHOLDERS.items():
        if text.count(placeholder) != 1:
            raise ValueError(f"the sample no longer has its {name} placeholder {placeholder!r}")
        text = text.replace(placeholder, values[name])
    servers = "".join(f"    server {address};\n" for address in upstreams)
    text, found = _UPSTREAM_BLOCK.subn(lambda m: m.group(1) + servers + m.group(2), text)
    if found != 1:
        raise ValueError("the sample no longer has its upstream healthsite_app block")
    listens = {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:80;": "",
        "listen [::]:443 ssl http2;": "",
    }
    for old, new in listens.items():
        if text.count(old) != 1:
            raise ValueError(f"the sample no longer has {old!r}")
        text = text.replace(old, new)
    return text


def start_nginx(
    directory: Path,
    *,
    upstreams: list[str],
    static_root: Path,
    media_root: Path,
    worker_processes: int = 1,
    extra: str = "",
    access_log: bool = True,
) -> Nginx:
    """Start nginx in the foreground with the rendered sample, its own
    prefix, pid file, logs and temporary directories under ``directory``,
    and wait until it answers. ``extra`` is appended to the http block, with
    ``{certificate}`` and ``{key}`` replaced by the test certificate's paths;
    ``access_log=False`` spares a benchmark the log writes."""
    directory.mkdir(parents=True, exist_ok=True)
    certificate, key = make_certificate(directory)
    http_port, https_port = free_port(), free_port()
    site = render_sample(
        upstreams=upstreams, http_port=http_port, https_port=https_port,
        static_root=static_root, media_root=media_root, cache_dir=directory / "cache",
        certificate=certificate, key=key,
    )  # fmt: skip
    site += extra.replace("{certificate}", str(certificate)).replace("{key}", str(key))
    (directory / "healthsite.conf").write_text(site)
    temp = directory / "temp"
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (temp / name).mkdir(parents=True, exist_ok=True)
    # As root, nginx's workers would run as "nobody", which cannot read
    # pytest's private temporary directories.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (directory / "nginx.conf").write_text(
        f"{user}daemon off;\nworker_processes {worker_processes};\n"
        f"pid {directory / 'nginx.pid'};\nerror_log {directory / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        "    default_type application/octet-stream;\n"
        "    sendfile on;\n"
        f"    access_log {directory / 'access.log' if access_log else 'off'};\n"
        f"    client_body_temp_path {temp / 'body'};\n"
        f"    proxy_temp_path {temp / 'proxy'};\n"
        f"    fastcgi_temp_path {temp / 'fastcgi'};\n"
        f"    uwsgi_temp_path {temp / 'uwsgi'};\n"
        f"    scgi_temp_path {temp / 'scgi'};\n"
        f"    include {directory / 'healthsite.conf'};\n"
        "}\n"
    )
    command = [NGINX, "-p", str(directory), "-c", str(directory / "nginx.conf"),
               "-e", str(directory / "error.log")]  # fmt: skip
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    if checked.returncode:
        raise RuntimeError(f"nginx refused the rendered sample:\n{checked.stderr}")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = ssl.create_default_context(cafile=str(certificate))
    server = Nginx(directory, http_port, https_port, process, certificate, context)
    deadline = time.monotonic() + 10
    while True:
        if process.poll() is not None:
            raise RuntimeError((directory / "error.log").read_text())
        try:
            with socket.create_connection(("127.0.0.1", https_port), timeout=1):
                return server
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError("nginx did not start listening") from None
            time.sleep(0.05)
