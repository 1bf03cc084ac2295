"""Audio and transcript samples built in code: WAV (via ``wave``), MP3 frames and Ogg pages with valid headers."""

from __future__ import annotations

import io
import json
import math
import struct
import wave

from portal.services.audit.audio import ogg_crc


def wav(seconds: float = 1.0, rate: int = 8000, freq: float = 440.0) -> bytes:
    """A mono 16-bit PCM WAV tone."""
    n = int(seconds * rate)
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * i / rate))) for i in range(n))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return buf.getvalue()


def big_wav(size: int) -> bytes:
    """A WAV of about ``size`` bytes (noise-like pattern, fast to build)."""
    body = (bytes(range(256)) * (size // 256 + 1))[: size - 44]
    header = b"RIFF" + struct.pack("<I", 36 + len(body)) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
    return header + fmt + b"data" + struct.pack("<I", len(body)) + body


def mp3(frames: int = 20, id3: bool = True) -> bytes:
    """MPEG-1 Layer III frames, 128 kbit/s, 44.1 kHz, mono (silent payload), after an optional ID3v2 tag."""
    header = bytes([0xFF, 0xFB, 0x90, 0xC4])  # sync, MPEG1 L3 no CRC, 128k, 44100, no pad, mono
    length = 144 * 128000 // 44100
    frame = header + bytes(length - 4)
    tag = b""
    if id3:
        body = b"TIT2" + struct.pack(">I", 6) + b"\0\0" + b"\x03call"
        size = len(body)
        tag = b"ID3\x03\x00\x00" + bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F,
                                          size & 0x7F]) + body
    return tag + frame * frames


def _ogg_page(packet: bytes, seq: int, flags: int, granule: int = 0) -> bytes:
    segs = [255] * (len(packet) // 255) + [len(packet) % 255]
    head = b"OggS" + bytes([0, flags]) + struct.pack("<qII", granule, 0x1234, seq) + b"\0\0\0\0" + bytes([len(segs)])
    page = bytearray(head + bytes(segs) + packet)
    page[22:26] = struct.pack("<I", ogg_crc(bytes(page)))
    return bytes(page)


def ogg(codec: str = "opus", seconds: float = 1.0) -> bytes:
    """An Ogg stream with a valid Opus (or Vorbis) identification page and a last page with the granule position."""
    if codec == "opus":
        ident = b"OpusHead" + bytes([1, 1]) + struct.pack("<HIhB", 312, 48000, 0, 0)
        rate = 48000
    else:
        ident = b"\x01vorbis" + struct.pack("<IBIiiiB", 0, 1, 8000, 0, 16000, 0, 0xB8) + b"\x01"
        rate = 8000
    first = _ogg_page(ident, 0, 0x02)
    last = _ogg_page(b"\x00" * 100, 1, 0x04, granule=int(seconds * rate))
    return first + last


def transcript_line(ref, language: str = "zh", agent: str = "您好，我是诚信资产的客服。", **extra) -> str:
    """One JSONL transcript line with an agent and a debtor turn."""
    body = {"id": ref, "language": language,
            "turns": [{"speaker": "agent", "text": agent}, {"speaker": "debtor", "text": "好的，我知道了。"}], **extra}
    return json.dumps(body, ensure_ascii=False)


VIOLATING_ZH = "你再不还钱，我们明天就上门找你家人，让你在村里抬不起头"
CLEAN_ZH = "您好，我是诚信资产的客服，想和您确认一下还款计划。"


def bearer(token: str) -> dict:
    """Authorization header."""
    return {"Authorization": f"Bearer {token}"}
