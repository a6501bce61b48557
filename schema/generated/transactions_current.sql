-- Generated from schema/transactions.json by `dotnet run --project src/Cli -- contract view`. Do not edit.
-- Current state from the change log: the newest change per unique key (by _event_time, then _event_id; a snapshot's row, export:… in transactions_snapshot, only where the stream has none), keys deleted last left out.
-- Runs unchanged on Athena and DuckDB.
CREATE OR REPLACE VIEW transactions_current AS
SELECT
  "transaction_id",
  "timestamp",
  "customer_id",
  "date",
  "hour",
  "minute",
  "transaction_type",
  "amount",
  "currency",
  "merchant_category",
  "payment_method",
  "region",
  "risk_score",
  "status",
  "processing_timestamp",
  "transaction_metadata",
  "fraud_indicators",
  "expires_at",
  "_event_time",
  "_event_id"
FROM (
  SELECT
    c.*,
    row_number() OVER (
      PARTITION BY "transaction_id"
      ORDER BY CASE WHEN "_event_id" LIKE 'export:%' THEN 1 ELSE 0 END, "_event_time" DESC, "_event_id" DESC
    ) AS change_rank
  FROM (
    SELECT "transaction_id", "timestamp", "customer_id", "date", "hour", "minute", "transaction_type", "amount", "currency", "merchant_category", "payment_method", "region", "risk_score", "status", "processing_timestamp", "transaction_metadata", "fraud_indicators", "expires_at", "_op", "_event_time", "_event_id", "_ttl_delete" FROM transactions_changes
    UNION ALL
    SELECT "transaction_id", "timestamp", "customer_id", "date", "hour", "minute", "transaction_type", "amount", "currency", "merchant_category", "payment_method", "region", "risk_score", "status", "processing_timestamp", "transaction_metadata", "fraud_indicators", "expires_at", "_op", "_event_time", "_event_id", "_ttl_delete" FROM transactions_snapshot
  ) AS c
) AS ranked
WHERE change_rank = 1 AND "_op" <> 'delete'
