"""Hostile inputs (issue 15): time and peak memory of `feedback-mining run` on each, as a Markdown table.

    python benchmarks/hostile_inputs.py --dir /tmp/hostile --timeout 60 [--cases wide_header,deep_json]

Each case is generated into --dir (a few MB on disk; the XLSX sheets expand to up to 1 GiB in memory when read)
and run as `python -m feedback_mining run --surveys FILE --out OUT --quiet --no-history`, its peak resident
memory taken from wait4, with an address-space cap (--max-gb) so a runaway reader is stopped before it takes
the machine, and killed after --timeout seconds.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

HEADER = "response_id,touchpoint,submitted_at,ces,comment"
ROW = '<row><c t="inlineStr"><is><t>x</t></is></c></row>'


def wide_header(path: Path) -> Path:  # 7.9 MB: one header line of 1,000,000 columns
    path.write_text(",".join(f"c{i:06d}" for i in range(1_000_000)) + "\nR1\n")
    return path


def long_line(path: Path) -> Path:  # 200 MB, no newline at all
    with path.open("wb") as f:
        f.write(HEADER.encode() + b",")
        for _ in range(200):
            f.write(b"x" * (1 << 20))
    return path


def deep_json(path: Path) -> Path:  # one good line, then one nested 100,000 deep
    good = '{"response_id": "R1", "touchpoint": "web", "submitted_at": "2026-11-17", "ces": 3}'
    path.write_text(good + "\n" + '{"response_id": "R2", "x": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    return path


def workbook(path: Path, sheet_xml) -> Path:
    """A minimal XLSX whose first sheet's XML is written in pieces by `sheet_xml(write)`."""
    import openpyxl

    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
                    sheet_xml(f.write)
            else:
                out.writestr(info, src.read(info))
    return path


def sheet(rows: int, cell: int = 0):
    def write(w):
        w(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
          b'<sheetData><row><c t="inlineStr"><is><t>response_id</t></is></c></row>')
        block = ROW.encode() * 10_000
        for _ in range(rows // 10_000):
            w(block)
        if cell:
            w(b'<row><c t="inlineStr"><is><t>')
            for _ in range(cell >> 20):
                w(b"x" * (1 << 20))
            w(b"</t></is></c></row>")
        w(b"</sheetData></worksheet>")
    return write


def corrupt_xlsx(path: Path) -> Path:
    """A small workbook whose sheet's deflate stream is damaged in the middle (the CRC cannot catch it first)."""
    import openpyxl

    book = openpyxl.Workbook()
    for r in range(2000):
        book.active.append([f"R{r}", "web", "2026-11-17", 3, f"comment {r * 7919 % 10007}"])
    book.save(path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + info.compress_size // 2, start + info.compress_size // 2 + 64):
        data[i] ^= 0xA5
    path.write_bytes(bytes(data))
    return path


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def symlink(target: str):
    def make(path: Path) -> Path:
        path.symlink_to(target)
        return path
    return make


CASES = {  # name -> (file name, maker)
    "wide_header": ("wide.csv", wide_header),
    "xlsx_40m_rows": ("rows40m.xlsx", lambda p: workbook(p, sheet(40_000_000))),
    "xlsx_4m_rows": ("rows4m.xlsx", lambda p: workbook(p, sheet(4_000_000))),
    "xlsx_1gib_cell": ("cell.xlsx", lambda p: workbook(p, sheet(0, cell=1 << 30))),
    "dev_zero": ("zero.csv", symlink("/dev/zero")),
    "dev_urandom": ("urandom.csv", symlink("/dev/urandom")),
    "fifo": ("surveys.csv", fifo),
    "long_line": ("long.csv", long_line),
    "deep_json": ("deep.jsonl", deep_json),
    "corrupt_xlsx": ("corrupt.xlsx", corrupt_xlsx),
}


def measure(path: Path, out: Path, timeout: float, max_gb: float, python: str) -> tuple[str, str, str, str]:
    """(exit, seconds, peak MB, last stderr line) of one run; the peak is the child's own (wait4's ru_maxrss)."""
    cap = int(max_gb * (1 << 30))

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        os.setsid()

    command = [python, "-m", "feedback_mining", "run", "--surveys", str(path), "--out", str(out), "--quiet",
               "--no-history"]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, preexec_fn=limit)
        timer = threading.Timer(timeout, lambda: os.killpg(child.pid, signal.SIGKILL))
        timer.start()
        _, status, usage = os.wait4(child.pid, 0)
        timer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        err.seek(0)
        lines = [line for line in err.read().decode(errors="replace").splitlines() if line.strip()]
    code = str(child.returncode)
    if child.returncode == -signal.SIGKILL and seconds >= timeout - 0.5:
        code = f"still running at {timeout:g} s"
    elif child.returncode < 0:
        code = signal.Signals(-child.returncode).name
    return code, f"{seconds:.1f}", f"{usage.ru_maxrss / 1024:,.0f}", (lines[-1][:160] if lines else "")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/hostile"))
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--max-gb", type=float, default=10)
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    print("| case | file | exit | seconds | peak MB | message |\n|---|---|---|---|---|---|")
    for name in args.cases.split(","):
        file_name, make = CASES[name]
        path = args.dir / file_name
        if not (path.exists() or path.is_symlink()):
            make(path)
        size = path.stat().st_size if path.is_file() else 0
        code, secs, peak, message = measure(path, args.dir / f"out_{name}", args.timeout, args.max_gb, args.python)
        shown = f"{size / 1e6:,.1f} MB" if size else "-"
        print(f"| {name} | {shown} | {code} | {secs} | {peak} | {message.replace('|', '/')} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
