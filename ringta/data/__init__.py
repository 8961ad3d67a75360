"""Bar sources (memory, CSV, Parquet) and the synthetic bar generator."""

from .sources import BarSource, CsvSource, MemorySource, ParquetSource, SourceError, read_csv_bars, write_parquet_bars
from .synthetic import generate_minute_bars

__all__ = ["BarSource", "CsvSource", "MemorySource", "ParquetSource", "SourceError", "read_csv_bars",
           "write_parquet_bars", "generate_minute_bars"]
