ALTER TABLE "customers" ADD COLUMN "risk_score" real;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "risk_scored_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "customers" ADD CONSTRAINT "customers_risk_score_range" CHECK ("customers"."risk_score" is null or ("customers"."risk_score" >= 0 and "customers"."risk_score" <= 100));