#!/usr/bin/env python3
"""The pyarrow baseline for `cargo bench -p dataprep-storage --bench storage -- parquet_records`:
Parquet write and read of the same records held in memory.

Usage:
    python3 benches/parquet_pyarrow.py [target/bench-data/docs.jsonl] [--runs 10]

The records are the ones the Rust bench uses: the generated docs file, parsed once (not timed)
into a pyarrow Table. Prints the best of N runs of:
  write  pq.write_table(table, compression="zstd")  (zstd level 1, pyarrow's default level)
  read   pq.read_table(file)                         (to an Arrow table: columns, no rows)
  rows   pq.read_table(file).to_pylist()             (one dict per row: the equivalent of our
                                                       Records)
and the same reads of the file the Rust bench wrote (target/bench-data/docs.records.parquet,
zstd level 1 after a full run), to show both writers' files read alike.
"""

import argparse
import os
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", nargs="?", default="target/bench-data/docs.jsonl")
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    try:
        import pyarrow as pa
        import pyarrow.json as pj
        import pyarrow.parquet as pq
    except ImportError:
        print("pyarrow is not installed: pip install pyarrow", file=sys.stderr)
        return 2
    if not os.path.exists(args.input):
        print(f"{args.input} not found: run `cargo bench -p dataprep-storage --bench storage` first",
              file=sys.stderr)
        return 2
    size = os.path.getsize(args.input)
    table = pj.read_json(args.input)
    out = os.path.join(os.path.dirname(args.input), "docs.pyarrow.parquet")
    ours = os.path.join(os.path.dirname(args.input), "docs.records.parquet")
    print(f"input: {args.input} ({size / 1e6:.1f} MB, {table.num_rows} rows), pyarrow {pa.__version__}, "
          f"{pa.cpu_count()} CPU threads, best of {args.runs}")

    def best(fn):
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)

    def show(name, t):
        print(f"{name:<36} {t * 1e3:8.1f} ms  {size / t / 1e6:7.0f} MB/s")

    show("write_table zstd(1)", best(lambda: pq.write_table(table, out, compression="zstd")))
    show("read_table (pyarrow's file)", best(lambda: pq.read_table(out)))
    show("read_table + to_pylist (pyarrow's)", best(lambda: pq.read_table(out).to_pylist()))
    if os.path.exists(ours):
        show("read_table (dataprep's file)", best(lambda: pq.read_table(ours)))
        show("read_table + to_pylist (dataprep's)", best(lambda: pq.read_table(ours).to_pylist()))
        assert pq.read_table(ours).num_rows == table.num_rows
    print(f"file sizes: pyarrow {os.path.getsize(out) / 1e6:.1f} MB"
          + (f", dataprep {os.path.getsize(ours) / 1e6:.1f} MB" if os.path.exists(ours) else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
