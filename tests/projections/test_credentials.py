"""The Bitstring Status List encoding (W3C Bitstring Status List v1.0), the OB 3.0 identity
hash, and the verification code's shape: pure functions, no ledger."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from projections.badges import (
    LIST_BITS,
    bitstring,
    decode_list,
    encode_list,
    identity_hash,
    list_length,
    set_indexes,
)
from projections.credentials import french_date, make_code, parse_code

W3C_EMPTY_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
"""The encodedList of the specification's example: 131,072 bits, none set."""


def test_the_specification_s_example_list_decodes_to_131072_clear_bits() -> None:
    bits = decode_list(W3C_EMPTY_LIST)

    assert len(bits) * 8 == LIST_BITS and set_indexes(bits) == []


def test_index_0_is_the_most_significant_bit_of_the_first_byte() -> None:
    bits = bitstring([0, 9], 16)

    assert bits == bytes([0b1000_0000, 0b0100_0000])


def test_an_encoded_list_is_gzip_then_base64url_without_padding_after_u() -> None:
    encoded = encode_list(bitstring([5], LIST_BITS))

    assert encoded.startswith("uH4sI") and "=" not in encoded and "+" not in encoded
    assert encode_list(bitstring([5], LIST_BITS)) == encoded


@given(st.sets(st.integers(0, 2 * LIST_BITS - 1), max_size=40))
def test_encoding_then_decoding_gives_back_the_set_bits(indexes: set[int]) -> None:
    length = list_length(max(indexes, default=0) + 1)

    assert set_indexes(decode_list(encode_list(bitstring(indexes, length)))) == sorted(indexes)


def test_the_list_is_131072_bits_then_grows_by_as_much() -> None:
    assert [list_length(n) for n in (0, 1, LIST_BITS, LIST_BITS + 1)] == [
        LIST_BITS,
        LIST_BITS,
        LIST_BITS,
        2 * LIST_BITS,
    ]


def test_a_list_without_its_multibase_prefix_is_refused() -> None:
    with pytest.raises(ValueError, match="prefix u"):
        decode_list(W3C_EMPTY_LIST[1:])


def test_the_identity_hash_is_sha256_of_the_name_then_the_salt() -> None:
    expected = hashlib.sha256(b"Alice DURANDabc").hexdigest()

    assert identity_hash("Alice DURAND", "abc") == f"sha256${expected}"
    assert identity_hash("Zoe\u0301", "s") == identity_hash("Zoé", "s")


def test_a_code_reads_back_whatever_its_spacing_and_case() -> None:
    key = Ed25519PrivateKey.generate()
    code = make_code("RNCP13080-2017-00001", 42, "ab" * 32, key)

    parts = parse_code(" ".join(code[i : i + 20] for i in range(0, len(code), 20)))

    assert (parts.number, parts.position, parts.digest) == ("RNCP13080-2017-00001", 42, "AB" * 8)
    key.public_key().verify(
        parts.signature,
        b"certledger parchment code v1\nRNCP13080-2017-00001\n42\n" + b"ab" * 32 + b"\n",
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "CL1:N:1:AB",
        "CL2:N:1:" + "A" * 16 + ":AAAA",
        "CL1:N:x:" + "A" * 16 + ":AAAA",
        "CL1:N:1:" + "G" * 16 + ":AAAA",
        "CL1:N:1:" + "A" * 16 + ":!!!!",
    ],
)
def test_a_code_of_the_wrong_shape_says_what_is_wrong(text: str) -> None:
    with pytest.raises(ValueError):
        parse_code(text)


def test_dates_are_written_as_on_a_french_parchment() -> None:
    from datetime import date

    assert french_date(date(2017, 6, 27)) == "27 juin 2017"
    assert french_date(date(2019, 8, 1)) == "1er août 2019"


def test_on_a_boundary_day_the_parchment_names_the_registration_that_begins() -> None:
    from datetime import date

    from ledger.referential import default_referential_text, parse_referential
    from projections.credentials import registration_on

    ref = parse_referential(default_referential_text())

    assert registration_on(ref, date(2011, 3, 4)).source.startswith("Arrêté du 16 février 2006")  # type: ignore[union-attr]
    assert registration_on(ref, date(2011, 3, 5)).source.startswith("Arrêté du 31 août 2011")  # type: ignore[union-attr]
    assert registration_on(ref, date(2019, 10, 5)) is None
