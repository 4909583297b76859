/** Names Xero shows for the currencies the example and generated organisations use. */
export const CURRENCY_NAMES: Readonly<Record<string, string>> = {
  AUD: 'Australian Dollar',
  CAD: 'Canadian Dollar',
  EUR: 'Euro',
  GBP: 'British Pound',
  NZD: 'New Zealand Dollar',
  USD: 'United States Dollar',
  ZAR: 'South African Rand',
};

export const currencyName = (code: string): string => CURRENCY_NAMES[code] ?? code;
