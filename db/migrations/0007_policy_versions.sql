CREATE TABLE "policy_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" text NOT NULL,
	"document" jsonb NOT NULL,
	"sha256" text NOT NULL,
	"uploaded_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "policy_versions_version_key" UNIQUE("version")
);
--> statement-breakpoint
CREATE INDEX "policy_versions_created_idx" ON "policy_versions" USING btree ("created_at");