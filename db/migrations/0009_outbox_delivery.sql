ALTER TABLE "communications" DROP CONSTRAINT "communications_status_known";--> statement-breakpoint
DROP INDEX "communications_outbox_idx";--> statement-breakpoint
ALTER TABLE "communications" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "communications" ADD COLUMN "next_attempt_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "communications" ADD COLUMN "lease_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "communications" ADD COLUMN "provider_message_id" text;--> statement-breakpoint
ALTER TABLE "communications" ADD COLUMN "status_reason" text;--> statement-breakpoint
ALTER TABLE "communications" ADD COLUMN "sent_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "communications" ADD COLUMN "unsubscribe_token" text;--> statement-breakpoint
CREATE UNIQUE INDEX "communications_unsubscribe_token_key" ON "communications" USING btree ("unsubscribe_token") WHERE "communications"."unsubscribe_token" is not null;--> statement-breakpoint
CREATE INDEX "communications_outbox_idx" ON "communications" USING btree ("occurred_at") WHERE "communications"."status" in ('queued', 'held', 'sending');--> statement-breakpoint
ALTER TABLE "communications" ADD CONSTRAINT "communications_status_known" CHECK ("communications"."status" in ('queued', 'sending', 'held', 'unconfirmed', 'sent', 'delivered', 'failed', 'received', 'cancelled'));