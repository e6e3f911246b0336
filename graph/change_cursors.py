"""Opaque change-feed cursors: a sequence number enciphered with the feed's key.

A cursor is base64url of 16 bytes: the sequence number and a fixed tag, put
through a four-round Feistel network keyed with HMAC-SHA256 (a pseudo-random
permutation). Without the key, which lives on the database's counter node and
never leaves the service, two cursors tell nothing about how many events lie
between them, so a scoped caller cannot count the changes made outside her
scope. A cursor is the same for every caller, and a cursor of another database
or a tampered one fails its tag and is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from graph.errors import BadInput

_TAG = 0x4F72674772617068  # "OrgGraph"
_MASK = (1 << 64) - 1
_ROUNDS = 4


def _round(key: bytes, i: int, half: int) -> int:
    digest = hmac.new(key, bytes([i]) + half.to_bytes(8, "big"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def encode_change_cursor(seq: int, key: str) -> str:
    """The opaque cursor of the position just after event `seq`."""
    k = key.encode()
    left, right = seq & _MASK, _TAG
    for i in range(_ROUNDS):
        left, right = right, left ^ _round(k, i, right)
    raw = left.to_bytes(8, "big") + right.to_bytes(8, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_change_cursor(cursor: str, key: str, *, argument: str = "after") -> int:
    """The sequence number of a cursor made by `encode_change_cursor`, or BadInput."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 16:
        raise BadInput(f"{cursor!r} is not a change-feed cursor", argument=argument)
    k = key.encode()
    left, right = int.from_bytes(raw[:8], "big"), int.from_bytes(raw[8:], "big")
    for i in reversed(range(_ROUNDS)):
        left, right = right ^ _round(k, i, left), left
    if right != _TAG:
        raise BadInput(f"{cursor!r} is not a change-feed cursor of this service", argument=argument)
    return left
