-- The seed sample's first Athena query, verbatim: the last 7 days by region, category and date, where there was high risk.
SELECT region, merchant_category, date, COUNT(*) as total_transactions,
       SUM(CAST(amount AS DECIMAL(12,2))) as total_amount,
       COUNT(CASE WHEN risk_score = 'HIGH' THEN 1 END) as high_risk_count,
       COUNT(CASE WHEN fraud_indicators.velocity_check = 'FLAG' THEN 1 END) as velocity_flags,
       COUNT(CASE WHEN status = 'FLAGGED' THEN 1 END) as flagged_transactions
FROM transactions
WHERE date >= CURRENT_DATE - INTERVAL '7' DAY
GROUP BY region, merchant_category, date
HAVING COUNT(CASE WHEN risk_score = 'HIGH' THEN 1 END) > 0
