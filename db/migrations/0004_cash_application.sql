CREATE TABLE "bank_imports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"file_name" text NOT NULL,
	"sha256" text NOT NULL,
	"format" text NOT NULL,
	"statements" integer NOT NULL,
	"transactions" integer NOT NULL,
	"imported" integer NOT NULL,
	"duplicates" integer NOT NULL,
	"skipped" integer NOT NULL,
	"action_id" uuid,
	"imported_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bank_imports_format_known" CHECK ("bank_imports"."format" in ('camt.052', 'camt.053', 'camt.054', 'bai2', 'mt940', 'csv'))
);
--> statement-breakpoint
CREATE TABLE "write_offs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"customer_id" uuid NOT NULL,
	"invoice_id" uuid NOT NULL,
	"currency" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"reason" text NOT NULL,
	"payment_id" uuid,
	"note" text,
	"action_id" uuid,
	"written_off_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "write_offs_amount_positive" CHECK ("write_offs"."amount_minor" > 0),
	CONSTRAINT "write_offs_reason_known" CHECK ("write_offs"."reason" in ('short_pay', 'bank_charges', 'fx_difference', 'early_payment_discount', 'small_balance', 'bad_debt'))
);
--> statement-breakpoint
ALTER TABLE "disputes" DROP CONSTRAINT "disputes_category_known";--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "rationale" text;--> statement-breakpoint
ALTER TABLE "actions" ADD COLUMN "alternatives" jsonb;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "early_discount_percent" real;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "early_discount_until" date;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "bank_import_id" uuid;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "bank_account" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "reference" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "bank_reference" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "charges_minor" bigint;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "original_currency" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "original_amount_minor" bigint;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "suggested_customer_id" uuid;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "identification" jsonb;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "identified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "bank_imports" ADD CONSTRAINT "bank_imports_action_id_actions_id_fk" FOREIGN KEY ("action_id") REFERENCES "public"."actions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "write_offs" ADD CONSTRAINT "write_offs_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "write_offs" ADD CONSTRAINT "write_offs_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "write_offs" ADD CONSTRAINT "write_offs_action_id_actions_id_fk" FOREIGN KEY ("action_id") REFERENCES "public"."actions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "write_offs" ADD CONSTRAINT "write_offs_invoice_currency_fk" FOREIGN KEY ("invoice_id","currency") REFERENCES "public"."invoices"("id","currency") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "bank_imports_sha256_idx" ON "bank_imports" USING btree ("sha256");--> statement-breakpoint
CREATE INDEX "write_offs_invoice_idx" ON "write_offs" USING btree ("invoice_id");--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_bank_import_id_bank_imports_id_fk" FOREIGN KEY ("bank_import_id") REFERENCES "public"."bank_imports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_suggested_customer_id_customers_id_fk" FOREIGN KEY ("suggested_customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "payments_payer_account_idx" ON "payments" USING btree ("payer_account");--> statement-breakpoint
CREATE INDEX "payments_suggested_customer_idx" ON "payments" USING btree ("suggested_customer_id") WHERE "payments"."customer_id" is null and "payments"."amount_minor" > "payments"."applied_minor";--> statement-breakpoint
ALTER TABLE "disputes" ADD CONSTRAINT "disputes_category_known" CHECK ("disputes"."category" in ('pricing', 'quantity', 'damaged', 'not_received', 'duplicate_billing', 'already_paid', 'short_payment', 'other'));--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_early_discount_complete" CHECK (("invoices"."early_discount_percent" is null) = ("invoices"."early_discount_until" is null) and ("invoices"."early_discount_percent" is null or ("invoices"."early_discount_percent" > 0 and "invoices"."early_discount_percent" < 100)));--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_original_complete" CHECK (("payments"."original_currency" is null) = ("payments"."original_amount_minor" is null));--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_charges_nonnegative" CHECK ("payments"."charges_minor" is null or "payments"."charges_minor" >= 0);--> statement-breakpoint
-- Write-offs keep invoices.written_off_minor the way credit notes keep credited_minor (0001): in
-- the same statement, so invoices_not_overpaid refuses writing off more than the balance.
CREATE FUNCTION arc_write_off_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE invoices SET written_off_minor = written_off_minor + NEW.amount_minor, updated_at = now() WHERE id = NEW.invoice_id;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'write-offs are immutable; post a new document instead';
END $$;
--> statement-breakpoint
CREATE TRIGGER write_offs_totals
  AFTER INSERT OR UPDATE OR DELETE ON write_offs
  FOR EACH ROW EXECUTE FUNCTION arc_write_off_totals();
