"""Empty a versioned S3 bucket, so that CloudFormation can delete it (stack teardown).

Contract: `empty_versioned_bucket(s3, bucket)` deletes every object version and every delete
marker of `bucket` (a plain `DeleteObject` on a versioned bucket only adds a marker, and
CloudFormation refuses to delete a bucket that still holds versions), in batches of at most
1,000 keys (DeleteObjects' limit), and returns how many it deleted. A key S3 refuses to delete
raises `RuntimeError` naming the key and S3's code (never the body of anything).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

BATCH: Final = 1000  # DeleteObjects takes at most 1,000 keys per request


def _versions(s3: Any, bucket: str) -> Iterator[dict[str, str]]:
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for item in (*page.get("Versions", []), *page.get("DeleteMarkers", [])):
            yield {"Key": item["Key"], "VersionId": item["VersionId"]}


def empty_versioned_bucket(s3: Any, bucket: str) -> int:
    deleted = 0
    # Listing everything first: deleting while paginating would shift the pages.
    pending = list(_versions(s3, bucket))
    for start in range(0, len(pending), BATCH):
        batch = pending[start : start + BATCH]
        answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        errors = answer.get("Errors", [])
        if errors:
            first = errors[0]
            raise RuntimeError(
                f"s3://{bucket}/{first.get('Key')}: {first.get('Code')} "
                f"({len(errors)} of {len(batch)} not deleted)"
            )
        deleted += len(batch)
    return deleted
