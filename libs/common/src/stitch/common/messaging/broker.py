"""kombu connections for RabbitMQ (``amqp://``) and the embedded ``filesystem://`` transport."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from time import monotonic

from kombu import Connection
from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

from stitch.common.settings import ServiceSettings


class _AtomicFilesystemChannel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Write the message under a name no consumer looks for, then rename it into place.

        kombu writes the ``.msg`` file where consumers list it, and a consumer moves a file away
        without taking its lock: caught mid-write, it reads nothing, fails to decode it, and the
        message is gone. A rename within one folder is atomic, so a consumer sees all or nothing.
        """
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        partial = os.path.join(self.data_folder_out, f"partial-{uuid.uuid4()}")  # "partial-…" is no queue's
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, os.path.join(self.data_folder_out, name))
        except OSError as exc:
            raise ChannelError(f"Cannot add file {name!r} to directory") from exc


class AtomicFilesystemTransport(filesystem.Transport):
    """kombu's ``filesystem://`` transport whose messages appear whole (the embedded broker)."""

    Channel = _AtomicFilesystemChannel


def transport_options(settings: ServiceSettings) -> dict:
    if settings.broker_url.startswith("filesystem://"):
        # One shared folder for every process: in and out must be the same directory, and the
        # control folder holds the exchange→queue bindings that make topic routing work across
        # processes (reference/tooling.md §1).
        root = (settings.var_dir / "broker").resolve()
        data, control = root / "data", root / "control"
        for folder in (data, control, root / "processed"):
            Path(folder).mkdir(parents=True, exist_ok=True)
        return {
            "data_folder_in": str(data),
            "data_folder_out": str(data),
            "control_folder": str(control),
            "processed_folder": str(root / "processed"),
            "store_processed": False,
            "polling_interval": 0.05,
        }
    if settings.broker_url.startswith(("amqp://", "pyamqp://", "amqps://")):
        return {"confirm_publish": True}
    return {}


def connect(settings: ServiceSettings, **kwargs) -> Connection:
    if settings.broker_url.startswith("filesystem://"):
        kwargs.setdefault("transport", AtomicFilesystemTransport)
    return Connection(
        settings.broker_url,
        transport_options=kwargs.pop("transport_options", None) or transport_options(settings),
        connect_timeout=kwargs.pop("connect_timeout", 5),
        heartbeat=kwargs.pop("heartbeat", 0),
        **kwargs,
    )
