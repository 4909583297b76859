import { z } from 'zod';
import { parseMicrosoftJsonDate, parseXeroIsoDate } from '../ms-date.js';

const msDate = z.string().transform((text, ctx) => {
  const date = parseMicrosoftJsonDate(text);
  if (!date) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected a Microsoft JSON date like /Date(1573755038314+0000)/',
    });
    return z.NEVER;
  }
  return date;
});

const isoDate = z.string().transform((text, ctx) => {
  const date = parseXeroIsoDate(text);
  if (!date) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO 8601 timestamp' });
    return z.NEVER;
  }
  return date;
});

const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'expected a UUID');

export const connectionsSchema = z.array(
  z
    .object({
      id: uuid,
      authEventId: uuid.nullish(),
      tenantId: uuid,
      tenantType: z.string(),
      tenantName: z.string().nullish(),
      createdDateUtc: isoDate,
      updatedDateUtc: isoDate,
    })
    .transform((c) => ({
      id: c.id,
      authEventId: c.authEventId ?? null,
      tenantId: c.tenantId,
      tenantType: c.tenantType,
      tenantName: c.tenantName ?? null,
      createdDateUtc: c.createdDateUtc,
      updatedDateUtc: c.updatedDateUtc,
    })),
);

const xeroUser = z
  .object({
    UserID: uuid,
    EmailAddress: z.string().nullish(),
    FirstName: z.string().nullish(),
    LastName: z.string().nullish(),
    UpdatedDateUTC: msDate,
    IsSubscriber: z.boolean().nullish(),
    OrganisationRole: z.string().min(1, 'expected a role'),
  })
  .transform((u) => ({
    // Lowercase, the one form snapshots and account links use.
    userId: u.UserID.toLowerCase(),
    email: u.EmailAddress ?? null,
    firstName: u.FirstName ?? null,
    lastName: u.LastName ?? null,
    updatedDateUtc: u.UpdatedDateUTC,
    isSubscriber: u.IsSubscriber ?? false,
    organisationRole: u.OrganisationRole,
  }));

export const usersSchema = z.object({ Users: z.array(xeroUser) }).transform((body) => body.Users);

export const organisationSchema = z
  .object({
    Organisations: z
      .array(
        z.object({
          OrganisationID: uuid,
          Name: z.string(),
          LegalName: z.string().nullish(),
          ShortCode: z.string().nullish(),
          OrganisationType: z.string().nullish(),
          BaseCurrency: z.string().nullish(),
          CountryCode: z.string().nullish(),
          CreatedDateUTC: msDate.nullish(),
        }),
      )
      .min(1, 'expected one organisation'),
  })
  .transform((body) => {
    const o = body.Organisations[0]!;
    return {
      organisationId: o.OrganisationID,
      name: o.Name,
      legalName: o.LegalName ?? null,
      shortCode: o.ShortCode ?? null,
      organisationType: o.OrganisationType ?? null,
      baseCurrency: o.BaseCurrency ?? null,
      countryCode: o.CountryCode ?? null,
      createdDateUtc: o.CreatedDateUTC ?? null,
    };
  });

export const currenciesSchema = z
  .object({
    Currencies: z.array(z.object({ Code: z.string(), Description: z.string().nullish() })),
  })
  .transform((body) =>
    body.Currencies.map((c) => ({ code: c.Code, description: c.Description ?? null })),
  );

/**
 * The problem body Xero's API gateway answers 401 and 403 with,
 * `{"Type":null,"Title":"Unauthorized","Status":401,"Detail":"AuthorizationUnsuccessful",...}`.
 */
export const xeroProblemSchema = z.object({ Detail: z.string() });

export type XeroConnection = z.output<typeof connectionsSchema>[number];
export type XeroUser = z.output<typeof usersSchema>[number];
export type XeroOrganisation = z.output<typeof organisationSchema>;
export type XeroCurrency = z.output<typeof currenciesSchema>[number];
