CREATE TABLE "graph_write_pauses" (
	"tenant_id" text PRIMARY KEY NOT NULL,
	"paused_until" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "graph_write_reservations" (
	"tenant_id" text NOT NULL,
	"reserved_at" timestamp with time zone NOT NULL,
	"writes" integer NOT NULL,
	CONSTRAINT "graph_write_reservations_pkey" PRIMARY KEY("tenant_id","reserved_at")
);
--> statement-breakpoint
-- Reserves up to p_wanted Graph writes for a tenant: as many as fit in its budget of p_writes per window, where a
-- reservation counts for p_window_ms after it is made (at the database's clock unless p_at is given). Returns how
-- many it granted and, when fewer than wanted, the milliseconds until the next write may start: a 429's pause, or
-- the time the oldest reservations leave the window.
-- One reservation per tenant at a time across every process (an advisory lock held until the call's transaction
-- ends); VOLATILE, so each statement below reads what the reservations before it committed.
CREATE FUNCTION joiner_reserve_graph_writes(
	p_tenant_id text, p_wanted integer, p_writes integer, p_window_ms integer, p_at timestamptz
) RETURNS TABLE (granted integer, retry_after_ms integer) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	v_at timestamptz;
	v_window interval := p_window_ms * interval '1 millisecond';
	v_paused_until timestamptz;
	v_used bigint;
	v_granted integer;
BEGIN
	-- 1246710094 is 'JOIN' in ASCII: the class of Joiner's advisory locks, so that a tenant's hash cannot take a lock
	-- another application uses on the same database.
	PERFORM pg_advisory_xact_lock(1246710094, hashtext(p_tenant_id));
	v_at := coalesce(p_at, clock_timestamp());
	SELECT paused_until INTO v_paused_until FROM graph_write_pauses WHERE tenant_id = p_tenant_id;
	IF v_paused_until > v_at THEN
		RETURN QUERY SELECT 0, ceil(extract(epoch FROM v_paused_until - v_at) * 1000)::integer;
		RETURN;
	END IF;
	DELETE FROM graph_write_reservations WHERE tenant_id = p_tenant_id AND reserved_at <= v_at - v_window;
	SELECT coalesce(sum(writes), 0) INTO v_used FROM graph_write_reservations WHERE tenant_id = p_tenant_id;
	v_granted := least(p_wanted, greatest(p_writes - v_used, 0))::integer;
	IF v_granted > 0 THEN
		INSERT INTO graph_write_reservations AS r (tenant_id, reserved_at, writes) VALUES (p_tenant_id, v_at, v_granted)
		ON CONFLICT (tenant_id, reserved_at) DO UPDATE SET writes = r.writes + excluded.writes;
	END IF;
	IF v_granted >= p_wanted THEN
		RETURN QUERY SELECT v_granted, 0;
		RETURN;
	END IF;
	-- The next write fits once enough of the oldest reservations have left the window.
	RETURN QUERY
		SELECT v_granted, ceil(extract(epoch FROM w.reserved_at + v_window - v_at) * 1000)::integer
		FROM (
			SELECT reserved_at, sum(writes) OVER (ORDER BY reserved_at) AS cumulative
			FROM graph_write_reservations WHERE tenant_id = p_tenant_id
		) w
		WHERE w.cumulative >= v_used + v_granted - p_writes + 1
		ORDER BY w.reserved_at
		LIMIT 1;
END
$$;
