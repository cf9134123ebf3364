"""How a parse child hands its result to the parent: large tables as Arrow, the rest pickled.

A 50,000-lead workbook's weekly KPI sheet becomes 843,000 activity rows, about 100 MB. Pickled,
they take a fifth of a second to write and a tenth to read back, on the one path every upload
waits for. Written as Arrow's columnar format (IPC) they are copied buffer by buffer, and the
parent maps them back without copying the text. Everything else of the result (reports, small
frames, any frame Arrow would not give back exactly) stays pickled, with a reference to each
large table in its place.

Layout of the hand-over file: the pickled result's length (8 bytes), the pickled result, then
each large table as its length (8 bytes) and an Arrow IPC stream.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.ipc

# Below this many rows a table is pickled: Arrow's per-table cost is not worth it.
ARROW_ROWS = 1_000
_LENGTH = struct.Struct("<Q")
# Dtypes that Arrow gives back exactly as they went (with pandas' own metadata).
_EXACT = (pd.StringDtype, pd.Int64Dtype, pd.Float64Dtype, pd.BooleanDtype)


def as_arrow(frame: object) -> bool:
    """Whether a value is a table worth handing over as Arrow and given back exactly."""
    if not isinstance(frame, pd.DataFrame) or len(frame) < ARROW_ROWS:
        return False
    index = frame.index
    return (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
            and index.name is None and frame.columns.is_unique
            and all(isinstance(column, str) for column in frame.columns)
            and all(isinstance(dtype, _EXACT) or dtype == "datetime64[ns]"
                    for dtype in frame.dtypes))


class _Pickler(pickle.Pickler):
    """Pickles a result with each large table replaced by its number in `tables`."""

    def __init__(self, file: BinaryIO):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.tables: list[pd.DataFrame] = []

    def persistent_id(self, obj: object) -> int | None:
        if as_arrow(obj):
            self.tables.append(obj)
            return len(self.tables) - 1
        return None


class _Unpickler(pickle.Unpickler):
    """Unpickles a result, putting each large table back from its Arrow stream."""

    def __init__(self, file: BinaryIO, streams: list[pa.Buffer]):
        super().__init__(file)
        self.streams = streams

    def persistent_load(self, number: int) -> pd.DataFrame:
        table = pyarrow.ipc.open_stream(self.streams[number]).read_all()
        return table.to_pandas()


def write(result: object, file: BinaryIO) -> None:
    """Write a result to the hand-over file."""
    skeleton = io.BytesIO()
    pickler = _Pickler(skeleton)
    pickler.dump(result)
    file.write(_LENGTH.pack(skeleton.tell()))
    file.write(skeleton.getbuffer())
    for frame in pickler.tables:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        start = file.tell()
        file.write(_LENGTH.pack(0))  # the stream's length, written once it is known
        with pyarrow.ipc.new_stream(file, table.schema) as writer:
            writer.write_table(table)
        end = file.tell()
        file.seek(start)
        file.write(_LENGTH.pack(end - start - _LENGTH.size))
        file.seek(end)
    file.flush()


def read(file: BinaryIO) -> object:
    """Return the result in a hand-over file; a file that is not one whole result raises
    pickle.UnpicklingError."""
    try:
        whole = _mapped(file)
        length = _LENGTH.unpack_from(whole, 0)[0]
        skeleton = whole.slice(_LENGTH.size, length)
        streams, at = [], _LENGTH.size + length
        while at < whole.size:
            size = _LENGTH.unpack_from(whole, at)[0]
            streams.append(whole.slice(at + _LENGTH.size, size))
            at += _LENGTH.size + size
        return _Unpickler(io.BytesIO(skeleton.to_pybytes()), streams).load()
    except (struct.error, pa.ArrowException, IndexError) as error:
        raise pickle.UnpicklingError(f"not a whole hand-over file: {error}") from error


def _mapped(file: BinaryIO) -> pa.Buffer:
    """Return a file's bytes: mapped where the system names open files (the tables' text then
    stays in the mapped file, which lives as long as they do), else read."""
    path = f"/proc/self/fd/{file.fileno()}"
    if os.path.exists(path):
        return pa.memory_map(path).read_buffer()
    file.seek(0)
    return pa.py_buffer(file.read())
