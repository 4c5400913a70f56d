"""The emergency key's Shamir shares: any k of n give the key back, fewer give nothing useful."""

from __future__ import annotations

import itertools

import pytest

from dossier import crypto


@pytest.mark.parametrize(("threshold", "count"), [(2, 2), (2, 3), (3, 5)])
def test_any_threshold_of_the_shares_give_the_key_back(threshold: int, count: int) -> None:
    key = crypto.new_key()
    shares = crypto.split_key(key, threshold, count)
    assert [share.index for share in shares] == list(range(1, count + 1))
    assert all(len(share.value) == crypto.SHARE_BYTES for share in shares)
    for chosen in itertools.combinations(shares, threshold):
        assert crypto.combine_shares(list(chosen)) == key


@pytest.mark.parametrize(("threshold", "count"), [(2, 3), (3, 5)])
def test_fewer_shares_do_not_give_the_key(threshold: int, count: int) -> None:
    key = crypto.new_key()
    shares = crypto.split_key(key, threshold, count)
    for chosen in itertools.combinations(shares, threshold - 1):
        assert crypto.combine_shares(list(chosen)) != key
        assert all(share.value != key for share in chosen)


def test_an_emergency_key_pair_survives_its_split() -> None:
    private = crypto.new_exchange_key()
    shares = crypto.split_key(crypto.private_bytes(private), 2, 3)
    combined = crypto.exchange_key(crypto.combine_shares([shares[2], shares[0]]))
    assert crypto.public_bytes(combined) == crypto.public_bytes(private)


def test_each_split_is_new() -> None:
    key = crypto.new_key()
    first, second = crypto.split_key(key, 2, 3), crypto.split_key(key, 2, 3)
    assert [s.value for s in first] != [s.value for s in second]


def test_one_person_alone_is_never_enough() -> None:
    with pytest.raises(ValueError, match="threshold"):
        crypto.split_key(crypto.new_key(), 1, 3)
    with pytest.raises(ValueError, match="threshold"):
        crypto.split_key(crypto.new_key(), 4, 3)
    with pytest.raises(ValueError, match="32 bytes"):
        crypto.split_key(b"short", 2, 3)


def test_a_repeated_or_damaged_share_is_one_opaque_error() -> None:
    shares = crypto.split_key(crypto.new_key(), 2, 3)
    for bad in (
        [],
        [shares[0], shares[0]],
        [shares[0], crypto.Share(shares[1].index, shares[1].value[:-1])],
    ):
        with pytest.raises(crypto.CryptoError):
            crypto.combine_shares(bad)
