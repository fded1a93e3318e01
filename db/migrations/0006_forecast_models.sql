CREATE TABLE "forecast_models" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" text NOT NULL,
	"kind" text NOT NULL,
	"trained_through" date NOT NULL,
	"train_rows" integer NOT NULL,
	"params" jsonb NOT NULL,
	"metrics" jsonb,
	"action_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "forecast_models_version_key" UNIQUE("version")
);
--> statement-breakpoint
ALTER TABLE "forecast_models" ADD CONSTRAINT "forecast_models_action_id_actions_id_fk" FOREIGN KEY ("action_id") REFERENCES "public"."actions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "forecast_models_created_idx" ON "forecast_models" USING btree ("created_at");