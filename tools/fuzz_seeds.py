#!/usr/bin/env python3
"""Writes the seed corpora of the storage and subtitle fuzz targets (fuzz/corpus/<target>/).

Small valid files plus slightly broken variants (truncated, a flipped byte, a bad line), a few
KB each. Parquet and Arrow IPC seeds are written with pyarrow (any recent version; 26.0.1 was
used): `python3 -m venv /tmp/v && /tmp/v/bin/pip install pyarrow && /tmp/v/bin/python
tools/fuzz_seeds.py`. Deterministic: the same pyarrow version gives the same bytes.
"""
import gzip
import io
import os
import tarfile

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "corpus")


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def flip(data, at):
    b = bytearray(data)
    b[at % len(b)] ^= 0x5A
    return bytes(b)


# ---- JSONL
docs = (
    '{"id": 1, "text": "hello", "score": 0.5, "ok": true}\n'
    '{"id": "b", "text": "caf\\u00e9 \\ud83d\\ude00", "tags": ["x", "y"], "meta": {"n": null}}\n'
    "\n"
    '{"text": "no id", "nested": {"a": [1, 2, {"b": 3}]}, "big": 18446744073709551615}\n'
)
put("jsonl", "valid.jsonl", docs)
put("jsonl", "bom_crlf.jsonl", "\ufeff" + docs.replace("\n", "\r\n"))
put("jsonl", "broken.jsonl", docs + '{"id": 2, "text": "unterminated\n[1, 2]\n"x"\n{"a":1}')
put("jsonl", "long_line.jsonl", '{"text": "' + "a" * 1500 + '"}\n{"id": 3}\n')
put("jsonl", "bad_utf8.jsonl", b'{"text": "\xff\xfe"}\n{"id": 4}\n')
put("jsonl", "valid.jsonl.gz", gzip.compress(docs.encode(), mtime=0))
put("jsonl", "truncated.jsonl.gz", gzip.compress(docs.encode(), mtime=0)[:-9])

# ---- CSV
csv = 'id,text,n,f,b\na,"x, ""y""",3,1.5,true\nb,,007,-0.0,false\nc,"multi\nline",,nan,\n'
put("csv", "valid.csv", csv)
put("csv", "semicolon.csv", csv.replace(",", ";"))
put("csv", "ragged.csv", csv + "d,only two\ne,1,2,3,4,5,6\n")
put("csv", "bad_utf8.csv", b"id,text\n1,\xc3\x28\n2,ok\n")
put("csv", "quote_open.csv", 'id,text\n1,"never closed\n2,x\n')

# ---- WebDataset tar
def tar(members, fmt=tarfile.USTAR_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


samples = [
    ("s0.jpg", bytes(range(40))),
    ("s0.txt", b"a cat"),
    ("s0.json", b'{"label": 3, "w": 1.5}'),
    ("s1.jpg", b"\xff\xd8\xff"),
    ("s1.txt", "ünïcode".encode()),
    ("dir/s2.seg.png", b"\x89PNG"),
    ("dir/s2.cls", b"7"),
    ("README", b"no extension: skipped"),
    ("s3.json", b"not json"),
]
good = tar(samples)
put("webdataset", "valid.tar", good)
put("webdataset", "pax.tar", tar(samples[:3] + [("x" * 120 + ".txt", b"long name")], tarfile.PAX_FORMAT))
put("webdataset", "truncated.tar", good[:1300])
put("webdataset", "bad_checksum.tar", flip(good, 150))
put("webdataset", "big_member.tar", tar([("b.bin", b"\0" * 200), ("b.txt", b"x")]))

# ---- Parquet
table = pa.table(
    {
        "id": pa.array(["a", "b", None, "d"]),
        "n": pa.array([1, None, 3, 2**40], pa.int64()),
        "f": pa.array([0.5, float("nan"), None, -1.0], pa.float32()),
        "ok": pa.array([True, False, None, True]),
        "blob": pa.array([b"\x00\x01", b"", None, b"xyz"], pa.binary()),
        "tags": pa.array([["x"], [], None, ["y", "z"]], pa.list_(pa.string())),
        "meta": pa.array([{"k": 1}, {"k": None}, None, {"k": 4}], pa.struct([("k", pa.int32())])),
        "cat": pa.array(["u", "v", "u", None]).dictionary_encode(),
    }
)
for codec in ["none", "snappy", "zstd", "gzip", "lz4"]:
    buf = io.BytesIO()
    pq.write_table(table, buf, compression=codec, row_group_size=3, write_statistics=codec == "zstd")
    data = buf.getvalue()
    put("parquet", f"{codec}.parquet", data)
    if codec == "snappy":
        put("parquet", "truncated.parquet", data[: len(data) // 2] + data[-8:])
        put("parquet", "flipped.parquet", flip(data, len(data) // 3))
buf = io.BytesIO()
pq.write_table(pa.table({"t": pa.array(["x" * 50] * 20)}), buf, compression="none",
               use_dictionary=False, data_page_version="2.0", data_page_size=64)
put("parquet", "pages_v2.parquet", buf.getvalue())

# ---- Arrow IPC (file and stream)
small = table.drop_columns(["cat"])
for fmt, new in [("file", ipc.new_file), ("stream", ipc.new_stream)]:
    buf = io.BytesIO()
    with new(buf, small.schema) as w:
        for b in small.to_batches(max_chunksize=2):
            w.write_batch(b)
    data = buf.getvalue()
    put("ipc", f"valid.{fmt}.arrow", data)
    put("ipc", f"truncated.{fmt}.arrow", data[: len(data) * 2 // 3])
    put("ipc", f"flipped.{fmt}.arrow", flip(data, len(data) // 2))
buf = io.BytesIO()
cat = pa.record_batch([table.column("cat").combine_chunks()], names=["cat"])
with ipc.new_stream(buf, cat.schema) as w:
    w.write_batch(cat)
put("ipc", "dictionary.stream.arrow", buf.getvalue())

# ---- Subtitles
srt = (
    "1\n00:00:01,000 --> 00:00:02,500\n<i>Hello</i> &amp; welcome\n\n"
    "2\n00:00:03,000 --> 00:00:04,000\nTwo\nlines\n\n"
    "3\n00:00:05,000 --> 00:00:04,000\nend before start\n\n"
    "4\n99:59:59,999 --> 100:00:00,000\nlate\n"
)
put("subtitles", "valid.srt", srt)
put("subtitles", "crlf_bom.srt", "\ufeff" + srt.replace("\n", "\r\n"))
put("subtitles", "broken.srt", "1\n00:00:01 --> xx\nbad\n\nno timing\n\ntext\nmore\n00:00:01.000 --> 00:00:02.000\n")
put(
    "subtitles",
    "valid.vtt",
    "WEBVTT - title\n\nNOTE a comment\n\nSTYLE\n::cue { color: red }\n\n"
    "intro\n00:01.000 --> 00:02.000 align:start position:10%\n<v Roger>Hi <b>there</b>\n\n"
    "00:00:03.500 --> 00:00:05.000\n&lt;tag&gt;&nbsp;x\n",
)
put("subtitles", "ass_events.txt", "0,0,Default,,0,0,0,,{\\i1}Hello{\\i0}\\Nworld\nDialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,a\\hb\n")
