CREATE TABLE "access_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"company_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"token_hash" text NOT NULL,
	"display_prefix" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "companies" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"policies" jsonb NOT NULL,
	"webhook_secret" text,
	"entra_tenant_id" text,
	"entra_status" text DEFAULT 'disconnected' NOT NULL,
	"entra_connected_at" timestamp with time zone,
	"entra_disconnected_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "companies_entra_status_check" CHECK ("companies"."entra_status" in ('connected', 'disconnected')),
	CONSTRAINT "companies_connected_has_tenant_check" CHECK ("companies"."entra_status" = 'disconnected' or "companies"."entra_tenant_id" is not null)
);
--> statement-breakpoint
CREATE TABLE "employees" (
	"company_id" text NOT NULL,
	"id" text NOT NULL,
	"snapshot" jsonb NOT NULL,
	"version" bigint NOT NULL,
	"work_email" text,
	"entra_object_id" text,
	"pushed_graph_state" jsonb,
	"phase" text,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "employees_pkey" PRIMARY KEY("company_id","id")
);
--> statement-breakpoint
CREATE TABLE "scim_group_members" (
	"group_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	CONSTRAINT "scim_group_members_pkey" PRIMARY KEY("group_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "scim_groups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"company_id" text NOT NULL,
	"display_name" text NOT NULL,
	"external_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scim_users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"company_id" text NOT NULL,
	"user_name" text NOT NULL,
	"external_id" text,
	"active" boolean DEFAULT true NOT NULL,
	"display_name" text,
	"work_email" text,
	"resource" jsonb NOT NULL,
	"employee_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "webhook_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"company_id" text NOT NULL,
	"event_id" text NOT NULL,
	"type" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"employee_id" text NOT NULL,
	"employee_version" bigint NOT NULL,
	"snapshot" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"outcome" text NOT NULL,
	"delivered_at" timestamp with time zone,
	"delivery_attempts" integer DEFAULT 0 NOT NULL,
	"last_attempt_at" timestamp with time zone,
	"last_delivery_error" text,
	CONSTRAINT "webhook_events_outcome_check" CHECK ("webhook_events"."outcome" in ('accepted', 'stale'))
);
--> statement-breakpoint
ALTER TABLE "access_tokens" ADD CONSTRAINT "access_tokens_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "employees" ADD CONSTRAINT "employees_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scim_group_members" ADD CONSTRAINT "scim_group_members_group_id_scim_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."scim_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scim_group_members" ADD CONSTRAINT "scim_group_members_user_id_scim_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."scim_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scim_groups" ADD CONSTRAINT "scim_groups_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scim_users" ADD CONSTRAINT "scim_users_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_events" ADD CONSTRAINT "webhook_events_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "access_tokens_token_hash_key" ON "access_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "access_tokens_company_idx" ON "access_tokens" USING btree ("company_id","created_at");--> statement-breakpoint
CREATE INDEX "employees_company_work_email_idx" ON "employees" USING btree ("company_id",lower("work_email"));--> statement-breakpoint
CREATE UNIQUE INDEX "employees_company_entra_object_id_key" ON "employees" USING btree ("company_id","entra_object_id") WHERE "employees"."entra_object_id" is not null;--> statement-breakpoint
CREATE INDEX "scim_group_members_user_idx" ON "scim_group_members" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "scim_groups_company_display_name_key" ON "scim_groups" USING btree ("company_id",lower("display_name"));--> statement-breakpoint
CREATE INDEX "scim_groups_company_external_id_idx" ON "scim_groups" USING btree ("company_id","external_id");--> statement-breakpoint
CREATE UNIQUE INDEX "scim_users_company_user_name_key" ON "scim_users" USING btree ("company_id",lower("user_name"));--> statement-breakpoint
CREATE INDEX "scim_users_company_external_id_idx" ON "scim_users" USING btree ("company_id","external_id");--> statement-breakpoint
CREATE INDEX "scim_users_company_work_email_idx" ON "scim_users" USING btree ("company_id",lower("work_email"));--> statement-breakpoint
CREATE INDEX "scim_users_company_display_name_idx" ON "scim_users" USING btree ("company_id",lower("display_name"));--> statement-breakpoint
CREATE INDEX "scim_users_company_employee_idx" ON "scim_users" USING btree ("company_id","employee_id");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_events_company_event_id_key" ON "webhook_events" USING btree ("company_id","event_id");--> statement-breakpoint
CREATE INDEX "webhook_events_company_employee_idx" ON "webhook_events" USING btree ("company_id","employee_id");--> statement-breakpoint
CREATE INDEX "webhook_events_undelivered_idx" ON "webhook_events" USING btree ("id") WHERE "webhook_events"."outcome" = 'accepted' and "webhook_events"."delivered_at" is null;