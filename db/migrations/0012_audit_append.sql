-- One round trip per audit entry: take the chain's lock, read the newest entry and append the next,
-- all inside the database. Before, these were three statements, and the lock was held across every
-- round trip until commit; under load the appenders queued on it. The caller sends the entry's
-- canonical JSON in three pieces around its "at" and "seq" values, which are decided here, under
-- the lock; the hash is sha256(previous hash, newline, canonical JSON), as db/audit.ts verifies it.
-- VOLATILE: each statement takes a new snapshot, so the newest entry is read after the lock is held.
CREATE FUNCTION arc_audit_append(
  p_actor text,
  p_event text,
  p_entity_type text,
  p_entity_id text,
  p_action_id uuid,
  p_data jsonb,
  p_json_before_at text,
  p_json_before_seq text,
  p_json_after_seq text
) RETURNS TABLE (seq bigint, hash text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_prev_seq bigint;
  v_prev_hash text;
  v_at timestamptz;
  v_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('arc.audit'));
  SELECT l.seq, l.hash INTO v_prev_seq, v_prev_hash FROM audit_log l ORDER BY l.seq DESC LIMIT 1;
  v_prev_seq := coalesce(v_prev_seq, 0);
  v_prev_hash := coalesce(v_prev_hash, repeat('0', 64));
  v_at := date_trunc('milliseconds', clock_timestamp());
  v_hash := encode(sha256(convert_to(
    v_prev_hash || E'\n' || p_json_before_at || '"' ||
    to_char(v_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"' ||
    p_json_before_seq || (v_prev_seq + 1)::text || p_json_after_seq, 'UTF8')), 'hex');
  INSERT INTO audit_log (seq, at, actor, event, entity_type, entity_id, action_id, data, prev_hash, hash)
  VALUES (v_prev_seq + 1, v_at, p_actor, p_event, p_entity_type, p_entity_id, p_action_id, p_data,
    v_prev_hash, v_hash);
  RETURN QUERY SELECT v_prev_seq + 1, v_hash;
END
$$;
