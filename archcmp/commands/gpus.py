"""``archcmp gpus``: the accelerator catalog."""

from archcmp.app import FormatOption, app
from archcmp.commands.deploy_options import HardwareOption, catalog


@app.command()
def gpus(format: FormatOption = "table", hardware: HardwareOption = None) -> None:
    """Every known accelerator: memory, bandwidth, dense peaks per dtype, interconnect, sources."""
    from archcmp.render.hardware_view import device_json, gpus_table
    from archcmp.render.tabular import emit

    devices = catalog(hardware).all()
    emit([gpus_table(devices, raw=format == "csv")], format, lambda: [device_json(d) for d in devices])
