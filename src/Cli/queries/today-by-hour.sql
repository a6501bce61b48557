-- The seed sample's second Athena query, verbatim: today by hour, category and payment method.
SELECT date, hour, merchant_category, payment_method, COUNT(*) as transaction_count,
       SUM(CAST(amount AS DECIMAL(12,2))) as total_amount, COUNT(DISTINCT customer_id) as unique_customers,
       COUNT(CASE WHEN status = 'DECLINED' THEN 1 END) as declined_count,
       COUNT(CASE WHEN fraud_indicators.amount_threshold = 'HIGH' THEN 1 END) as high_amount_alerts
FROM transactions
WHERE date = CURRENT_DATE
GROUP BY date, hour, merchant_category, payment_method
