CREATE TABLE "account_signals" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "account_signals_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"company_id" text NOT NULL,
	"kind" text NOT NULL,
	"scim_user_id" uuid NOT NULL,
	"employee_id" text,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivery_attempts" integer DEFAULT 0 NOT NULL,
	"last_attempt_at" timestamp with time zone,
	"last_delivery_error" text,
	CONSTRAINT "account_signals_kind_check" CHECK ("account_signals"."kind" in ('accountChanged', 'entraObjectLinked')),
	CONSTRAINT "account_signals_employee_check" CHECK (("account_signals"."kind" = 'entraObjectLinked') = ("account_signals"."employee_id" is not null))
);
--> statement-breakpoint
DROP INDEX "scim_users_undelivered_delete_idx";--> statement-breakpoint
ALTER TABLE "account_signals" ADD CONSTRAINT "account_signals_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- The deletes whose account workflow never got them (made while Temporal was down) move into the outbox, as the
-- signal the anti-entropy guard used to send again: dated from the delete, with the company's retention as it is now.
INSERT INTO "account_signals" ("company_id", "kind", "scim_user_id", "payload")
SELECT u."company_id", 'accountChanged', u."id", jsonb_build_object(
	'change', 'deleted',
	'at', to_char(u."deleted_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
	'version', u."version" + 1,
	'userName', u."user_name",
	'active', false,
	'externalId', u."external_id",
	'employeeId', u."employee_id",
	'retentionDays', coalesce((c."policies" ->> 'scimDeletedUserRetentionDays')::int, 0))
FROM "scim_users" u JOIN "companies" c ON c."id" = u."company_id"
WHERE u."deleted_at" IS NOT NULL AND u."delete_delivered_at" IS NULL
ORDER BY u."deleted_at";--> statement-breakpoint
ALTER TABLE "scim_users" DROP COLUMN "delete_delivered_at";