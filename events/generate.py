#!/usr/bin/env python3
"""Writes the sample Firehose events in events/ from readable change records below.
Run from the repository root: python3 events/generate.py   (deterministic; commit the output)."""
import base64, json, os

HERE = os.path.dirname(os.path.abspath(__file__))
STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/transactions-cdc"
DELIVERY = "arn:aws:firehose:us-east-1:123456789012:deliverystream/transactions-to-iceberg"
TTL_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


def item(txn, ts_ms, amount="1234.50", status="PENDING", **extra):
    d = {
        "transaction_id": {"S": txn},
        "timestamp": {"N": str(ts_ms)},
        "customer_id": {"S": "cust-004211"},
        "date": {"S": "2026-11-23"},
        "hour": {"N": "9"},
        "minute": {"N": "41"},
        "transaction_type": {"S": "purchase"},
        "amount": {"N": amount},
        "currency": {"S": "USD"},
        "merchant_category": {"S": "electronics"},
        "payment_method": {"S": "credit_card"},
        "region": {"S": "us-east-1"},
        "risk_score": {"S": "LOW"},
        "status": {"S": status},
        "processing_timestamp": {"N": str(ts_ms + 420)},
        "transaction_metadata": {"M": {
            "device_type": {"S": "mobile"},
            "authentication_method": {"S": "biometric"},
            "merchant_id": {"S": "m-00042"}}},
        "fraud_indicators": {"M": {
            "velocity_check": {"S": "PASS"},
            "amount_threshold": {"S": "NORMAL"},
            "location_risk": {"S": "LOW"},
            "pattern_match": {"S": "NONE"}}},
    }
    d.update(extra)
    return d


def kinesis_change(name, key, event_id, created, new=None, old=None, identity=None):
    ddb = {"ApproximateCreationDateTime": created, "Keys": {"transaction_id": {"S": key}}, "SizeBytes": 812}
    if new is not None:
        ddb["NewImage"] = new
    if old is not None:
        ddb["OldImage"] = old
    return {"awsRegion": "us-east-1", "eventID": event_id, "eventName": name, "userIdentity": identity,
            "recordFormat": "application/json", "tableName": "transactions", "dynamodb": ddb,
            "eventSource": "aws:dynamodb"}


def streams_change(name, key, event_id, created_seconds, sequence, new=None, old=None, view="NEW_AND_OLD_IMAGES"):
    ddb = {"ApproximateCreationDateTime": created_seconds, "Keys": {"transaction_id": {"S": key}},
           "SequenceNumber": sequence, "SizeBytes": 812, "StreamViewType": view}
    if new is not None:
        ddb["NewImage"] = new
    if old is not None:
        ddb["OldImage"] = old
    return {"eventID": event_id, "eventName": name, "eventVersion": "1.1", "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1", "dynamodb": ddb,
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/transactions/stream/2026-11-01T00:00:00.000"}


def b64(obj):
    raw = obj if isinstance(obj, bytes) else json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.b64encode(raw).decode()


def firehose(records, kinesis=True):
    out = []
    for i, data in enumerate(records):
        seq = str(49656000000000000000000000000000000000000000000000000000 + i)
        rec = {"recordId": f"{seq}0000000{i:03d}", "approximateArrivalTimestamp": 1795427000000 + i}
        if data is not None:
            rec["data"] = data
        if kinesis:
            rec["kinesisRecordMetadata"] = {"sequenceNumber": seq, "subsequenceNumber": 0,
                                            "partitionKey": f"{i:032X}", "shardId": "shardId-000000000000",
                                            "approximateArrivalTimestamp": 1795427000000 + i}
        out.append(rec)
    ev = {"invocationId": "6b0f1c2a-9d3e-4f5a-8b7c-1d2e3f4a5b6c", "deliveryStreamArn": DELIVERY,
          "region": "us-east-1", "records": out}
    if kinesis:
        ev["sourceKinesisStreamArn"] = STREAM
    return ev


T = 1795426800000  # 2026-11-23T09:40:00Z in ms


def main():
    events = {}
    insert = item("txn-00000001", T + 1)
    events["kinesis-insert"] = firehose([b64(kinesis_change("INSERT", "txn-00000001", "9f1c6b1e-0001-4c1e-9a1b-000000000001", T + 150, new=insert))])

    approved = dict(insert, status={"S": "APPROVED"}, processing_timestamp={"N": str(T + 2000)})
    events["kinesis-modify"] = firehose([b64(kinesis_change("MODIFY", "txn-00000001", "9f1c6b1e-0002-4c1e-9a1b-000000000002", T + 2100, new=approved, old=insert))])

    events["kinesis-remove"] = firehose([b64(kinesis_change("REMOVE", "txn-00000001", "9f1c6b1e-0003-4c1e-9a1b-000000000003", T + 9000, old=approved))])

    expiring = item("txn-00000007", T - 86_400_000, amount="12.00", status="DECLINED", expires_at={"N": "1795426000"})
    events["kinesis-ttl-delete"] = firehose([b64(kinesis_change("REMOVE", "txn-00000007", "9f1c6b1e-0004-4c1e-9a1b-000000000004", (T + 30_000) * 1000, old=expiring, identity=TTL_IDENTITY))])

    # A mixed batch: a key changed three times in one request (only the newest is Ok), a refund, an exact
    # exponent-form amount, microsecond event times, unicode and control characters, an undeclared attribute.
    a1 = item("txn-00000010", T + 10, amount="99.99")
    a2 = dict(a1, status={"S": "FLAGGED"})
    b = item("txn-00000011", T + 20, amount="-25.00", transaction_type={"S": "refund"})
    c = item("txn-00000012", T + 30, amount="1.5E+2", customer_id={"S": "cust-\u00e9\u4e2d\U0001F600-\"q\"\\\t"},
             loyalty_tier={"S": "gold"})
    d_old = item("txn-00000013", T - 5000, amount="0.01")
    events["kinesis-mixed-batch"] = firehose([
        b64(kinesis_change("INSERT", "txn-00000010", "9f1c6b1e-0010-4c1e-9a1b-000000000010", (T + 100) * 1000, new=a1)),
        b64(kinesis_change("INSERT", "txn-00000011", "9f1c6b1e-0011-4c1e-9a1b-000000000011", (T + 110) * 1000, new=b)),
        b64(kinesis_change("MODIFY", "txn-00000010", "9f1c6b1e-0012-4c1e-9a1b-000000000012", (T + 120) * 1000, new=a2, old=a1)),
        b64(kinesis_change("INSERT", "txn-00000012", "9f1c6b1e-0013-4c1e-9a1b-000000000013", (T + 130) * 1000, new=c)),
        b64(kinesis_change("REMOVE", "txn-00000013", "9f1c6b1e-0014-4c1e-9a1b-000000000014", (T + 140) * 1000, old=d_old)),
        b64(kinesis_change("REMOVE", "txn-00000010", "9f1c6b1e-0015-4c1e-9a1b-000000000015", (T + 150) * 1000, old=a2)),
    ])

    good = item("txn-00000020", T + 40)
    no_amount = {k: v for k, v in item("txn-00000022", T).items() if k != "amount"}
    events["kinesis-malformed-batch"] = firehose([
        "this is not base64!",
        b64(b"{\"eventName\": \"INSERT\", truncated"),
        b64(kinesis_change("UPSERT", "txn-00000021", "9f1c6b1e-0021-4c1e-9a1b-000000000021", T, new=good)),
        b64(kinesis_change("INSERT", "txn-00000021", "9f1c6b1e-0022-4c1e-9a1b-000000000022", T)),
        b64(kinesis_change("INSERT", "txn-00000022", "9f1c6b1e-0023-4c1e-9a1b-000000000023", T, new=no_amount)),
        b64(kinesis_change("INSERT", "txn-00000023", "9f1c6b1e-0024-4c1e-9a1b-000000000024", T, new=dict(good, transaction_id={"S": "txn-00000023"}, amount={"S": "12.50"}))),
        b64(kinesis_change("INSERT", "txn-00000024", "9f1c6b1e-0025-4c1e-9a1b-000000000025", T, new=dict(good, transaction_id={"S": "txn-00000024"}, amount={"N": "12345678901.00"}))),
        b64(kinesis_change("INSERT", "txn-00000025", "9f1c6b1e-0026-4c1e-9a1b-000000000026", T, new=dict(good, transaction_id={"S": "txn-00000025"}, amount={"N": "1.005"}))),
        b64(kinesis_change("INSERT", "txn-00000026", "9f1c6b1e-0027-4c1e-9a1b-000000000027", T, new=dict(good, transaction_id={"S": "txn-00000026"}, hour={"N": "99999999999"}))),
        None,
        b64(kinesis_change("INSERT", "txn-00000020", "9f1c6b1e-0020-4c1e-9a1b-000000000020", T + 45, new=good)),
    ])

    # DynamoDB Streams records as EventBridge Pipes delivers them to a Direct PUT stream: seconds with a fraction.
    s_new = item("txn-00000030", T + 50, amount="7.25", status="APPROVED")
    s_old = item("txn-00000030", T + 50, amount="7.25")
    events["pipes-modify"] = firehose([
        b64(streams_change("MODIFY", "txn-00000030", "0a1b2c3d4e5f60718293a4b5c6d7e8f9", 1795426860.561, "4421584500000000017450439091", new=s_new, old=s_old)),
        b64([streams_change("INSERT", "txn-00000031", "0a1b2c3d4e5f60718293a4b5c6d7e8fa", 1795426861, "4421584500000000017450439092", new=item("txn-00000031", T + 60))]),
    ], kinesis=False)

    # What Firehose would apply in the wrong Iceberg partition (ADR 0014), both refused: a MODIFY that re-dates a
    # transaction to the day before (partition_moved), and a REMOVE from a NEW_IMAGE stream, which carries only
    # the key (unknown_partition). Two pipes deliver into one Direct PUT stream.
    moved_old = item("txn-00000040", T + 70, status="PENDING")
    moved_new = dict(moved_old, timestamp={"N": str(T + 70 - 86_400_000)}, date={"S": "2026-11-22"}, status={"S": "APPROVED"})
    events["pipes-partition-conflicts"] = firehose([
        b64(streams_change("MODIFY", "txn-00000040", "0a1b2c3d4e5f60718293a4b5c6d7e900", 1795426870, "4421584500000000017450439100", new=moved_new, old=moved_old)),
        b64(streams_change("REMOVE", "txn-00000041", "0a1b2c3d4e5f60718293a4b5c6d7e901", 1795426871, "4421584500000000017450439101", view="NEW_IMAGE")),
    ], kinesis=False)

    for name, ev in events.items():
        with open(os.path.join(HERE, f"{name}.json"), "w") as f:
            json.dump(ev, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
