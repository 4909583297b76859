import type {
  AppRecord,
  ConnectionRecord,
  GrantRecord,
  TenantRecord,
  UserRecord,
} from '../state/model.js';
import { connectionDate, msJsonDate, msJsonDateNoOffset } from '../util/dates.js';
import { newUuid } from '../util/ids.js';

/** The envelope every accounting response carries. */
export const envelope = (app: AppRecord, now: number) => ({
  Id: newUuid(),
  Status: 'OK',
  ProviderName: app.name,
  DateTimeUTC: msJsonDateNoOffset(now),
});

export const userBody = (user: UserRecord) => ({
  UserID: user.userId,
  EmailAddress: user.email,
  FirstName: user.firstName,
  LastName: user.lastName,
  UpdatedDateUTC: msJsonDate(user.updatedAt),
  IsSubscriber: user.isSubscriber,
  OrganisationRole: user.organisationRole,
});

export const organisationBody = (tenant: TenantRecord) => ({
  OrganisationID: tenant.tenantId,
  APIKey: tenant.tenantId.replace(/-/g, '').slice(0, 30).toUpperCase(),
  Name: tenant.name,
  LegalName: tenant.legalName,
  PaysTax: true,
  Version: tenant.version,
  OrganisationType: tenant.organisationType,
  BaseCurrency: tenant.baseCurrency,
  CountryCode: tenant.countryCode,
  IsDemoCompany: false,
  OrganisationStatus: 'ACTIVE',
  FinancialYearEndDay: 31,
  FinancialYearEndMonth: 3,
  SalesTaxBasis: 'PAYMENTS',
  SalesTaxPeriod: 'TWOMONTHS',
  DefaultSalesTax: 'Tax Exclusive',
  DefaultPurchasesTax: 'Tax Exclusive',
  CreatedDateUTC: msJsonDate(tenant.createdAt),
  OrganisationEntityType: tenant.organisationType,
  Timezone: tenant.timezone,
  ShortCode: tenant.shortCode,
  Edition: 'BUSINESS',
  Class: 'PREMIUM',
  Addresses: [],
  Phones: [],
  ExternalLinks: [],
  PaymentTerms: {},
});

export const connectionBody = (
  grant: GrantRecord,
  connection: ConnectionRecord,
  tenant: TenantRecord,
) => ({
  id: connection.id,
  authEventId: grant.grantId,
  tenantId: tenant.tenantId,
  tenantType: tenant.tenantType,
  tenantName: tenant.name,
  createdDateUtc: connectionDate(connection.createdAt),
  updatedDateUtc: connectionDate(connection.updatedAt),
});
