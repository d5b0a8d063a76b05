"""Where a domain's relay is, from a deployment file (docs/design/deployment.md).

Only what a client needs is read: `runtime_dir`, the top-level default `transport`, each domain's
`transport`/`type`, `path`/`socket` (unix_socket) or `address` (tcp), and `consumers:` entries
(subscriptions by client name). The relays validate the rest of the file themselves.
"""
import os
from typing import List, NamedTuple, Optional

from .wire import DOMAINS, layout

_TRANSPORT_SYNONYMS = {"channels": "channel", "message_bus": "channel"}


class ConfigError(ValueError):
    """A deployment file this client cannot use; says which file and key."""


class Endpoint(NamedTuple):
    domain: str
    transport: str                  # "unix_socket" or "tcp"
    path: Optional[str] = None      # unix_socket
    host: Optional[str] = None      # tcp
    port: Optional[int] = None
    config: Optional[str] = None    # the file it came from
    subscription: Optional[List[int]] = None  # from consumers:<name>:<domain>

    def describe(self) -> str:
        return self.path if self.transport == "unix_socket" else f"{self.host}:{self.port}"

    def not_running(self, why: str, waited: float) -> str:
        return (f"no {self.domain} relay at {self.describe()} ({why}, waited {waited:g} s). "
                f"Start it with `{self.start_hint()}")

    def start_hint(self) -> str:
        if self.config:
            return f"alphapulse relay {self.domain} --config {self.config}` (or `alphapulse up --config {self.config}`)"
        return f"alphapulse relay {self.domain} --socket {self.path}` (or `alphapulse up`)"


def runtime_dir(section: Optional[dict] = None) -> str:
    if section and section.get("runtime_dir"):
        return str(section["runtime_dir"])
    return os.environ.get("ALPHAPULSE_RUNTIME_DIR") or "/tmp/alphapulse"


def _load_yaml(path: str) -> dict:
    try:
        import yaml
    except ImportError:
        raise ConfigError(f"{path}: reading a deployment file needs PyYAML (apt-get install python3-yaml)") from None
    try:
        with open(path) as fh:
            doc = yaml.safe_load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such deployment file") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("alphapulse"), dict):
        raise ConfigError(f"{path}: a deployment file's only top-level key is 'alphapulse:'")
    return doc["alphapulse"]


def _parse_address(value: str, where: str):
    text = str(value)
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ConfigError(f"{where}: '{text}' is not host:port with a port of 1 to 65535")
    return host.strip("[]"), int(port)


def endpoint(domain: str, config: Optional[str] = None, name: Optional[str] = None) -> Endpoint:
    """The relay a client of `domain` connects to: from `config`, or the default deployment
    (every domain's Unix socket under the runtime directory)."""
    if domain not in DOMAINS or domain == "custom":
        raise ConfigError(f"unknown domain {domain!r}; one of market_data, signals, execution, system")
    if config is None:
        return Endpoint(domain, "unix_socket", path=os.path.join(runtime_dir(), f"{domain}.sock"))
    top = _load_yaml(config)
    section = top.get(domain)
    if domain not in top:
        raise ConfigError(f"{config}: alphapulse.{domain}: the domain is not configured in this file")
    section = section or {}
    transport = section.get("transport", section.get("type", top.get("transport")))
    transport = _TRANSPORT_SYNONYMS.get(transport, transport)
    subscription = None
    consumer = (top.get("consumers") or {}).get(name) if name else None
    if consumer and domain in consumer:
        subscription = [layout(t).type if isinstance(t, str) else int(t)
                        for t in (consumer[domain] or {}).get("message_types", [])]
    where = f"{config}: alphapulse.{domain}"
    if transport == "unix_socket":
        path = section.get("path", section.get("socket")) or os.path.join(runtime_dir(top), f"{domain}.sock")
        return Endpoint(domain, "unix_socket", path=str(path), config=config, subscription=subscription)
    if transport == "tcp":
        if "address" not in section:
            raise ConfigError(f"{where}.address: a tcp domain needs its relay's host:port")
        host, port = _parse_address(section["address"], where + ".address")
        return Endpoint(domain, "tcp", host=host, port=port, config=config, subscription=subscription)
    if transport is None:
        raise ConfigError(f"{where}: no transport (and no top-level default)")
    raise ConfigError(f"{where}: transport {transport!r}; the Python client connects to unix_socket and tcp relays "
                      f"(shared_memory, channel and nats domains need the C++ client)")
