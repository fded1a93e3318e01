-- Payment applications arrive in bulk (imports, the demo, cash application batches). Keeping the
-- running totals per statement instead of per row does one set-based UPDATE per table instead of
-- two single-row UPDATEs per application. The CHECKs on the totals still judge every updated row,
-- so over-application is refused exactly as before.
DROP TRIGGER payment_applications_totals ON payment_applications;
--> statement-breakpoint
CREATE FUNCTION arc_payment_totals_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE invoices i SET paid_minor = i.paid_minor + n.total, updated_at = now()
    FROM (SELECT invoice_id, sum(amount_minor) AS total FROM added GROUP BY invoice_id) n
    WHERE i.id = n.invoice_id;
  UPDATE payments p SET applied_minor = p.applied_minor + n.total
    FROM (SELECT payment_id, sum(amount_minor) AS total FROM added GROUP BY payment_id) n
    WHERE p.id = n.payment_id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION arc_payment_totals_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE invoices i SET paid_minor = i.paid_minor - n.total, updated_at = now()
    FROM (SELECT invoice_id, sum(amount_minor) AS total FROM removed GROUP BY invoice_id) n
    WHERE i.id = n.invoice_id;
  UPDATE payments p SET applied_minor = p.applied_minor - n.total
    FROM (SELECT payment_id, sum(amount_minor) AS total FROM removed GROUP BY payment_id) n
    WHERE p.id = n.payment_id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER payment_applications_totals_added
  AFTER INSERT ON payment_applications REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION arc_payment_totals_added();
--> statement-breakpoint
CREATE TRIGGER payment_applications_totals_removed
  AFTER DELETE ON payment_applications REFERENCING OLD TABLE AS removed
  FOR EACH STATEMENT EXECUTE FUNCTION arc_payment_totals_removed();
--> statement-breakpoint
-- Still immutable: arc_apply_payment_totals (0001) raises for UPDATE.
CREATE TRIGGER payment_applications_immutable
  BEFORE UPDATE ON payment_applications
  FOR EACH ROW EXECUTE FUNCTION arc_apply_payment_totals();
