-- Risk by region and merchant category: how many transactions, how much money, and how much of it high risk.
-- Athena SQL over the Iceberg table; runs unchanged on the local lake (query --name risk-by-region).
SELECT
  region,
  merchant_category,
  COUNT(*) AS transactions,
  SUM(amount) AS total_amount,
  SUM(CASE WHEN risk_score = 'HIGH' THEN 1 ELSE 0 END) AS high_risk,
  ROUND(100.0 * SUM(CASE WHEN risk_score = 'HIGH' THEN 1 ELSE 0 END) / COUNT(*), 2) AS high_risk_pct,
  SUM(CASE WHEN status = 'FLAGGED' THEN 1 ELSE 0 END) AS flagged
FROM transactions
GROUP BY region, merchant_category
ORDER BY high_risk DESC, total_amount DESC, region, merchant_category
