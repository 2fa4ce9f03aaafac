DROP INDEX "scim_users_company_user_name_key";--> statement-breakpoint
ALTER TABLE "scim_users" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "scim_users_company_external_id_lower_idx" ON "scim_users" USING btree ("company_id",lower("external_id"));--> statement-breakpoint
CREATE UNIQUE INDEX "scim_users_company_user_name_key" ON "scim_users" USING btree ("company_id",lower("user_name")) WHERE "scim_users"."deleted_at" is null;