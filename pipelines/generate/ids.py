"""Vectorized identifiers: stable hashes and fixed-width string columns.

Per-person and per-device identifiers (userId, anonymousId, advertising IDs) are not
stored: they are a keyed bijective hash of an integer index, recomputed for the rows
of each day. Formatting goes through a (rows × width) byte matrix that becomes an Arrow string
column (``textcols.fixed_strings``) without a Python loop.
"""

from __future__ import annotations

import numpy as np

from pipelines.generate.textcols import fixed_strings

_U64 = np.uint64
# byte -> its two hex characters, as one uint16 (memory order = character order)
_HEX_LOWER = np.frombuffer(b"".join(f"{b:02x}".encode() for b in range(256)), dtype=np.uint16)
_HEX_UPPER = np.frombuffer(b"".join(f"{b:02X}".encode() for b in range(256)), dtype=np.uint16)
_TOKEN_ALPHABET = np.frombuffer(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", dtype=np.uint8
)

# Salts that separate the hash streams of different identifiers.
SALT_USER_ID = 0x5EED_0001
SALT_ANON_HI, SALT_ANON_LO = 0x5EED_0002, 0x5EED_0003
SALT_AD_HI, SALT_AD_LO = 0x5EED_0004, 0x5EED_0005
SALT_DEVICE = 0x5EED_0006
SALT_CLICK = 0x5EED_0007
SALT_ORDER = 0x5EED_0008
SALT_PERSON = 0x5EED_0009


def splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finalizer: a bijection on uint64, so distinct inputs stay distinct."""
    z = np.asarray(x).astype(_U64) + _U64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> _U64(27))) * _U64(0x94D049BB133111EB)
    return z ^ (z >> _U64(31))


def keyed_hash(values: np.ndarray, seed: int, salt: int) -> np.ndarray:
    """Hash of ``values`` under (seed, salt); still a bijection of ``values``."""
    key = splitmix64(np.array([(seed * 0x1000193 + salt) & 0xFFFFFFFFFFFFFFFF], dtype=_U64))[0]
    return splitmix64(np.asarray(values).astype(_U64) ^ key)


def uniform01(values: np.ndarray, seed: int, salt: int) -> np.ndarray:
    """A stable uniform [0, 1) draw per value (53 high bits of the keyed hash)."""
    return (keyed_hash(values, seed, salt) >> _U64(11)).astype(np.float64) / float(1 << 53)


def _bytes(words: list[np.ndarray]) -> np.ndarray:
    """Big-endian bytes of uint64 words side by side: (rows × 8·len(words))."""
    return np.hstack(
        [np.ascontiguousarray(w, dtype=">u8").view(np.uint8).reshape(-1, 8) for w in words]
    )


def hex_matrix(words: list[np.ndarray], upper: np.ndarray | None = None) -> np.ndarray:
    """Hex digits of uint64 words side by side: (rows × 16·len(words))."""
    raw = _bytes(words)
    pairs = _HEX_LOWER[raw]
    if upper is not None and upper.any():
        pairs[upper] = _HEX_UPPER[raw[upper]]
    return pairs.view(np.uint8).reshape(len(raw), 2 * raw.shape[1])


def uuid_matrix(hi: np.ndarray, lo: np.ndarray, upper: np.ndarray | None = None) -> np.ndarray:
    """RFC 4122 version-4 shaped UUID text, (rows × 36)."""
    hi = (hi.astype(_U64) & _U64(0xFFFFFFFFFFFF0FFF)) | _U64(0x4000)
    lo = (lo.astype(_U64) & _U64(0x3FFFFFFFFFFFFFFF)) | _U64(0x8000000000000000)
    digits = hex_matrix([hi, lo], upper)
    out = np.empty((len(hi), 36), dtype=np.uint8)
    out[:, [8, 13, 18, 23]] = ord("-")
    out[:, 0:8] = digits[:, 0:8]
    out[:, 9:13] = digits[:, 8:12]
    out[:, 14:18] = digits[:, 12:16]
    out[:, 19:23] = digits[:, 16:20]
    out[:, 24:36] = digits[:, 20:32]
    return out


def prefixed(prefix: bytes, body: np.ndarray) -> np.ndarray:
    """``prefix`` + each row of ``body``."""
    out = np.empty((body.shape[0], len(prefix) + body.shape[1]), dtype=np.uint8)
    out[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    out[:, len(prefix) :] = body
    return out


def token_matrix(words: list[np.ndarray]) -> np.ndarray:
    """URL-safe base64-like text, 8 characters per uint64 word (click ids)."""
    return _TOKEN_ALPHABET[_bytes(words) & 63]


def user_id_matrix(person: np.ndarray, seed: int) -> np.ndarray:
    """``usr_`` + 16 hex digits; unique per person because the hash is a bijection."""
    return prefixed(b"usr_", hex_matrix([keyed_hash(person, seed, SALT_USER_ID)]))


def user_ids(person: np.ndarray, seed: int) -> list[str]:
    """Python strings of the userIds of ``person`` indices (tests, referrer lookups)."""
    return fixed_strings(user_id_matrix(np.asarray(person), seed)).to_pylist()


def anonymous_id_matrix(device: np.ndarray, seed: int) -> np.ndarray:
    """anonymousId (a lowercase UUID as analytics.js and the mobile SDKs make) per device key."""
    return uuid_matrix(
        keyed_hash(device, seed, SALT_ANON_HI), keyed_hash(device, seed, SALT_ANON_LO)
    )
