"""Audio bytes → 16 kHz mono 16-bit PCM, the input every recogniser here takes.

libsndfile (through soundfile) reads WAV, FLAC and OGG Vorbis/Opus in-process, which covers
Telegram voice notes. AMR and Speex (WeChat) need ffmpeg: the one on PATH, else the binary the
`imageio-ffmpeg` package ships, so a plain `pip install` has a decoder without a system package.
"""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np

from bot.services.speech.errors import SpeechUnavailable, Undecodable

RATE = 16_000
FFMPEG_TIMEOUT = 60.0


def to_pcm16k(data: bytes, mime: str = "") -> np.ndarray:
    """Decode any supported recording to int16 samples at 16 kHz, one channel."""
    if not data:
        raise Undecodable("no audio bytes")
    if not _needs_ffmpeg(data, mime):
        samples = _soundfile(data)
        if samples is not None:
            return samples
    return _ffmpeg(data)


def _needs_ffmpeg(data: bytes, mime: str) -> bool:
    """AMR and Speex are not libsndfile formats; everything else is tried there first."""
    lowered = mime.lower()
    return (
        data.startswith(b"#!AMR")
        or b"Speex   " in data[:80]
        or "amr" in lowered
        or "speex" in lowered
        or "silk" in lowered
    )


def _soundfile(data: bytes) -> np.ndarray | None:
    """None when libsndfile does not know the format (ffmpeg may); raises on broken audio."""
    import soundfile

    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except soundfile.LibsndfileError:
        return None
    return _finish(samples.mean(axis=1), int(rate))


def _finish(mono: np.ndarray, rate: int) -> np.ndarray:
    if mono.size == 0:
        raise Undecodable("the recording has no samples")
    resampled = resample(mono, rate, RATE)
    return (np.clip(resampled, -1.0, 1.0) * 32767).astype(np.int16)


def resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Band-limited resampling in the frequency domain (exact for notes of a few minutes)."""
    if rate == target or samples.size == 0:
        return samples.astype(np.float32)
    count = max(1, round(samples.size * target / rate))
    spectrum = np.fft.rfft(samples)
    kept = np.zeros(count // 2 + 1, dtype=spectrum.dtype)
    width = min(kept.size, spectrum.size)
    kept[:width] = spectrum[:width]
    return (np.fft.irfft(kept, count) * (count / samples.size)).astype(np.float32)


def ffmpeg_path() -> str | None:
    """The ffmpeg to use: the system's, else the one inside the imageio-ffmpeg wheel."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError:
        return None


def _ffmpeg(data: bytes) -> np.ndarray:
    binary = ffmpeg_path()
    if binary is None:
        raise SpeechUnavailable(
            "no ffmpeg to decode this voice format (install the imageio-ffmpeg package or ffmpeg)"
        )
    command = [binary, "-v", "error", "-nostdin", "-i", "pipe:0"]
    command += ["-ac", "1", "-ar", str(RATE), "-f", "s16le", "pipe:1"]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=FFMPEG_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as failed:
        raise SpeechUnavailable(f"ffmpeg at {binary} could not run: {failed}") from failed
    if done.returncode != 0 or not done.stdout:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise Undecodable(f"ffmpeg could not decode the recording: {reason[0]}")
    return np.frombuffer(done.stdout, dtype=np.int16).copy()
