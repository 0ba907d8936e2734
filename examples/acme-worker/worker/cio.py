"""Customer.io clients for the background worker."""
import os
from functools import lru_cache

from customerio import APIClient, CustomerIO, Regions


@lru_cache(maxsize=1)
def track_client() -> CustomerIO:
    return CustomerIO(os.environ["CIO_SITE_ID"], os.environ["CIO_TRACK_API_KEY"], region=Regions.US)


@lru_cache(maxsize=1)
def app_client() -> APIClient:
    return APIClient(os.environ["CIO_APP_API_KEY"], region=Regions.US)
