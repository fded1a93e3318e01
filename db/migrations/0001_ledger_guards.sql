-- Running totals on invoices and payments, maintained inside the same statement as the row that
-- changes them. The CHECK constraints on those totals (invoices_not_overpaid,
-- payments_not_overapplied) then reject over-application or over-crediting even under concurrent
-- writers, because each UPDATE takes the row lock and re-checks.
CREATE FUNCTION arc_apply_payment_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE invoices SET paid_minor = paid_minor + NEW.amount_minor, updated_at = now() WHERE id = NEW.invoice_id;
    UPDATE payments SET applied_minor = applied_minor + NEW.amount_minor WHERE id = NEW.payment_id;
    RETURN NEW;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE invoices SET paid_minor = paid_minor - OLD.amount_minor, updated_at = now() WHERE id = OLD.invoice_id;
    UPDATE payments SET applied_minor = applied_minor - OLD.amount_minor WHERE id = OLD.payment_id;
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'payment_applications rows are immutable; delete and re-apply instead';
END $$;
--> statement-breakpoint
CREATE TRIGGER payment_applications_totals
  AFTER INSERT OR UPDATE OR DELETE ON payment_applications
  FOR EACH ROW EXECUTE FUNCTION arc_apply_payment_totals();
--> statement-breakpoint
CREATE FUNCTION arc_credit_note_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE invoices SET credited_minor = credited_minor + NEW.amount_minor, updated_at = now() WHERE id = NEW.invoice_id;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'credit notes are immutable; issue a new document instead';
END $$;
--> statement-breakpoint
CREATE TRIGGER credit_notes_totals
  AFTER INSERT OR UPDATE OR DELETE ON credit_notes
  FOR EACH ROW EXECUTE FUNCTION arc_credit_note_totals();
--> statement-breakpoint
-- closed_at follows the balance: set when it reaches zero, cleared if it reopens.
CREATE FUNCTION arc_invoice_closed_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.amount_minor - NEW.paid_minor - NEW.credited_minor - NEW.written_off_minor = 0 THEN
    NEW.closed_at := coalesce(NEW.closed_at, now());
  ELSE
    NEW.closed_at := NULL;
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER invoices_closed_at
  BEFORE INSERT OR UPDATE OF paid_minor, credited_minor, written_off_minor, amount_minor ON invoices
  FOR EACH ROW EXECUTE FUNCTION arc_invoice_closed_at();
--> statement-breakpoint
-- The audit log is append-only for the application. A privileged operator can still disable this
-- trigger; `arc audit verify` is what detects such tampering (hash chain + gap-free seq).
CREATE FUNCTION arc_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_log_append_only
  BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION arc_audit_log_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate
  BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION arc_audit_log_append_only();
