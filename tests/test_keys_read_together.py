"""The shared cache's keys every request reads are read in one round trip
(portal.cache.keys_read_together)."""

import pytest
from django.core.cache import cache

from interface_strings.overrides import VERSION_KEY
from portal.cache import RedisCacheClient
from programs.request_memo import GENERATION_KEY
from tests.factories import PASSWORD, PartnerUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(client):
    user = PartnerUserFactory(roles=["owner"])
    assert client.login(username=user.username, password=PASSWORD)
    return user


@pytest.fixture
def cache_reads(monkeypatch):
    """The keys of each read the shared cache's client is asked for, one list a read."""
    reads = []
    original_get, original_get_many = RedisCacheClient.get, RedisCacheClient.get_many

    def get(self, key, default):
        reads.append([key])
        return original_get(self, key, default)

    def get_many(self, keys):
        reads.append(list(keys))
        return original_get_many(self, keys)

    monkeypatch.setattr(RedisCacheClient, "get", get)
    monkeypatch.setattr(RedisCacheClient, "get_many", get_many)
    return reads


def reads_of(reads, *keys):
    names = {cache.make_and_validate_key(key): key for key in keys}
    return [sorted(names[key] for key in read if key in names) for read in reads if names.keys() & set(read)]


def test_a_partner_page_reads_the_strings_version_and_configuration_generation_at_once(client, partner, cache_reads):
    assert client.get("/dashboard/").status_code == 200  # both keys now exist in the cache
    cache_reads.clear()

    assert client.get("/dashboard/").status_code == 200

    assert reads_of(cache_reads, VERSION_KEY, GENERATION_KEY) == [sorted([GENERATION_KEY, VERSION_KEY])]


def test_a_key_missing_from_the_cache_is_read_and_set_as_before(client, partner, cache_reads):
    cache.delete(VERSION_KEY)

    assert client.get("/dashboard/").status_code == 200

    assert [VERSION_KEY] in reads_of(cache_reads, VERSION_KEY), "read on its own after the shared read found nothing"
    assert cache.get(VERSION_KEY) is not None, "and written back for the next requests"
