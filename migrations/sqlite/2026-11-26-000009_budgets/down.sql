DROP TABLE debt_commitments;
DROP TABLE budget_lines;
