ALTER TABLE "scim_users" ADD COLUMN "phone_numbers_e164" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "scim_users" ADD COLUMN "phone_numbers_unparsable" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "scim_users_company_unparsable_phone_idx" ON "scim_users" USING btree ("company_id") WHERE "scim_users"."phone_numbers_unparsable";--> statement-breakpoint
-- Phone numbers stored before this migration were all written in E.164 (they were normalised on the way in).
UPDATE "scim_users" SET "phone_numbers_e164" = (
  SELECT coalesce(jsonb_agg(jsonb_build_object('type', p->'type', 'e164', p->'value')), '[]'::jsonb)
  FROM jsonb_array_elements("resource"->'phoneNumbers') AS p
  WHERE jsonb_typeof(p->'value') = 'string'
) WHERE jsonb_typeof("resource"->'phoneNumbers') = 'array';
