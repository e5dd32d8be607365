"""WeCom callback cryptography (企业微信回调加解密), shared by the AI bot and the self-built app.

A thin layer over wechatpy 1.8.18's ``PrpCrypto`` (AES-256-CBC, PKCS#7 to 32 bytes, the
``random(16) | length | message | receive id`` layout) and its signature helper. What it adds:

* the signature is checked in constant time and always before anything is decrypted;
* failures are three distinct exceptions, so a route can answer 403 for a forged delivery or a wrong
  receive id and 400 for an undecryptable one;
* the two reply envelopes: JSON for the AI bot, XML for the app;
* the 16 random bytes are injectable, for the deterministic test vector.

It knows nothing about HTTP, message formats or what a message means.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from wechatpy.crypto import _get_signature
from wechatpy.enterprise.crypto import PrpCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException

#: The AI bot (智能机器人) and the group robot encrypt with an empty receive id.
AIBOT_RECEIVE_ID = ""
#: A delivery whose timestamp is further than this from our clock is refused (a replayed capture).
FRESHNESS_SECONDS = 3600

_AES_KEY_PATTERN = re.compile(r"[A-Za-z0-9+/]{43}")


class WeComCryptoError(Exception):
    """Base of the failures below; messages are short and never contain key material."""


class SignatureMismatch(WeComCryptoError):
    """``msg_signature`` does not match: not sent by someone holding the token (→ 403)."""


class ReceiveIdMismatch(WeComCryptoError):
    """The message decrypts, but for another receive id (another corp, or not the AI bot) (→ 403)."""


class UndecryptableMessage(WeComCryptoError):
    """The signed payload is not a valid ciphertext (bad base64, length, padding or text) (→ 400)."""


def valid_aes_key(encoding_aes_key: str) -> bool:
    """True for a well-formed EncodingAESKey: 43 base64 characters decoding to 32 bytes."""
    return bool(_AES_KEY_PATTERN.fullmatch(encoding_aes_key or ""))


def _random_text() -> bytes:
    # 16 printable characters from one read of the system's randomness (one call, not sixteen).
    return secrets.token_hex(8).encode("ascii")


class _Prp(PrpCrypto):
    """wechatpy's cipher with the 16-byte random prefix taken from an injectable source."""

    def __init__(self, key: bytes, random_prefix: Callable[[], bytes]) -> None:
        super().__init__(key)
        self._random_prefix = random_prefix

    def get_random_string(self) -> bytes:
        prefix = self._random_prefix()
        if len(prefix) != 16:
            raise ValueError("the random prefix must be 16 bytes")
        return prefix


class WeComCrypto:
    """One callback's crypto: ``token``, ``EncodingAESKey`` and the expected receive id."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str, *,
                 random_prefix: Callable[[], bytes] | bytes | None = None) -> None:
        if not valid_aes_key(encoding_aes_key):
            raise ValueError("EncodingAESKey must be 43 characters of the base64 alphabet")
        if not token:
            raise ValueError("the callback token must not be empty")
        self._token = token
        self._key = base64.b64decode(encoding_aes_key + "=")
        self.receive_id = receive_id
        if isinstance(random_prefix, bytes):
            fixed = random_prefix
            self._random_prefix: Callable[[], bytes] = lambda: fixed
        else:
            self._random_prefix = random_prefix or _random_text

    def __repr__(self) -> str:  # never show the token or the key
        return f"WeComCrypto(receive_id={self.receive_id!r})"

    # -- inbound ----------------------------------------------------------------------------------------

    def signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        """sha1 hex of the sorted ``[token, timestamp, nonce, encrypt]``, concatenated."""
        return _get_signature(self._token, timestamp, nonce, encrypt)

    def verify(self, signature: str, timestamp: str, nonce: str, encrypt: str) -> None:
        """Raise :class:`SignatureMismatch` unless ``signature`` signs ``encrypt`` (constant time)."""
        expected = self.signature(timestamp, nonce, encrypt).encode("ascii")
        given = (signature or "").encode("utf-8", errors="replace")
        if not hmac.compare_digest(expected, given):
            raise SignatureMismatch("msg_signature does not match")

    def decrypt(self, encrypt: str) -> str:
        """The plaintext message inside ``encrypt``; call only after :meth:`verify`."""
        try:
            base64.b64decode(encrypt, validate=True)
            return _Prp(self._key, self._random_prefix).decrypt(encrypt, self.receive_id)
        except InvalidCorpIdException:
            raise ReceiveIdMismatch("the message is for another receive id") from None
        except Exception as exc:  # noqa: BLE001
            # wechatpy checks nothing but the receive id; any other failure (base64, block length,
            # padding, length field, UTF-8) means a broken ciphertext.
            raise UndecryptableMessage(f"cannot decrypt: {type(exc).__name__}") from None

    def open(self, signature: str, timestamp: str, nonce: str, encrypt: str) -> str:
        """Verify, then decrypt: the one call a route needs."""
        self.verify(signature, timestamp, nonce, encrypt)
        return self.decrypt(encrypt)

    # -- outbound ---------------------------------------------------------------------------------------

    def encrypt(self, plaintext: str) -> str:
        """``plaintext`` encrypted for this receive id, base64 text."""
        return _Prp(self._key, self._random_prefix).encrypt(plaintext, self.receive_id).decode("ascii")

    def json_envelope(self, plaintext: str, nonce: str, timestamp: int) -> dict[str, Any]:
        """The AI bot's encrypted reply body: ``{"encrypt", "msgsignature", "timestamp", "nonce"}``."""
        encrypted = self.encrypt(plaintext)
        return {"encrypt": encrypted, "msgsignature": self.signature(str(timestamp), nonce, encrypted),
                "timestamp": int(timestamp), "nonce": nonce}

    def xml_envelope(self, plaintext: str, nonce: str, timestamp: int | str) -> str:
        """The app's encrypted passive reply: ``<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>``."""
        encrypted = self.encrypt(plaintext)
        stamp = str(timestamp)
        signature = self.signature(stamp, nonce, encrypted)
        return (f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
                f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>"
                f"<TimeStamp>{escape(stamp)}</TimeStamp>"
                f"<Nonce><![CDATA[{_cdata_safe(nonce)}]]></Nonce></xml>")


def _cdata_safe(text: str) -> str:
    return text.replace("]]>", "]]]]><![CDATA[>")


def timestamp_is_fresh(timestamp: str, now: datetime, window_seconds: float = FRESHNESS_SECONDS) -> bool:
    """True when ``timestamp`` (unix seconds, as sent) is within ``window_seconds`` of ``now``."""
    if not timestamp or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    return abs(int(timestamp) - now.timestamp()) <= window_seconds
