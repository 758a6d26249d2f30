"""Python `webdataset` on the same workload as `cargo bench -p dataprep-storage --bench storage -- webdataset`.

4,000 samples of an 8 KiB random "image" (.jpg), a caption (.txt) and a JSON member with a label,
written as 1,000-sample tar shards with `webdataset.ShardWriter`, then read back with
`webdataset.WebDataset` (no decoding: raw bytes per member, as our reader gives). Best of N runs.

    python3 benches/webdataset_py.py [--runs 5] [--dir target/bench-data/wds-py]
"""
import argparse, glob, json, os, shutil, time

import webdataset as wds


def samples():
    rnd = os.urandom  # content does not matter for tar throughput
    for i in range(4000):
        yield {"__key__": f"s{i:06}", "jpg": rnd(8192), "txt": f"caption number {i}",
               "json": {"label": i % 10}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", default="target/bench-data/wds-py")
    a = ap.parse_args()
    data = list(samples())
    best_w = best_r = float("inf")
    for _ in range(a.runs):
        shutil.rmtree(a.dir, ignore_errors=True)
        os.makedirs(a.dir)
        t = time.perf_counter()
        with wds.ShardWriter(os.path.join(a.dir, "shard-%06d.tar"), maxcount=1000, verbose=0) as w:
            for s in data:
                w.write(s)
        best_w = min(best_w, time.perf_counter() - t)
        files = sorted(glob.glob(os.path.join(a.dir, "*.tar")))
        t = time.perf_counter()
        n = sum(1 for _ in wds.WebDataset(files, shardshuffle=False, empty_check=False))
        best_r = min(best_r, time.perf_counter() - t)
        assert n == 4000, n
    size = sum(os.path.getsize(f) for f in files)
    print(f"webdataset {wds.__version__}: {size / 1e6:.1f} MB; write {best_w * 1e3:.0f} ms "
          f"({size / best_w / 1e6:.0f} MB/s); read {best_r * 1e3:.0f} ms ({size / best_r / 1e6:.0f} MB/s)")


if __name__ == "__main__":
    main()
