CREATE TABLE "cash_forecasts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"as_of" date NOT NULL,
	"model_version" text NOT NULL,
	"currency" text NOT NULL,
	"week_index" integer NOT NULL,
	"week_start" date NOT NULL,
	"week_end" date,
	"p10_minor" bigint NOT NULL,
	"p50_minor" bigint NOT NULL,
	"p90_minor" bigint NOT NULL,
	"mean_minor" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cash_forecasts_as_of_week_key" UNIQUE("as_of","model_version","currency","week_index"),
	CONSTRAINT "cash_forecasts_currency_iso" CHECK ("cash_forecasts"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "cash_forecasts_week_range" CHECK ("cash_forecasts"."week_index" between 0 and 13),
	CONSTRAINT "cash_forecasts_quantiles_ordered" CHECK (0 <= "cash_forecasts"."p10_minor" and "cash_forecasts"."p10_minor" <= "cash_forecasts"."p50_minor" and "cash_forecasts"."p50_minor" <= "cash_forecasts"."p90_minor")
);
--> statement-breakpoint
ALTER TABLE "predictions" ADD COLUMN "p10_pay_date" date;--> statement-breakpoint
ALTER TABLE "predictions" ADD COLUMN "p90_pay_date" date;