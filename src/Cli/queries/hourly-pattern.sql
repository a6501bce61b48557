-- Hourly pattern: transactions, money and risk by UTC hour of day.
-- Athena SQL over the Iceberg table; runs unchanged on the local lake (query --name hourly-pattern).
SELECT
  hour,
  COUNT(*) AS transactions,
  SUM(amount) AS total_amount,
  ROUND(AVG(amount), 2) AS average_amount,
  SUM(CASE WHEN risk_score = 'HIGH' THEN 1 ELSE 0 END) AS high_risk,
  SUM(CASE WHEN status = 'DECLINED' THEN 1 ELSE 0 END) AS declined
FROM transactions
GROUP BY hour
ORDER BY hour
