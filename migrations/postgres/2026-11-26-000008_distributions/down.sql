DROP TABLE distribution_payments;
