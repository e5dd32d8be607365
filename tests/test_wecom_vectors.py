"""WeCom callback crypto against published and cross-checked vectors (platform-facts §1.6, §1.7, §2.2,
§8.1), all through :mod:`bot.platforms.wecom_crypto`."""

from __future__ import annotations

import base64
import json
import struct
from datetime import UTC, datetime

import pytest
from defusedxml import ElementTree

from bot.platforms.wecom_crypto import (
    AIBOT_RECEIVE_ID,
    ReceiveIdMismatch,
    SignatureMismatch,
    UndecryptableMessage,
    WeComCrypto,
    timestamp_is_fresh,
    valid_aes_key,
)

# §1.6: Tencent's official app sample (weworkapi_python callback/Sample.py at 609f460).
OFFICIAL_TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
OFFICIAL_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
OFFICIAL_CORP = "ww1436e0e65a779aee"
OFFICIAL_GET = {
    "msg_signature": "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb",
    "timestamp": "1476416373",
    "nonce": "47744683",
    "echostr": "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==",
}
OFFICIAL_POST = {
    "msg_signature": "0c3914025cb4b4d68103f6bfc8db550f79dcf48e",
    "timestamp": "1476422779",
    "nonce": "1597212914",
    "encrypt": (
        "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRL"
        "Nshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9G"
        "Sh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELc"
        "DNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+"
    ),
}
OFFICIAL_POST_PLAIN = (
    "<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName>"
    "<CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content>"
    "<MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>"
)

# §1.7: wechatpy's own tests.
WP_TOKEN = "123456"
WP_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
WP_CORP = "wx49f0ab532d5d035a"
WP_ECHO = {
    "msg_signature": "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96",
    "timestamp": "1411443780",
    "nonce": "437374425",
    "echostr": "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==",
}
WP_DECRYPT = {
    "msg_signature": "74d92dfeb87ba7c714f89d98870ae5eb62dff26d",
    "timestamp": "1411525903",
    "nonce": "461056294",
    "encrypt": (
        "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6B"
        "v283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410c"
        "vkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYF"
        "xdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6"
        "GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
    ),
}
WP_REPLY_PLAIN = (
    "<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n"
    "<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n"
    "<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>"
)

# §2.2: the group-robot GET vector (receive id "").
ROBOT_GET = {
    "msg_signature": "09380007d4f0891d966988e5450ad794c77fa01c",
    "timestamp": "1703041184",
    "nonce": "1703023880",
    "echostr": "oCdlC8pJ/DIjXnC8F9reyjDYlSImCmIgxA4prPD+l2Fj5qBHjFiWnpelQofsDCJrSEvNVTET6oQmoXLQxzUkyQ==",
}

# §8.1: the AI-bot vector (self-generated, cross-checked between two libraries).
AIBOT_TOKEN = "tok"
AIBOT_KEY = "x" * 43
AIBOT_ENCRYPT = (
    "o3QbKMLITiZ+Ra1ZNyD7XGNCHpeqrBND+uN/lFgJNjO6q4DQpJQ8pS2qg/qKfIY/PHfnrWbGyNTPKyAJUF2WTNLiwnhFy2qYju3qBQAv"
    "liS2PPomFE0a5et+NQjJi/QJgMfvNxYF97N62CpDp/tRFV6QD+tsZwJQddml9Qin94IpFo9aSS+qjZoqg8tbAEEqhfWvrx/74011K7N8"
    "kFXzPEWdv4v+eoGYzpAuuD2F5+XhfllFN2xKtRt1dxtduznOybMGotywfny9eAHp3auAyQAwWclVYU89sQoytvY1sEw="
)
AIBOT_PLAIN = ('{"msgid":"m1","aibotid":"AIBOTID","chatid":"CHATID","chattype":"group","from":{"userid":"USERID"},'
               '"response_url":"RESPONSEURL","msgtype":"text","text":{"content":"@RobotA hello robot"}}')


def test_official_get_sample_decrypts_to_the_echo() -> None:
    crypto = WeComCrypto(OFFICIAL_TOKEN, OFFICIAL_KEY, OFFICIAL_CORP)
    v = OFFICIAL_GET
    assert crypto.open(v["msg_signature"], v["timestamp"], v["nonce"], v["echostr"]) == "1288432023552776189"


def test_official_post_sample_decrypts_to_the_text_message() -> None:
    crypto = WeComCrypto(OFFICIAL_TOKEN, OFFICIAL_KEY, OFFICIAL_CORP)
    v = OFFICIAL_POST
    plain = crypto.open(v["msg_signature"], v["timestamp"], v["nonce"], v["encrypt"])
    assert plain == OFFICIAL_POST_PLAIN
    root = ElementTree.fromstring(plain)
    assert root.findtext("Content") == "你好" and root.findtext("FromUserName") == "ChenJiaShun"


def test_official_sample_changed_nonce_fails_the_signature() -> None:
    crypto = WeComCrypto(OFFICIAL_TOKEN, OFFICIAL_KEY, OFFICIAL_CORP)
    v = OFFICIAL_GET
    with pytest.raises(SignatureMismatch):
        crypto.open(v["msg_signature"], v["timestamp"], "47744684", v["echostr"])
    w = OFFICIAL_POST
    with pytest.raises(SignatureMismatch):
        crypto.verify(w["msg_signature"], w["timestamp"], w["nonce"] + "0", w["encrypt"])


def test_signature_is_checked_before_decrypting() -> None:
    # A forged signature over garbage must report the signature, not a decryption failure.
    crypto = WeComCrypto(OFFICIAL_TOKEN, OFFICIAL_KEY, OFFICIAL_CORP)
    with pytest.raises(SignatureMismatch):
        crypto.open("0" * 40, "1476422779", "1", "not base64 at all!")
    with pytest.raises(SignatureMismatch):
        crypto.open("", "1476422779", "1", OFFICIAL_POST["encrypt"])
    with pytest.raises(SignatureMismatch):  # non-ASCII signature text is just a mismatch
        crypto.open("签名" * 20, "1476422779", "1", OFFICIAL_POST["encrypt"])


def test_official_sample_wrong_corp_id_is_a_receive_id_failure() -> None:
    crypto = WeComCrypto(OFFICIAL_TOKEN, OFFICIAL_KEY, "wwWRONG")
    v = OFFICIAL_POST
    crypto.verify(v["msg_signature"], v["timestamp"], v["nonce"], v["encrypt"])  # the signature is fine
    with pytest.raises(ReceiveIdMismatch):
        crypto.decrypt(v["encrypt"])
    # … and so is an AI-bot crypto (receive id "") given an app's message.
    with pytest.raises(ReceiveIdMismatch):
        WeComCrypto(OFFICIAL_TOKEN, OFFICIAL_KEY, AIBOT_RECEIVE_ID).decrypt(v["encrypt"])


def test_official_echo_layout_random_length_receive_id() -> None:
    # The layout the wrapper relies on: random(16) | length (big endian) | msg | receive id.
    key = base64.b64decode(OFFICIAL_KEY + "=")
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    raw = decryptor.update(base64.b64decode(OFFICIAL_GET["echostr"])) + decryptor.finalize()
    raw = raw[: -raw[-1]]
    (length,) = struct.unpack(">I", raw[16:20])
    assert raw[:16] == b"8908d0ff052afda0" and length == 19
    assert raw[20 + length:].decode() == OFFICIAL_CORP


def test_wechatpy_check_signature_vector() -> None:
    crypto = WeComCrypto(WP_TOKEN, WP_KEY, WP_CORP)
    v = WP_ECHO
    assert crypto.open(v["msg_signature"], v["timestamp"], v["nonce"], v["echostr"]) == "5927782489442352469"


def test_wechatpy_decrypt_message_vector() -> None:
    crypto = WeComCrypto(WP_TOKEN, WP_KEY, WP_CORP)
    v = WP_DECRYPT
    root = ElementTree.fromstring(crypto.open(v["msg_signature"], v["timestamp"], v["nonce"], v["encrypt"]))
    assert root.findtext("FromUserName") == "messense"
    assert root.findtext("Content") == "test"
    assert root.findtext("MsgId") == "4363689963896700987"
    assert root.findtext("AgentID") == "1"


def test_wechatpy_deterministic_encryption_vector() -> None:
    crypto = WeComCrypto(WP_TOKEN, WP_KEY, WP_CORP, random_prefix=b"1234567890123456")
    envelope = crypto.xml_envelope(WP_REPLY_PLAIN, "461056294", "1411525903")
    root = ElementTree.fromstring(envelope)
    encrypted = root.findtext("Encrypt")
    assert encrypted.startswith("9s4gMv99m88kKTh/H8IdkOiMg6bisoy3") and encrypted.endswith("XiKzHo3")
    assert root.findtext("MsgSignature") == "407518b7649e86ef23978113f92d27afa9296533"
    assert root.findtext("TimeStamp") == "1411525903" and root.findtext("Nonce") == "461056294"
    # and it decrypts back to the reply
    assert crypto.open(root.findtext("MsgSignature"), "1411525903", "461056294", encrypted) == WP_REPLY_PLAIN


def test_random_prefix_differs_between_encryptions_by_default() -> None:
    crypto = WeComCrypto(WP_TOKEN, WP_KEY, WP_CORP)
    first, second = crypto.encrypt("same"), crypto.encrypt("same")
    assert first != second
    assert crypto.decrypt(first) == crypto.decrypt(second) == "same"


def test_group_robot_get_vector_with_empty_receive_id() -> None:
    crypto = WeComCrypto("xxx", "x" * 43, AIBOT_RECEIVE_ID)
    v = ROBOT_GET
    assert crypto.open(v["msg_signature"], v["timestamp"], v["nonce"], v["echostr"]) == "6534946348215556778"


def test_aibot_vector_decrypts_and_reencrypts_identically() -> None:
    crypto = WeComCrypto(AIBOT_TOKEN, AIBOT_KEY, AIBOT_RECEIVE_ID, random_prefix=b"1234567890123456")
    plain = crypto.open("ebb24bd6ef6875e10d3bd7ff2992914a201422c0", "1700000000", "nonce1", AIBOT_ENCRYPT)
    assert plain == AIBOT_PLAIN
    assert json.loads(plain)["text"]["content"] == "@RobotA hello robot"
    envelope = crypto.json_envelope(AIBOT_PLAIN, "nonce1", 1700000000)
    assert envelope == {"encrypt": AIBOT_ENCRYPT, "msgsignature": "ebb24bd6ef6875e10d3bd7ff2992914a201422c0",
                        "timestamp": 1700000000, "nonce": "nonce1"}


def test_aibot_get_echostr_vector() -> None:
    crypto = WeComCrypto(AIBOT_TOKEN, AIBOT_KEY, AIBOT_RECEIVE_ID)
    echo = "o3QbKMLITiZ+Ra1ZNyD7XLaay5v80povs991pBne35E="
    assert crypto.open("bd238f22371fd7d98c4936f5d023363603638ec2", "1700000000", "nonce1", echo) == "1234567890"
    with pytest.raises(SignatureMismatch):
        crypto.open("bd238f22371fd7d98c4936f5d023363603638ec2", "1700000001", "nonce1", echo)


@pytest.mark.parametrize("garbage", ["%%%%", "YWJj", base64.b64encode(b"\x00" * 32).decode(), ""])
def test_signed_garbage_is_undecryptable_not_a_crash(garbage: str) -> None:
    crypto = WeComCrypto(AIBOT_TOKEN, AIBOT_KEY, AIBOT_RECEIVE_ID)
    signature = crypto.signature("1700000000", "n", garbage)
    with pytest.raises((UndecryptableMessage, ReceiveIdMismatch)):
        crypto.open(signature, "1700000000", "n", garbage)


def test_key_validation_and_freshness() -> None:
    assert valid_aes_key(AIBOT_KEY) and valid_aes_key(OFFICIAL_KEY)
    assert not valid_aes_key("x" * 42) and not valid_aes_key("x" * 42 + "=") and not valid_aes_key("")
    with pytest.raises(ValueError):
        WeComCrypto("t", "x" * 44, "")
    now = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # 1700000000
    assert timestamp_is_fresh("1700000000", now) and timestamp_is_fresh("1700003600", now)
    assert not timestamp_is_fresh("1700003601", now) and not timestamp_is_fresh("1699996399", now)
    assert not timestamp_is_fresh("", now) and not timestamp_is_fresh("-5", now) and not timestamp_is_fresh("1e9", now)
    assert repr(WeComCrypto("secret-token", AIBOT_KEY, "")).count("secret") == 0
