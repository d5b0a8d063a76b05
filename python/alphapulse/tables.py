"""Structured arrays of frames as pandas DataFrames (pandas is an optional extra).

Columns: receive_time (when given), then timestamp, sequence, source from the header, then the
message's fields: InstrumentIds as their text ("Binance Pair BTCUSDT", each distinct id decoded
once), fixed-point fields as floats (or exact Decimals with decimals=True), Q64.64 likewise,
enumerated fields by name (numbers without a name kept as their digits), times (*_at, period_*,
created_at_sec) as UTC datetimes, byte arrays as 0x hex, texts as str, 128-bit integers as ints.
"""
import numpy as np

from .ids import texts
from .wire import LAYOUTS, PRICE_SCALE, Q64_ONE, VariableFrames, enum_name, int128, to_decimal


def _names(enum: str, values: np.ndarray):
    import pandas as pd
    unique, inverse = np.unique(values, return_inverse=True)
    labels = np.array([enum_name(enum, int(v)) or str(int(v)) for v in unique], dtype=object)
    return pd.Categorical(labels[inverse])


def to_pandas(frames, *, receive_time=None, decimals: bool = False):
    """One DataFrame for the frames of one type (a structured array from decode/read_capture)."""
    import pandas as pd
    if isinstance(frames, VariableFrames):
        frames = frames.fixed
    lay = LAYOUTS[int(frames["header"]["message_type"][0])] if len(frames) else None
    cols = {}
    if receive_time is not None:
        cols["receive_time"] = pd.to_datetime(np.asarray(receive_time, np.int64), unit="ns", utc=True)
    head = frames["header"]
    cols["timestamp"] = pd.to_datetime(head["timestamp"].astype(np.int64), unit="ns", utc=True)
    cols["sequence"] = head["sequence"]
    cols["source"] = _names("SourceType", head["source"])
    for f in (lay.fields if lay else ()):
        if f.kind == "pad":
            continue
        values = frames[f.name]
        if f.kind == "instrument":
            cols[f.name] = pd.Categorical(texts(values))
        elif f.enum:
            cols[f.name] = _names(f.enum, values)
        elif f.kind in ("u128", "i128"):
            big = int128(values)
            if f.unit == "q64":
                cols[f.name] = to_decimal(big, "q64") if decimals else big.astype(float) / Q64_ONE
            else:
                cols[f.name] = big
        elif f.unit == "fixed8":
            cols[f.name] = to_decimal(values) if decimals else values / PRICE_SCALE
        elif f.unit == "time_ns":
            cols[f.name] = pd.to_datetime(values.astype(np.int64), unit="ns", utc=True)
        elif f.unit == "time_s":
            cols[f.name] = pd.to_datetime(values.astype(np.int64), unit="s", utc=True)
        elif f.kind == "bytes":
            cols[f.name] = ["0x" + row.tobytes().hex() for row in values]
        elif f.kind == "text":
            cols[f.name] = np.char.decode(values, "utf-8", "replace")
        else:
            cols[f.name] = values
    return pd.DataFrame(cols)
