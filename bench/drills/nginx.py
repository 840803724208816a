"""nginx in front of the drill's gateway instances, as deploy/nginx/ekomunat-gateway.conf puts it.

The same upstream choices as the deployment's site (passive health with ``max_fails``, a POST
never resent once it reached an instance, ``proxy_next_upstream error timeout``), on a free
loopback port in plain HTTP: the drill measures fail-over, not TLS. Its configuration, pid,
logs and temporary files live in the drill's own folder, so the machine's nginx is untouched.
"""

from __future__ import annotations

import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from bench.stack import Child, free_port

CONFIG = """\
{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
daemon off;
events {{ worker_connections 2048; }}
http {{
    access_log off;
    client_body_temp_path {folder}/tmp/body;
    proxy_temp_path {folder}/tmp/proxy;
    fastcgi_temp_path {folder}/tmp/fastcgi;
    uwsgi_temp_path {folder}/tmp/uwsgi;
    scgi_temp_path {folder}/tmp/scgi;
    upstream ekomunat_gateway {{
{servers}
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 1m;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_connect_timeout 2s;
        proxy_send_timeout 30s;
        proxy_read_timeout 30s;
        proxy_next_upstream error timeout;
        proxy_next_upstream_tries 2;
        location / {{
            proxy_pass http://ekomunat_gateway;
        }}
    }}
}}
"""


def nginx_available() -> bool:
    return shutil.which("nginx") is not None


class Nginx(Child):
    """``nginx -c <folder>/nginx.conf`` balancing over ``upstream_ports``."""

    def __init__(self, log_dir: Path, upstream_ports: Sequence[int]) -> None:
        folder = log_dir / "nginx"
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (folder / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        servers = "\n".join(
            f"        server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;"
            for port in upstream_ports
        )
        # As root, nginx's workers would switch to nobody, who cannot write the folder.
        user = "user root root;\n" if os.geteuid() == 0 else ""
        config = folder / "nginx.conf"
        config.write_text(CONFIG.format(user=user, folder=folder, servers=servers, port=self.port))
        nginx = shutil.which("nginx") or "nginx"
        super().__init__("nginx", [nginx, "-p", str(folder), "-c", str(config)], log_dir)

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base}/health", timeout=2):
                return True
        except (OSError, urllib.error.URLError):
            return False
