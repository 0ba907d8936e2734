"""Credential kinds read from environment-variable, config and variable names."""

import pytest

from cioguard.rules.clients.key_sources import name_kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("CIO_SITE_ID", "site"),
        ("CUSTOMERIO_SITE_ID", "site"),
        ("CUSTOMER_IO_SITE_ID", "site"),
        ("siteId", "site"),
        ("customerio_site_id", "site"),
        ("customerio.siteId", "site"),
        ("CIO_TRACKING_SITE_ID", "site"),
        ("CIO_TRACK_SITE_ID", "site"),
        ("NEXT_PUBLIC_CIO_SITE_ID", "site"),
        ("CIO_TRACK_API_KEY", "track"),
        ("trackApiKey", "track"),
        ("CUSTOMERIO_TRACKING_API_KEY", "track"),
        ("REACT_APP_CIO_TRACK_KEY", "track"),
        ("CIO_APP_API_KEY", "app"),
        ("appApiKey", "app"),
        ("CUSTOMERIO_APP_KEY", "app"),
        ("CIO_BEARER_TOKEN", "app"),
        ("CUSTOMERIO_WEBHOOK_SIGNING_KEY", "webhook"),
        ("webhookSigningKey", "webhook"),
        ("CIO_WEBHOOK_SECRET", "webhook"),
        ("CIO_WRITE_KEY", "pipelines"),
        ("CUSTOMERIO_API_KEY", "generic"),
        ("apiKey", "generic"),
        ("api_key", "generic"),
    ],
)
def test_name_kind_reads_credential_names(name, kind):
    assert name_kind(name) == kind


@pytest.mark.parametrize(
    "name",
    [
        "CIO_KEY",
        "CUSTOMERIO_SECRET",
        "APP_KEY",
        "APP_SECRET",
        "STRIPE_API_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "SEGMENT_WRITE_KEY",
        "SITE_URL",
        "site",
        "TRACKING_ID",
        "track",
        "key",
        "",
    ],
)
def test_name_kind_leaves_unclear_names(name):
    assert name_kind(name) is None
