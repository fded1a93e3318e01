ALTER TABLE "communications" ADD COLUMN "external_id" text;--> statement-breakpoint
ALTER TABLE "communications" ADD COLUMN "sender" text;--> statement-breakpoint
ALTER TABLE "communications" ADD COLUMN "classification" jsonb;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "outreach_paused_until" date;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "outreach_pause_reason" text;--> statement-breakpoint
CREATE UNIQUE INDEX "communications_external_id_key" ON "communications" USING btree ("channel","external_id") WHERE "communications"."external_id" is not null;--> statement-breakpoint
ALTER TABLE "customers" ADD CONSTRAINT "customers_outreach_pause_complete" CHECK (("customers"."outreach_paused_until" is null) = ("customers"."outreach_pause_reason" is null));