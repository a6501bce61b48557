"""moto's server, with DynamoDB's export to S3 written as the DynamoDB developer guide documents it.

moto 5.2 writes an export as one data file under a random folder, with no manifests and no ExportTime. The
backfill reads an export as AWS writes it, so the tests start moto through this file, which writes:
  PREFIX/AWSDynamoDB/EXPORT_ID/_started
  PREFIX/AWSDynamoDB/EXPORT_ID/data/<uuid>.json.gz        (items spread over several files, as partitions would)
  PREFIX/AWSDynamoDB/EXPORT_ID/manifest-files.json        (a JSON line per data file: itemCount, md5Checksum, etag, dataFileS3Key)
  PREFIX/AWSDynamoDB/EXPORT_ID/manifest-summary.json      (exportArn, times, manifestFilesS3Key, itemCount, ...)
with the ARN table/NAME/export/EXPORT_ID, and ExportTime, StartTime, EndTime and ExportManifest in DescribeExport.
moto keeps no history: the export holds the table as it is when the export runs, and ExportTime says so.
Usage: python3 tests/tools/moto_server.py -H 127.0.0.1 -p PORT
"""
import hashlib
import json
import random
import sys
import time
import uuid
from datetime import datetime, timezone

from moto.core.utils import gzip_compress
from moto.dynamodb.models import table_export
from moto.dynamodb.models.utilities import dynamo_json_dump

DATA_FILES = 3


def _iso(seconds):
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


_original_init = table_export.TableExport.__init__


def _init(self, *args, **kwargs):
    _original_init(self, *args, **kwargs)
    now = time.time()
    self.export_id = f"{int(now * 1000):014d}-{uuid.uuid4().hex[:8]}"
    self.arn = f"arn:{self.partition}:dynamodb:{self.region_name}:{self.account_id}:table/{self.table.name}/export/{self.export_id}"
    self.start_time = now
    self.export_time = now
    self.end_time = None
    self.prefix = f"{self.s3_prefix.rstrip('/')}/AWSDynamoDB/{self.export_id}" if self.s3_prefix else f"AWSDynamoDB/{self.export_id}"


def _backup(self, s3_backend):
    s3_backend.put_object(self.s3_bucket, f"{self.prefix}/_started", b"")
    lines = [[] for _ in range(DATA_FILES)]
    for item in self.table.all_items():
        json_item = item.to_json(root_attr_name="Item")
        lines[random.randrange(DATA_FILES)].append(dynamo_json_dump(json_item))
        self.processed_bytes += len(json_item)
        self.item_count += 1
    manifest = []
    for part in lines:
        key = f"{self.prefix}/data/{uuid.uuid4()}.json.gz"
        body = gzip_compress(("".join(line + "\n" for line in part)).encode("utf-8"))
        s3_backend.put_object(self.s3_bucket, key, body)
        manifest.append(json.dumps({"itemCount": len(part), "md5Checksum": hashlib.md5(body).hexdigest(), "etag": hashlib.md5(body).hexdigest(), "dataFileS3Key": key}))
    files_key = f"{self.prefix}/manifest-files.json"
    s3_backend.put_object(self.s3_bucket, files_key, ("\n".join(manifest) + "\n").encode("utf-8"))
    self.end_time = time.time()
    summary = {
        "version": "2020-06-30", "exportArn": self.arn, "startTime": _iso(self.start_time), "endTime": _iso(self.end_time),
        "tableArn": self.table.table_arn, "tableId": str(uuid.uuid5(uuid.NAMESPACE_URL, self.table.table_arn)),
        "exportTime": _iso(self.export_time), "s3Bucket": self.s3_bucket, "s3Prefix": self.s3_prefix,
        "s3SseAlgorithm": "AES256", "s3SseKmsKeyId": None, "manifestFilesS3Key": files_key,
        "billedSizeBytes": self.processed_bytes, "itemCount": self.item_count, "outputFormat": "DYNAMODB_JSON", "exportType": "FULL_EXPORT",
    }
    s3_backend.put_object(self.s3_bucket, f"{self.prefix}/manifest-summary.json", json.dumps(summary).encode("utf-8"))
    self.status = "COMPLETED"


_original_response = table_export.TableExport.response


def _response(self):
    response = _original_response(self)
    response.update({"ExportTime": self.export_time, "StartTime": self.start_time, "ExportManifest": f"{self.prefix}/manifest-summary.json"})
    if self.end_time is not None:
        response["EndTime"] = self.end_time
    return response


table_export.TableExport.__init__ = _init
table_export.TableExport._backup_to_s3_file = _backup
table_export.TableExport.response = _response

if __name__ == "__main__":
    from moto.server import main
    sys.exit(main(sys.argv[1:]))
