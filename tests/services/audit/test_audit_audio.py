"""Audio is recognised by content (magic bytes + a structural parse), never by name."""

from __future__ import annotations

import struct

import pytest
from audit_samples import mp3, ogg, wav

from portal.services.audit.audio import AudioRefused, AudioSniffer, sniff


def _feed(data: bytes, chunk: int = 1000):
    s = AudioSniffer()
    for i in range(0, len(data), chunk):
        s.feed(data[i:i + chunk])
    return s.finish()


def test_wav_mp3_ogg_are_recognised_with_details():
    w = _feed(wav(1.0))
    assert (w.format, w.mime, w.channels, w.sample_rate, w.duration_ms) == ("wav", "audio/wav", 1, 8000, 1000)
    m = _feed(mp3(40))
    assert (m.format, m.sample_rate, m.codec) == ("mp3", 44100, "mpeg1 layer III")
    assert m.duration_ms == pytest.approx(40 * 1152 * 1000 / 44100, abs=30)
    o = _feed(ogg("opus", 2.0))
    assert (o.format, o.codec, o.duration_ms) == ("ogg", "opus", 2000)
    assert _feed(ogg("vorbis", 1.5)).codec == "vorbis"
    assert _feed(mp3(30, id3=False)).format == "mp3"


@pytest.mark.parametrize("data, reason", [
    (b"this is a text file renamed to call.wav\n" * 10, "not a WAV, MP3 or Ogg"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", "no fmt and data chunks"),
    (b"RIFF", "not a RIFF/WAVE"),
    (b"MZ", "file too short"),
    (b"OggS\x00\x02" + bytes(30), "CRC"),
    (b"OggS\x00\x02" + bytes(20) + b"\x05", "truncated"),
    (b"ID3\x03\x00\x00\x00\x00\x00\x05abcde" + bytes(100), "no two consecutive valid MPEG"),
    (b"\xff\xfb\x90\xc4" + bytes(50), "no two consecutive valid MPEG"),
    (b"", "empty"),
])
def test_corrupt_or_foreign_bytes_are_refused(data, reason):
    with pytest.raises(AudioRefused, match=reason):
        _feed(data)


def test_truncated_wav_is_refused_at_the_end():
    data = wav(1.0)
    with pytest.raises(AudioRefused, match="truncated"):
        _feed(data[: len(data) // 2])


def test_inconsistent_wav_fmt_and_bad_ogg_crc_are_refused():
    data = bytearray(wav(0.5))
    struct.pack_into("<I", data, 28, 12345)  # byte rate no longer rate * block align
    with pytest.raises(AudioRefused, match="inconsistent"):
        sniff(bytes(data))
    page = bytearray(ogg("opus"))
    page[30] ^= 0xFF
    with pytest.raises(AudioRefused, match="CRC"):
        sniff(bytes(page))


def test_large_id3_tag_is_skipped():
    art = bytes(300_000)
    size = len(art)
    tag = b"ID3\x03\x00\x00" + bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    info = _feed(tag + art + mp3(10, id3=False), chunk=65536)
    assert info.format == "mp3"
