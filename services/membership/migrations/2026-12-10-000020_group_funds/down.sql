DROP TABLE fund_spending;
DROP TABLE fund_budgets;
