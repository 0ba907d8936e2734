"""Celery tasks that sync activity to Customer.io."""
import time
import uuid

from celery import shared_task

from .cio import track_client


@shared_task
def record_login(user_id, email, method):
    cio = track_client()
    cio.identify(id=user_id, email=email, last_login_at=int(time.time()))
    cio.track(user_id, f"login_via_{method}", data={"method": method})


@shared_task
def record_download(user_id, file_id):
    track_client().track(
        user_id,
        "file_downloaded",
        data={"file_id": file_id, "downloaded_at": int(time.time() * 1000)},
        id=str(uuid.uuid4()),
    )


@shared_task
def record_export(user_id, export_format, rows):
    track_client().track(user_id, "export_created", format=export_format, rows=rows)
