import pytest

from content.models import SectionPage
from search.selectors import documents_search


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_published_page_becomes_searchable_through_the_worker(celery_worker, search_indexes, home_page, wait_for):
    page = home_page.add_child(instance=SectionPage(title="Platinum incentive calendar"))
    page.save_revision().publish()

    hits = wait_for(lambda: documents_search(query="incentive calendar"), timeout=10, message="the page in results")

    assert [hit.object_id for hit in hits] == [str(page.pk)]
