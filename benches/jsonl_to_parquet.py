#!/usr/bin/env python3
"""The pyarrow baseline for the dataprep-storage benchmark: JSONL -> Parquet (zstd).

Usage:
    python3 benches/jsonl_to_parquet.py [target/bench-data/docs.jsonl] [--runs 5]

The input is the file the Rust bench generates on its first run
(`cargo bench -p dataprep-storage --bench storage`), so both sides read the same bytes.
Prints, for the best of N runs: pyarrow.json.read_json alone (parse) and read_json +
pyarrow.parquet.write_table(compression="zstd") (convert), in seconds and MB/s (10^6 bytes/s).
"""

import argparse
import os
import sys
import tempfile
import time


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", nargs="?", default="target/bench-data/docs.jsonl")
    ap.add_argument("--runs", type=int, default=5)
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
    print(f"input: {args.input} ({size / 1e6:.1f} MB), pyarrow {pa.__version__}, "
          f"{pa.cpu_count()} CPU threads, best of {args.runs}")

    def best(fn):
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)

    rows = pj.read_json(args.input).num_rows
    t_parse = best(lambda: pj.read_json(args.input))
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "docs.parquet")

        def convert():
            pq.write_table(pj.read_json(args.input), out, compression="zstd")

        t_convert = best(convert)
        out_size = os.path.getsize(out)
    print(f"rows: {rows}, parquet: {out_size / 1e6:.1f} MB")
    print(f"pyarrow read_json:              {t_parse:.3f} s  {size / 1e6 / t_parse:8.1f} MB/s")
    print(f"pyarrow read_json+write_table:  {t_convert:.3f} s  {size / 1e6 / t_convert:8.1f} MB/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
