DROP TABLE sample_checks;
DROP TABLE batch_samples;
