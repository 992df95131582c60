"""kombu connections for RabbitMQ (``amqp://``) and the embedded ``filesystem://`` transport."""

from __future__ import annotations

from pathlib import Path

from kombu import Connection

from stitch.common.settings import ServiceSettings


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
    return Connection(
        settings.broker_url,
        transport_options=kwargs.pop("transport_options", None) or transport_options(settings),
        connect_timeout=kwargs.pop("connect_timeout", 5),
        heartbeat=kwargs.pop("heartbeat", 0),
        **kwargs,
    )
