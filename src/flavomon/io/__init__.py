"""File formats: netCDF4 datasets with provenance (INTERFACES.md "Files").

Numerics never import this package; workflows and the CLI do.
"""

from ._netcdf import (
    check_output_path,
    merge_complex,
    provenance_attrs,
    read_dataset,
    split_complex,
    write_dataset,
)

__all__ = [
    "check_output_path",
    "merge_complex",
    "provenance_attrs",
    "read_dataset",
    "split_complex",
    "write_dataset",
]
