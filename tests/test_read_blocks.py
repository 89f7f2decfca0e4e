"""Large UTF-8 exports are read in pieces (formats.parse_fast_utf8, parse_utf8_blocks): the same rows, row numbers
and problems as reading the whole file at once."""

import pandas as pd
import pytest

from feedback_mining import formats
from feedback_mining.formats import load_table


def export(rows: int) -> str:
    """A ticket export with quoted multi-line bodies, quotes inside fields, a blank line and short lines."""
    lines = ['ticket_id,customer_id,body']
    for i in range(rows):
        if i % 7 == 0:
            lines.append(f'T{i},C{i},"first line\nsecond ""quoted"" line\nthird"')
        elif i % 11 == 0:
            lines.append(f"T{i},C{i}")  # short: body missing
        elif i == 50:
            lines.append('')  # a blank line
        else:
            lines.append(f"T{i},C{i},plain body {i}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("block", [64, 200, 1000])
def test_a_multi_line_export_read_in_blocks_equals_the_whole_read(tmp_path, monkeypatch, block):
    path = tmp_path / "tickets.csv"
    path.write_text(export(400), encoding="utf-8")
    whole = load_table(path, hints=["ticket_id"])
    monkeypatch.setattr(formats, "BLOCK_BYTES", block)
    monkeypatch.setattr(formats, "BLOCKED_FROM", 0)
    calls = []
    real = formats.parse_delimited
    monkeypatch.setattr(formats, "parse_delimited", lambda *a, **k: calls.append(1) or real(*a, **k))
    blocked = load_table(path, hints=["ticket_id"])
    assert len(calls) > 3  # really read in several blocks
    pd.testing.assert_frame_equal(whole.reset_index(drop=True), blocked.reset_index(drop=True), check_dtype=False)
    assert blocked["_row"].is_monotonic_increasing and "_short" in blocked


def test_block_cuts_never_fall_inside_a_quoted_field():
    body = b'a,b\n1,"x\ny\nz"\n2,w\n3,"q\n\nr"\n4,k'
    for size in range(1, len(body)):
        for cut in formats.block_cuts(body, size)[1:]:
            assert body[cut - 1:cut] == b"\n" and body[:cut].count(b'"') % 2 == 0


def test_a_plain_utf8_export_is_read_without_decoding_it_whole(tmp_path, monkeypatch):
    path = tmp_path / "surveys.csv"
    path.write_bytes(b"\xef\xbb\xbfresponse_id,comment\nR1,\xd0\xb4\xd0\xbe\xd0\xbb\xd0\xb3\xd0\xbe\nR2,ok\n")
    monkeypatch.setattr(formats, "decode_bytes", lambda data: pytest.fail("decoded the whole file"))
    frame = load_table(path)
    assert frame["comment"].tolist() == ["долго", "ok"] and frame["_row"].tolist() == [2, 3]


def test_an_export_with_broken_quoting_is_read_whole(tmp_path, monkeypatch):
    path = tmp_path / "tickets.csv"
    text = export(300).replace("T80,C80,plain body 80", 'T80,C80,"opens here and never closes')
    path.write_text(text, encoding="utf-8")
    whole = load_table(path, hints=["ticket_id"])
    monkeypatch.setattr(formats, "BLOCK_BYTES", 100)
    monkeypatch.setattr(formats, "BLOCKED_FROM", 0)
    blocked = load_table(path, hints=["ticket_id"])
    assert whole["_malformed"].eq(formats.BROKEN_QUOTE).any()
    pd.testing.assert_frame_equal(whole, blocked)
