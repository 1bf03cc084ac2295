"""Audio content sniffing: what a recording really is, from its bytes, never from its name.

Accepted containers, each checked by magic bytes *and* a structural parse of its header:

* **WAV** — ``RIFF`` … ``WAVE``, a ``fmt `` chunk of at least 16 bytes with a known format tag, 1–8 channels, a sample
  rate of 1 kHz–384 kHz, a byte rate and block alignment consistent with them (for PCM), and a ``data`` chunk;
* **MP3** — an optional ID3v2 tag (its syncsafe size skipped), then at least two consecutive MPEG audio frames: a
  valid frame sync and header (version, layer, bit rate, sample rate) whose computed length lands on the next frame's
  sync;
* **Ogg** — an ``OggS`` page, version 0, flagged beginning-of-stream, whose CRC-32 checks, carrying a Vorbis
  identification header (``\\x01vorbis``, version 0, channels, rate, framing bit) or an ``OpusHead`` (version 1,
  channels).

:class:`AudioSniffer` is fed the stream chunk by chunk (bounded memory: a head buffer of at most ``MAX_HEAD`` bytes
and a 64 KiB tail); :meth:`AudioSniffer.finish` checks the whole length (a WAV whose header promises more bytes than
arrived is truncated) and estimates the duration.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from portal.core.errors import BadInput

MAX_HEAD = 2 * 1024 * 1024  # room for an ID3 tag with cover art before the first MPEG frame
MIN_HEAD = 64 * 1024
TAIL = 64 * 1024
FORMATS = {"wav": "audio/wav", "mp3": "audio/mpeg", "ogg": "audio/ogg"}
_WAV_TAGS = {1: "pcm", 2: "adpcm", 3: "float", 6: "alaw", 7: "mulaw", 0x11: "ima_adpcm", 0x31: "gsm610",
             0x55: "mp3", 0xFFFE: "extensible"}
_MPEG_BITRATES = {  # (version_is_1, layer) -> kbit/s by index 1..14
    (True, 1): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MPEG_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


class AudioRefused(BadInput):
    """The bytes are not an accepted audio file; the message says what is wrong."""


@dataclass(frozen=True)
class AudioInfo:
    """What the header says: container, MIME type, codec, channels, sample rate; duration once the size is known."""

    format: str
    mime: str
    codec: str
    channels: int
    sample_rate: int
    duration_ms: int | None = None
    byte_rate: int = 0
    data_offset: int = 0
    declared_size: int | None = None  # bytes the container header says the file has (WAV)


def _ogg_crc_table() -> list[int]:
    table = []
    for i in range(256):
        r = i << 24
        for _ in range(8):
            r = ((r << 1) ^ 0x04C11DB7) if r & 0x80000000 else (r << 1)
        table.append(r & 0xFFFFFFFF)
    return table


_CRC = _ogg_crc_table()


def ogg_crc(data: bytes) -> int:
    """The Ogg page CRC-32 (polynomial 0x04C11DB7, not reflected, initial 0)."""
    crc = 0
    for b in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC[((crc >> 24) ^ b) & 0xFF]
    return crc


def parse_wav(head: bytes) -> AudioInfo:
    """Parse a RIFF/WAVE header: the ``fmt `` chunk and the start of ``data``."""
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise AudioRefused("not a RIFF/WAVE file")
    riff_size = struct.unpack_from("<I", head, 4)[0]
    pos, fmt = 12, None
    while pos + 8 <= len(head):
        cid, size = head[pos:pos + 4], struct.unpack_from("<I", head, pos + 4)[0]
        body = pos + 8
        if cid == b"fmt ":
            if size < 16 or body + 16 > len(head):
                raise AudioRefused("WAV fmt chunk is truncated")
            fmt = struct.unpack_from("<HHIIHH", head, body)
        elif cid == b"data":
            if fmt is None:
                raise AudioRefused("WAV data chunk comes before its fmt chunk")
            tag, channels, rate, byte_rate, align, bits = fmt
            if tag not in _WAV_TAGS:
                raise AudioRefused(f"WAV format tag {tag:#x} is not a known audio encoding")
            if not 1 <= channels <= 8:
                raise AudioRefused(f"WAV declares {channels} channels")
            if not 1000 <= rate <= 384000:
                raise AudioRefused(f"WAV sample rate {rate} Hz is out of range")
            aligned = bits and align == channels * ((bits + 7) // 8) and byte_rate == rate * align
            if tag in (1, 3, 6, 7) and not aligned:
                raise AudioRefused("WAV fmt chunk is inconsistent (block align / byte rate)")
            declared = None if riff_size in (0, 0xFFFFFFFF) else riff_size + 8
            return AudioInfo("wav", FORMATS["wav"], f"{_WAV_TAGS[tag]} {bits}-bit", channels, rate,
                             byte_rate=byte_rate, data_offset=body, declared_size=declared)
        if size > 0x7FFFFFFF:
            break
        pos = body + size + (size & 1)
    raise AudioRefused("WAV header has no fmt and data chunks" if fmt is None else "WAV file has no data chunk")


def _mpeg_frame(buf: bytes, pos: int) -> tuple[int, int, int, str] | None:
    """(frame length, sample rate, bit rate in bit/s, codec) of a valid MPEG audio frame header at ``pos``."""
    if pos + 4 > len(buf):
        return None
    b1, b2, b3 = buf[pos + 1], buf[pos + 2], buf[pos + 3]
    if buf[pos] != 0xFF or (b1 & 0xE0) != 0xE0:
        return None
    version, layer_bits = (b1 >> 3) & 3, (b1 >> 1) & 3
    br_index, sr_index, padding = b2 >> 4, (b2 >> 2) & 3, (b2 >> 1) & 1
    if version == 1 or layer_bits == 0 or br_index in (0, 15) or sr_index == 3 or (b3 & 3) == 2:
        return None
    layer = 4 - layer_bits
    v1 = version == 3
    bitrate = _MPEG_BITRATES[(v1, layer if v1 or layer == 1 else 2)][br_index - 1] * 1000
    rate = _MPEG_RATES[version][sr_index]
    if layer == 1:
        length = (12 * bitrate // rate + padding) * 4
    else:
        length = (144 if v1 or layer == 2 else 72) * bitrate // rate + padding
    codec = f"mpeg{'1' if v1 else '2' if version == 2 else '2.5'} layer {'I' * layer if layer < 3 else 'III'}"
    return length, rate, bitrate, codec


def id3_size(head: bytes) -> int:
    """Bytes taken by a leading ID3v2 tag (header, syncsafe size, footer), or 0."""
    if len(head) < 10 or head[:3] != b"ID3":
        return 0
    if head[3] == 0xFF or head[4] == 0xFF or any(b & 0x80 for b in head[6:10]):
        raise AudioRefused("ID3 tag header is malformed")
    size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
    return 10 + size + (10 if head[5] & 0x10 else 0)


def parse_mp3(head: bytes, *, complete: bool = False) -> AudioInfo:
    """Find two consecutive valid MPEG audio frames after an optional ID3v2 tag (one suffices for a tiny file)."""
    start = id3_size(head)
    if start + 4 > len(head):
        raise AudioRefused("MP3 file ends inside its ID3 tag")
    limit = min(len(head) - 4, start + 4096)  # tolerate a little padding after the tag
    for pos in range(start, limit + 1):
        frame = _mpeg_frame(head, pos)
        if frame is None:
            continue
        length, rate, bitrate, codec = frame
        nxt = pos + length
        follow = _mpeg_frame(head, nxt)
        if follow is not None and follow[1] == rate or (complete and nxt == len(head) and pos == start):
            channels = 1 if (head[pos + 3] >> 6) == 3 else 2
            return AudioInfo("mp3", FORMATS["mp3"], codec, channels, rate, byte_rate=bitrate // 8, data_offset=pos)
    raise AudioRefused("no two consecutive valid MPEG audio frames found")


def parse_ogg(head: bytes) -> AudioInfo:
    """Check the first Ogg page (version, beginning-of-stream flag, CRC) and its Vorbis or Opus identification."""
    if len(head) < 27 or head[:4] != b"OggS":
        raise AudioRefused("not an Ogg file")
    if head[4] != 0:
        raise AudioRefused(f"Ogg stream structure version {head[4]} is not 0")
    if not head[5] & 0x02:
        raise AudioRefused("first Ogg page is not flagged beginning-of-stream")
    nseg = head[26]
    body = 27 + nseg
    if len(head) < body:
        raise AudioRefused("first Ogg page is truncated")
    page_len = body + sum(head[27:body])
    if len(head) < page_len:
        raise AudioRefused("first Ogg page is truncated")
    page = bytearray(head[:page_len])
    stored = struct.unpack_from("<I", page, 22)[0]
    page[22:26] = b"\0\0\0\0"
    if ogg_crc(bytes(page)) != stored:
        raise AudioRefused("first Ogg page fails its CRC check")
    packet = head[body:page_len]
    if packet[:7] == b"\x01vorbis" and len(packet) >= 30:
        version, channels, rate = struct.unpack_from("<IBI", packet, 7)
        if version != 0 or channels == 0 or rate == 0 or not packet[29] & 1:
            raise AudioRefused("Vorbis identification header is invalid")
        return AudioInfo("ogg", FORMATS["ogg"], "vorbis", channels, rate)
    if packet[:8] == b"OpusHead" and len(packet) >= 19:
        version, channels = packet[8], packet[9]
        rate = struct.unpack_from("<I", packet, 12)[0] or 48000
        if version >> 4 != 0 or channels == 0:
            raise AudioRefused("OpusHead is invalid")
        return AudioInfo("ogg", FORMATS["ogg"], "opus", channels, rate)
    raise AudioRefused("Ogg stream carries neither Vorbis nor Opus audio")


def sniff(head: bytes, *, complete: bool = False) -> AudioInfo:
    """The audio format of a file starting with ``head``; AudioRefused naming the problem otherwise."""
    if head[:4] == b"RIFF":
        return parse_wav(head)
    if head[:4] == b"OggS":
        return parse_ogg(head)
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return parse_mp3(head, complete=complete)
    if len(head) < 12:
        raise AudioRefused(f"file too short to be audio ({len(head)} bytes)")
    raise AudioRefused("not a WAV, MP3 or Ogg (Vorbis/Opus) file")


class AudioSniffer:
    """Fed a stream chunk by chunk: keeps the head until the format is known, and a bounded tail for the duration."""

    def __init__(self) -> None:
        self.head = bytearray()
        self.info: AudioInfo | None = None
        self.size = 0
        self.tail = b""

    def feed(self, chunk: bytes) -> None:
        """Take the next bytes; raises AudioRefused as soon as the head is enough to refuse."""
        self.size += len(chunk)
        self.tail = (self.tail + chunk)[-TAIL:]
        if self.info is not None:
            return
        self.head += chunk[: MAX_HEAD - len(self.head)]
        need = MIN_HEAD
        if self.head[:3] == b"ID3" and len(self.head) >= 10:
            need = max(need, min(MAX_HEAD, id3_size(bytes(self.head)) + 8192))
        if len(self.head) >= need:
            self.info = sniff(bytes(self.head))
            self.head = bytearray()

    def finish(self) -> AudioInfo:
        """The format of the whole stream with its duration; AudioRefused when empty, unknown or truncated."""
        if self.size == 0:
            raise AudioRefused("the file is empty")
        info = self.info or sniff(bytes(self.head), complete=True)
        if info.declared_size is not None and info.declared_size > self.size:
            raise AudioRefused(f"WAV header declares {info.declared_size} bytes but only {self.size} arrived "
                               "(truncated file)")
        duration = None
        if info.byte_rate:
            duration = (self.size - info.data_offset) * 1000 // info.byte_rate
        elif info.format == "ogg":
            duration = _ogg_duration(self.tail, info)
        return AudioInfo(info.format, info.mime, info.codec, info.channels, info.sample_rate, duration,
                         info.byte_rate, info.data_offset, info.declared_size)


def _ogg_duration(tail: bytes, info: AudioInfo) -> int | None:
    """Duration from the granule position of the last page seen (Opus granules count 48 kHz samples)."""
    at = tail.rfind(b"OggS")
    if at < 0 or at + 14 > len(tail):
        return None
    granule = struct.unpack_from("<q", tail, at + 6)[0]
    if granule <= 0:
        return None
    rate = 48000 if info.codec == "opus" else info.sample_rate
    return granule * 1000 // rate
